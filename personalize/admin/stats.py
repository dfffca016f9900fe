"""Daily statistics: read-only tables, filterable by date, segment, slot and variant."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from personalize.admin.visitors import ReadOnlyAdmin
from personalize.models import SegmentDailyStat, VariantDailyStat


@admin.register(SegmentDailyStat)
class SegmentDailyStatAdmin(ReadOnlyAdmin):
    list_display = ("date", "segment", "visitors", "members", "computed_at")
    list_filter = ("segment",)
    list_select_related = ("segment",)
    date_hierarchy = "date"


@admin.register(VariantDailyStat)
class VariantDailyStatAdmin(ReadOnlyAdmin):
    list_display = (
        "date",
        "slot",
        "variant",
        "impressions",
        "visitors",
        "clicks",
        "conversions",
        "rate",
        "conversion_value",
    )
    list_filter = ("slot", "variant")
    search_fields = ("slot", "variant")
    date_hierarchy = "date"

    @admin.display(description=_("conversion rate"))
    def rate(self, obj):
        rate = obj.conversion_rate
        return "-" if rate is None else f"{rate:.1%}"
