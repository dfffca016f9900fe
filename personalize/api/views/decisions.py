"""``GET decisions/``: the variant of each slot for the current visitor."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers
from rest_framework.response import Response

from personalize.api.base import VisitorAPIView, operation_schema
from personalize.api.serializers.visitor import DecisionQuerySerializer, DecisionSerializer
from personalize.api.views.common import current_snapshot, error_responses, visitor_of
from personalize.conf import get_setting, is_excluded
from personalize.engine.selection import CONTROL, DEFAULT, Decision
from personalize.middleware import impression_events, page_view_event
from personalize.preview import banner_html, without_parameter
from personalize.rendering import cta_href, render_variant
from personalize.utils import log_once


def _empty(decision: Decision) -> dict:
    return {
        "variant": CONTROL if decision.control else DEFAULT,
        "control": decision.control,
        "html": None,
        "title": None,
        "body": None,
        "image": None,
        "image_alt": None,
        "cta": None,
    }


def slot_answer(request, visitor, decision: Decision) -> dict:
    """One slot's answer; the markup is what ``{% personalize %}`` renders in the wrapper."""
    variant = decision.variant
    if variant is None:
        return _empty(decision)
    try:
        html = render_variant(variant, decision.slot_key, request)
        image = variant.image.url if variant.image else None
    except Exception:
        log_once(
            ("api-render", decision.slot_key, variant.slug),
            "personalize: variant %r of slot %r failed to render; answering the default.",
            variant.slug,
            decision.slot_key,
            exc_info=True,
        )
        fallback = Decision(decision.slot_key, reason="render error")
        visitor.decisions[decision.slot_key] = fallback  # the impression is of the default
        return _empty(fallback)
    href = cta_href(variant)
    return {
        "variant": CONTROL if decision.control else variant.slug,
        "control": decision.control,
        "html": html,
        "title": variant.title or None,
        "body": variant.body or None,
        "image": image,
        "image_alt": variant.image_alt or None,
        "cta": {"label": variant.cta_label, "url": href} if href and variant.cta_label else None,
    }


class DecisionView(VisitorAPIView):
    """Decide slots for the current visitor: for pages served from a shared cache
    (client-side slots) and for headless front-ends."""

    def records(self, request) -> bool:
        """``track=1`` counts a page view: only the site's own pages may ask for that.

        A plain read records impressions too, but nothing a page elsewhere could abuse: each
        is recorded once a visit and only marks the slot as shown, which changes no later
        decision, so it is left open to clients that send no provenance headers."""
        return request.query_params.get("track") in serializers.BooleanField.TRUE_VALUES

    @operation_schema(
        operation_id="decide_slots",
        summary="Decide slots for the current visitor",
        description=(
            "Returns, for each slot key, the variant the current visitor (identified by the "
            "visitor cookie; a new visitor gets one) sees and its markup, as `{% personalize %}` "
            "would render it inside the slot's wrapper. Impressions are recorded once a visit, as "
            "for server-rendered slots. With `track=1`, the page view of `path` is counted "
            "first. Keys that name no slot (deleted since the page was made) are listed in "
            "`unknown_slots`; the other slots are answered. `include=segments,intent` adds the "
            "visitor's segments and intent. Responses are never cached."
        ),
        parameters=[DecisionQuerySerializer],
        responses={
            200: DecisionSerializer,
            **error_responses(400, 403, 429),
        },
        examples=[
            OpenApiExample(
                "Two slots",
                response_only=True,
                value={
                    "slots": {
                        "home-hero": {
                            "variant": "deal-hero",
                            "control": False,
                            "html": '<div class="hero">…</div>',
                            "title": "This week's deals",
                            "body": "<p>Up to 30% off club sets.</p>",
                            "image": None,
                            "image_alt": None,
                            "cta": {"label": "See the deals", "url": "/personalize/go/7/"},
                        },
                        "home-promo": {
                            "variant": "default",
                            "control": False,
                            "html": None,
                            "title": None,
                            "body": None,
                            "image": None,
                            "image_alt": None,
                            "cta": None,
                        },
                    },
                    "tracked": True,
                },
            )
        ],
    )
    def get(self, request):
        query = DecisionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        keys = data["slots"]
        snapshot = current_snapshot()
        # A page can be older than the definitions: slots deleted since are reported, the
        # others answered. (Without definitions every slot gets its default.)
        unknown = [key for key in keys if key not in snapshot.slots] if snapshot else []
        keys = [key for key in keys if key not in unknown]
        visitor = visitor_of(request)
        counted = False
        if "page_path" in data:
            path = data["page_path"]
            counted = bool(data["track"]) and visitor.tracking and not is_excluded(path)
            visitor.view_page(path, data["page_query"], data["referrer"], count=counted)
        django_request = request._request
        slots = {key: slot_answer(django_request, visitor, visitor.decide(key)) for key in keys}
        body = {"slots": slots, "tracked": bool(visitor.tracking)}
        if "segments" in data["include"]:  # evaluates every segment: only when asked
            body["segments"] = visitor.segments
        if "intent" in data["include"]:
            body["intent"] = visitor.intent
            body["intent_scores"] = visitor.intent_scores
        if unknown:
            body["unknown_slots"] = unknown
        if visitor.preview is not None and get_setting("PREVIEW_BANNER"):
            # A staff preview of a page whose slots the browser fills: the page (one copy for
            # everyone) has no preview bar, so the answer brings it.
            page = data.get("page_path") or "/"
            query = data["path"].partition("?")[2] if data.get("path") else ""
            exit_to = without_parameter(page, query, get_setting("PREVIEW_PARAM"))
            body["preview"] = banner_html(visitor.preview, exit_to)
        if visitor.tracking and visitor.loaded:  # the middleware hands these to the sink
            if counted and visitor.page_recorded:
                visitor.events.append(page_view_event(visitor))
            visitor.events.extend(impression_events(visitor))
        return Response(body)
