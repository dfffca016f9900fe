"""Visitors and events: read-only records of what happened."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from personalize.admin.visitor_report import visitor_report
from personalize.models import Event, Visitor
from personalize.services.privacy import erase_visitor


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Visitor)
class VisitorAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "first_seen",
        "last_seen",
        "visit_count",
        "page_views",
        "country",
        "device_type",
        "consent",
    )
    list_filter = ("device_type", "consent", "country")
    search_fields = ("=id", "email")
    date_hierarchy = "last_seen"
    show_full_result_count = False
    actions = ["erase"]
    exclude = ("profile",)
    change_form_template = "admin/personalize/visitor/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The visitor page: the record plus segments, intents, interests, traits, events."""
        visitor = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if visitor is not None and self.has_view_permission(request, visitor):
            extra_context["report"] = visitor_report(visitor)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(
        description=_("Erase selected visitors (profile, events, memberships)"),
        permissions=["delete"],
    )
    def erase(self, request, queryset):
        count = sum(erase_visitor(pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("Erased %d visitor.", "Erased %d visitors.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("timestamp", "name", "path", "visitor", "medium", "slot", "variant", "value")
    list_filter = ("name", "medium")
    list_select_related = ("visitor",)
    search_fields = ("path", "=visitor__id", "slot", "variant")
    date_hierarchy = "timestamp"
    show_full_result_count = False
    raw_id_fields = ("visitor",)
