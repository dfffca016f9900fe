"""Slots and variants."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from personalize.admin.preview import preview_link
from personalize.models import Slot, Variant


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
class SlotAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "variant_count", "control_percentage", "auto_registered")
    list_filter = ("auto_registered",)
    search_fields = ("key", "name", "description")
    readonly_fields = ("auto_registered", "usage", "fallback", "created_at", "updated_at")
    inlines = [VariantInline]
    fieldsets = (
        (None, {"fields": ("key", "name", "description", "usage", "fallback")}),
        (_("Measurement"), {"fields": ("control_percentage",)}),
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

    @admin.display(description=_("in a template"))
    def usage(self, obj):
        if not obj.key:
            return "-"
        return f'{{% personalize "{obj.key}" %}}…default…{{% endpersonalize %}}'


@admin.register(Variant)
class VariantAdmin(TargetingAutocomplete, admin.ModelAdmin):
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
            f"variant:{obj.slot.key}={obj.slug}", _("Open the site showing this variant")
        )
