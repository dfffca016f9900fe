"""Intents with their signals, and topic mappings for interests."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from personalize.admin.base import ModelAdmin
from personalize.admin.deletion import rules_that_block
from personalize.admin.preview import preview_link
from personalize.models import Intent, IntentRule, IntentSignal, TopicMapping


class IntentSignalInline(admin.TabularInline):
    model = IntentSignal
    fields = ("kind", "parameter", "operator", "pattern", "min_count", "points", "cap", "in_words")
    readonly_fields = ("in_words",)
    extra = 0

    @admin.display(description=_("in plain words"))
    def in_words(self, obj):
        return obj.describe() if obj.pk else "-"


@admin.register(Intent)
class IntentAdmin(ModelAdmin):
    list_display = ("name", "slug", "threshold", "half_life_hours", "signal_count", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("preview",)
    inlines = [IntentSignalInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("signals")

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            rules = IntentRule.objects.filter(intent__in=objs).select_related("segment", "intent")
            protected = rules_that_block(self.admin_site, protected, rules)
        return deleted, counts, perms_needed, protected

    @admin.display(description=_("signals"))
    def signal_count(self, obj):
        return len(obj.signals.all())

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj.pk is None:
            return "-"
        return preview_link(f"intent:{obj.slug}", _("Open the site as a visitor with this intent"))


@admin.register(TopicMapping)
class TopicMappingAdmin(ModelAdmin):
    list_display = ("path", "operator", "topics", "points")
    list_editable = ("topics", "points")
    search_fields = ("path", "topics")
