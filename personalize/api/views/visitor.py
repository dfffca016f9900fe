"""``visitor/``: what is stored about me, my consent, forget me. By the visitor cookie."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from personalize.api.base import VisitorAPIView, operation_schema
from personalize.api.errors import APIError
from personalize.api.serializers.visitor import (
    ConsentResultSerializer,
    ConsentSerializer,
    ErasureResultSerializer,
    StoredEventSerializer,
    VisitorDataSerializer,
)
from personalize.api.views.common import error_responses, forget_visitor_cookie, visitor_of
from personalize.models import Event, Visitor
from personalize.services.validation import stored_traits
from personalize.tracking.consent import consent_state, set_consent


class VisitorEventPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def stored_visitor(visitor_id: str | None) -> Visitor | None:
    if not visitor_id:
        return None
    row = Visitor.objects.filter(pk=visitor_id).first()
    if row is not None and row.merged_into_id:
        row = Visitor.objects.filter(pk=row.merged_into_id).first()
    return row


def check_self_service(request, visitor, row: Visitor | None) -> None:
    """Refuse stored data to a browser that has not proven it is the person it was tied to.

    A cookie proves only that this browser made the visits. A profile tied to a user account
    needs that user logged in; a profile tied to an e-mail address the site never verified,
    and a browser that reached its profile through such an address, get nothing: otherwise
    typing someone's address into a form would hand over their data.
    """
    if row is None:
        return
    user = getattr(request, "user", None)
    if row.user_id is not None:
        if not (user is not None and user.is_authenticated and user.pk == row.user_id):
            raise APIError(
                403,
                "sign_in_required",
                "This profile belongs to a user account: sign in to see or erase its data.",
            )
        return
    if visitor.linked_unverified or (row.email and not row.email_verified):
        raise APIError(
            403,
            "identity_not_verified",
            "This browser is tied to an e-mail address that was not verified, so its stored "
            "data cannot be shown or erased here. Withdraw consent to stop tracking, or ask "
            "the site to verify your address.",
        )


def stop_tracking(visitor, response) -> None:
    """No visitor cookie and nothing stored for the rest of this request."""
    visitor.tracking = False
    visitor.set_cookie = False
    forget_visitor_cookie(response)


class VisitorView(VisitorAPIView):
    """The current visitor's own data (GET) and its erasure (DELETE)."""

    @operation_schema(
        operation_id="visitor_data",
        summary="What is stored about me",
        description=(
            "The current visitor's segments, intent and scores, interests, traits, counters "
            "and stored events (newest first, paginated: `page`, `page_size` ≤ 200). A browser "
            "without a visitor cookie gets `id: null` and nothing else: no cookie is set."
        ),
        parameters=[
            OpenApiParameter("page", int, description="Page of stored events (1-based)."),
            OpenApiParameter("page_size", int, description="Events per page (≤ 200)."),
        ],
        responses={200: VisitorDataSerializer, **error_responses(403, 404, 429)},
    )
    def get(self, request):
        visitor = visitor_of(request)
        visitor_id = visitor.cookie_id
        row = stored_visitor(visitor_id)
        check_self_service(request, visitor, row)
        known = bool(visitor_id) and visitor.tracking
        events = Event.objects.none()
        if row is not None:
            events = Event.objects.filter(visitor=row).order_by("-timestamp", "-pk")
        paginator = VisitorEventPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        body = {
            "id": row.pk.hex if row is not None else visitor_id,
            "consent": consent_state(request._request),
            "tracked": bool(visitor.tracking),
            "email": row.email if row is not None else None,
            "first_seen": row.first_seen if row is not None else None,
            "last_seen": row.last_seen if row is not None else None,
            "visits": row.visit_count if row is not None else 0,
            "page_views": row.page_views if row is not None else 0,
            "segments": visitor.segments if known else [],
            "intent": visitor.intent if known else None,
            "intent_scores": visitor.intent_scores if known else {},
            "interests": visitor.interests if known else {},
            "traits": stored_traits(row.traits if row is not None else {})
            | (visitor.traits if known else {}),
            "events": paginator.get_paginated_response(
                StoredEventSerializer(page, many=True).data
            ).data,
        }
        return Response(body)

    @operation_schema(
        operation_id="forget_visitor",
        summary="Forget me",
        description=(
            "Erases everything stored about the current visitor (profile, events, memberships; "
            "a tombstone keeps late events out) and deletes the visitor cookie. A visitor "
            "merged with others (identified on several devices) is one person: the profile "
            "they were merged into and every profile merged into it are erased together. "
            "Same-origin only. The consent choice cookie is kept: it holds no identifier."
        ),
        request=None,
        responses={200: ErasureResultSerializer, **error_responses(403, 429)},
    )
    def delete(self, request):
        from personalize.services.privacy import erase_visitor

        visitor = visitor_of(request)
        visitor_id = visitor.cookie_id
        row = stored_visitor(visitor_id)
        check_self_service(request, visitor, row)
        erased = False
        if visitor_id:
            # Once merged, this browser's data lives in the profile it was merged into: erase
            # that one, and with it every profile merged into it (this browser's included).
            erased = erase_visitor(row.pk if row is not None else visitor_id)
        response = Response({"erased": erased})
        stop_tracking(visitor, response)
        return response


class ConsentView(VisitorAPIView):
    """Give or withdraw consent to tracking."""

    @operation_schema(
        operation_id="set_consent",
        summary="Give or withdraw consent",
        description=(
            "`granted`: the visitor may be tracked from now on (also overrides Global Privacy "
            "Control and Do Not Track, as an explicit choice). `denied`: tracking stops at once "
            "and the visitor cookie is deleted; stored data stays until erased (DELETE "
            "`visitor/`). The choice is kept in a signed cookie. Same-origin only."
        ),
        request=ConsentSerializer,
        responses={200: ConsentResultSerializer, **error_responses(400, 403, 413, 415, 429)},
    )
    def post(self, request):
        from personalize.services.consent import record_consent

        serializer = ConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        granted = serializer.validated_data["consent"] == "granted"
        visitor = visitor_of(request)
        visitor_id = visitor.cookie_id
        response = Response({"consent": "granted" if granted else "denied", "tracked": granted})
        set_consent(response, granted)
        if visitor_id:
            record_consent(visitor_id, granted)
        if not granted:
            stop_tracking(visitor, response)
        return response
