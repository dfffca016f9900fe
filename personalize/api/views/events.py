"""``POST events/``: batched events sent by the site's pages (``sendBeacon``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample
from rest_framework import status
from rest_framework.response import Response

from personalize.api.base import VisitorAPIView, operation_schema
from personalize.api.errors import PayloadTooLarge
from personalize.api.intake import record_events
from personalize.api.serializers.visitor import EventBatchResultSerializer, EventBatchSerializer
from personalize.api.views.common import current_snapshot, error_responses, visitor_of
from personalize.conf import get_setting


class EventIntakeView(VisitorAPIView):
    """Record events of the current visitor, sent by the site's own pages."""

    @operation_schema(
        operation_id="record_events",
        summary="Record a batch of events",
        description=(
            "Same-origin only. `application/json` or `text/plain` (what `navigator.sendBeacon` "
            'sends) holding `{"events": [...]}`, at most `PERSONALIZE_API_MAX_BATCH` events and '
            "`PERSONALIZE_API_MAX_BODY_BYTES` bytes. An event with an `id` already received is "
            "counted as a duplicate and not stored again. A visitor who is not tracked (no "
            "consent) gets 202 with `tracked: false`: nothing is stored. 202 means the event "
            "sink took the batch; when it cannot now, the answer is 503 with Retry-After and "
            "nothing was kept: send the batch again."
        ),
        request=EventBatchSerializer,
        responses={
            202: EventBatchResultSerializer,
            **error_responses(400, 403, 413, 415, 429, 503),
        },
        examples=[
            OpenApiExample(
                "A click and a signup",
                request_only=True,
                value={
                    "events": [
                        {
                            "id": "3f1c2a9e-1",
                            "name": "click",
                            "slot": "home-hero",
                            "variant": "deal-hero",
                            "path": "/offers/",
                        },
                        {
                            "id": "3f1c2a9e-2",
                            "name": "newsletter_signup",
                            "path": "/offers/",
                            "properties": {"list": "weekly"},
                        },
                    ]
                },
            ),
            OpenApiExample(
                "Accepted",
                response_only=True,
                status_codes=["202"],
                value={"accepted": 2, "duplicates": 0, "tracked": True},
            ),
        ],
    )
    def post(self, request):
        data = request.data
        limit = get_setting("API_MAX_BATCH")
        events = data.get("events") if isinstance(data, dict) else None
        if isinstance(events, list) and len(events) > limit:
            raise PayloadTooLarge(
                _("At most %(n)d events per batch; got %(got)d.")
                % {"n": limit, "got": len(data["events"])}
            )
        batch = EventBatchSerializer(data=data, context={"snapshot": current_snapshot()})
        batch.is_valid(raise_exception=True)
        visitor = visitor_of(request)
        if not visitor.tracking:
            body = {"accepted": 0, "duplicates": 0, "tracked": False}
            return Response(body, status=status.HTTP_202_ACCEPTED)
        result = record_events(request._request, visitor, batch.validated_data["events"])
        body = {"accepted": result.accepted, "duplicates": result.duplicates, "tracked": True}
        if result.rejected:
            body["rejected"] = result.rejected
        return Response(body, status=status.HTTP_202_ACCEPTED)
