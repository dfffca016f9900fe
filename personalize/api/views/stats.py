"""``stats/``: impressions, clicks and conversions per slot and variant."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from personalize.api.base import StaffAPIMixin, operation_schema
from personalize.api.permissions import CanViewStats
from personalize.api.serializers.base import SLUG
from personalize.api.stats import variant_stats
from personalize.api.views.common import error_responses
from personalize.services import stats

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
EARLIEST, LATEST = stats.EARLIEST, stats.LATEST


class StatsQuerySerializer(serializers.Serializer):
    since = serializers.DateField(
        required=False,
        help_text="First day (inclusive; days in PERSONALIZE_TIME_ZONE). Default: 30 days "
        "before until.",
    )
    until = serializers.DateField(required=False, help_text="Last day (inclusive). Default: today.")
    slot = serializers.CharField(required=False, max_length=100, help_text="Only this slot.")

    def validate_slot(self, value):
        if not SLUG.match(value):
            raise serializers.ValidationError(_("Not a slot key."))
        return value

    def validate(self, attrs):
        until = attrs.get("until") or stats.today()
        since = attrs.get("since") or until - dt.timedelta(days=DEFAULT_DAYS - 1)
        if not (EARLIEST <= since <= LATEST and EARLIEST <= until <= LATEST):
            raise serializers.ValidationError(
                {"since": [_("Dates go from %(a)s to %(b)s.") % {"a": EARLIEST, "b": LATEST}]}
            )
        if since > until:
            raise serializers.ValidationError({"since": [_("since comes after until.")]})
        if (until - since).days >= MAX_DAYS:
            raise serializers.ValidationError(
                {"since": [_("A range spans at most %(n)d days.") % {"n": MAX_DAYS}]}
            )
        attrs["since"], attrs["until"] = since, until
        return attrs


class VariantStatsSerializer(serializers.Serializer):
    variant = serializers.CharField()
    impressions = serializers.IntegerField()
    visitors = serializers.IntegerField()
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    conversion_rate = serializers.FloatField(allow_null=True)
    conversion_rate_interval = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="95% interval of the conversion rate: [low, high].",
    )
    click_rate = serializers.FloatField(allow_null=True)
    lift = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField(
        allow_null=True,
        help_text="How sure one can be that the conversion rate differs from the control "
        "group's by more than chance (1 minus the p-value of a two-proportion z-test); null "
        "without a control group, for the control itself, or with too little data.",
    )
    significant = serializers.BooleanField(
        allow_null=True, help_text="confidence is at least 0.95."
    )


class SlotStatsSerializer(serializers.Serializer):
    slot = serializers.CharField()
    variants = VariantStatsSerializer(many=True)


class StatsSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    slots = SlotStatsSerializer(many=True)


class VariantStatsView(StaffAPIMixin, APIView):
    """How each variant performs."""

    permission_classes = [CanViewStats]

    @operation_schema(
        operation_id="variant_stats",
        summary="Variant statistics",
        description=(
            "Per slot and variant over a range of days (calendar days in the statistics time "
            "zone, as for the daily statistics): impressions (once a visit), "
            "distinct visitors, clicks, conversions (visitors who converted after seeing the "
            "variant), rates, and lift over the slot's control group. Needs "
            "`personalize.view_variant`."
        ),
        parameters=[StatsQuerySerializer],
        responses={200: StatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, until = query.validated_data["since"], query.validated_data["until"]
        start, end = stats.day_bounds(since, until)
        slots = variant_stats(start, end, query.validated_data.get("slot"))
        return Response({"since": since, "until": until, "slots": slots})
