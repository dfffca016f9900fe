"""Slots and variants."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from personalize.admin.base import ModelAdmin
from personalize.admin.preview import preview_link
from personalize.models import Slot, Variant, VariantDailyStat
from personalize.sanitize import removed_by_sanitizing
from personalize.services.stats import CONTROL, add_rates

#: How many days of statistics the slot page sums.
RESULT_DAYS = 30


class TargetingAutocomplete:
    """Segment and intent are chosen by autocomplete when the editor may view them; otherwise
    from a plain list (Django's autocomplete view answers 403 without the view permission)."""

    autocomplete_fields = ("segment", "intent")

    def get_autocomplete_fields(self, request):
        fields = []
        for name in super().get_autocomplete_fields(request):
            related = self.model._meta.get_field(name).related_model
            related_admin = self.admin_site._registry.get(related)
            if related_admin is not None and related_admin.has_view_permission(request):
                fields.append(name)
        return fields


class VariantInline(TargetingAutocomplete, admin.TabularInline):
    model = Variant
    fields = ("name", "slug", "segment", "intent", "priority", "weight", "status")
    prepopulated_fields = {"slug": ("name",)}
    show_change_link = True
    extra = 0


@admin.register(Slot)
class SlotAdmin(ModelAdmin):
    list_display = ("key", "name", "variant_count", "control_percentage", "auto_registered")
    list_filter = ("auto_registered",)
    search_fields = ("key", "name", "description")
    readonly_fields = (
        "auto_registered",
        "usage",
        "fallback",
        "results",
        "created_at",
        "updated_at",
    )
    inlines = [VariantInline]
    fieldsets = (
        (None, {"fields": ("key", "name", "description", "preview_path", "usage", "fallback")}),
        (_("Measurement"), {"fields": ("control_percentage", "results")}),
        (
            _("History"),
            {"classes": ("collapse",), "fields": ("auto_registered", "created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_variant_count()

    @admin.display(description=_("variants"), ordering="variant_count")
    def variant_count(self, obj):
        return obj.variant_count

    @admin.display(description=_("when nothing matches"))
    def fallback(self, obj):
        """What a visitor whom no targeted variant fits sees: the live default variants."""
        if obj.pk is None:
            return "-"
        now = timezone.now()
        defaults = [v for v in obj.variants.all() if v.is_default and v.is_live(now)]
        if not defaults:
            return _(
                "the content written in the template (there is no live default variant: "
                "add one without segment and intent to change that)"
            )
        if len(defaults) == 1:
            return _("the default variant %(name)s") % {"name": defaults[0].name}
        shares = " or ".join(f"{v.name} (weight {v.weight})" for v in defaults)
        return _("one of the default variants, split by weight: %(shares)s") % {"shares": shares}

    @admin.display(description=_("results"))
    def results(self, obj):
        """The last 30 days of the daily statistics, per variant, with the lift over the
        control group."""
        if obj.pk is None:
            return "-"
        since = timezone.localdate() - dt.timedelta(days=RESULT_DAYS - 1)
        rows = list(
            VariantDailyStat.objects.filter(slot=obj.key, date__gte=since)
            .values("variant")
            .annotate(
                impressions=Sum("impressions"),
                visitors=Sum("visitors"),
                clicks=Sum("clicks"),
                conversions=Sum("conversions"),
                value=Sum("conversion_value"),
            )
            .order_by("-impressions", "variant")
        )
        if not rows:
            return _("No statistics yet: they are computed from the events every hour.")
        has_control = any(row["variant"] == CONTROL for row in rows)
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    row["variant"],
                    row["impressions"],
                    row["visitors"],
                    row["clicks"],
                    row["conversions"],
                    _conversion_rate(row),
                    "-" if row["lift"] is None else f"{row['lift']:+.0%}",
                    _confidence(row, has_control),
                    f"{row['value'] or 0:.2f}",
                )
                for row in add_rates(rows)
            ),
        )
        daily = reverse("admin:personalize_variantdailystat_changelist")
        return format_html(
            "<p>{}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>"
            '<p class="help">{} <a href="{}?slot__exact={}">{}</a></p>',
            _("Last 30 days"),
            _("variant"),
            _("impressions"),
            _("visitors"),
            _("clicks"),
            _("converted visitors"),
            _("conversion rate (95% interval)"),
            _("lift over control"),
            _("confidence"),
            _("conversion value"),
            body,
            _(
                "Visitors are counted day by day (a visitor seen on two days counts twice); "
                "a conversion is a conversion event the day the variant was shown. Confidence "
                "is how sure one can be that a variant converts differently from the control "
                "group, not by chance (significant from 95%). Decide beforehand how many "
                "visitors to wait for, and read it then: waiting until it crosses 95% finds "
                "differences that are not there."
            ),
            daily,
            obj.key,
            _("Day by day"),
        )

    @admin.display(description=_("in a template"))
    def usage(self, obj):
        if not obj.key:
            return "-"
        return f'{{% personalize "{obj.key}" %}}…default…{{% endpersonalize %}}'


def _conversion_rate(row: dict) -> str:
    """``6.8% (5.1% to 9.1%)``: a conversion rate with its 95% interval, for the results table."""
    if row["conversion_rate"] is None:
        return "-"
    low, high = row["conversion_rate_interval"]
    return f"{row['conversion_rate']:.1%} ({low:.1%} to {high:.1%})"


def _confidence(row: dict, has_control: bool) -> str:
    """How sure the difference with the control group is, in words for the results table."""
    if not has_control or row["variant"] == CONTROL:
        return "-"
    if row["confidence"] is None:
        return gettext("not enough data yet")
    text = f"{row['confidence']:.0%}"
    if row["significant"]:
        return gettext("%(confidence)s, significant") % {"confidence": text}
    return text


@admin.register(Variant)
class VariantAdmin(TargetingAutocomplete, ModelAdmin):
    list_display = ("__str__", "name", "targeting", "priority", "weight", "status", "live")
    list_filter = ("status", "slot", "segment", "intent")
    list_select_related = ("slot", "segment", "intent")
    search_fields = ("name", "slug", "title", "slot__key")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("preview", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("slot", "name", "slug", "status", "preview")}),
        (
            _("Who sees it"),
            {
                "fields": ("segment", "intent", "priority", "weight"),
                "description": _(
                    "Leave segment and intent empty for a default variant. When several "
                    "variants match, the highest priority wins; equal priorities split "
                    "visitors by weight."
                ),
            },
        ),
        (_("When"), {"fields": ("starts_at", "ends_at")}),
        (
            _("Content"),
            {
                "fields": (
                    "title",
                    "body",
                    "image",
                    "image_alt",
                    "cta_label",
                    "cta_url",
                    "template_name",
                )
            },
        ),
        (_("History"), {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )

    def save_model(self, request, obj, form, change):
        written = obj.body
        super().save_model(request, obj, form, change)  # the body is sanitized on save
        removed = removed_by_sanitizing(written, obj.body)
        if removed:
            self.message_user(
                request,
                _(
                    "Removed from the body of “%(name)s” when it was saved: %(removed)s. "
                    "Scripts, styles, event handlers, frames, forms and unsafe links are never "
                    "kept."
                )
                % {"name": obj.name, "removed": ", ".join(removed)},
                messages.WARNING,
            )

    @admin.display(description=_("shown to"))
    def targeting(self, obj):
        return obj.targeting_description()

    @admin.display(description=_("live now"), boolean=True)
    def live(self, obj):
        return obj.is_live(timezone.now())

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj.pk is None:
            return "-"
        return preview_link(
            f"variant:{obj.slot.key}={obj.slug}",
            _("Open the site showing this variant"),
            page=obj.slot.preview_path,
        )
