"""Visitors and events: read-only records of what happened.

Deleting a visitor (its delete button, or the "Delete selected visitors" action) is an
erasure through :func:`personalize.services.privacy.erase_visitor`, never a bare row delete:
events, memberships, merged profiles and the cached profile go too, and a tombstone keeps late
events out. The admin log records the erasure by the tombstone's hash, not by the e-mail
address or id that was erased.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils.text import capfirst

from personalize.admin.base import ModelAdmin
from personalize.admin.visitor_report import visitor_report
from personalize.models import Event, Membership, Visitor
from personalize.services import privacy


class ReadOnlyAdmin(ModelAdmin):
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
    exclude = ("profile",)
    change_form_template = "admin/personalize/visitor/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The visitor page: the record plus segments, intents, interests, traits, events."""
        visitor = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if visitor is not None and self.has_view_permission(request, visitor):
            extra_context["report"] = visitor_report(visitor)
        return super().change_view(request, object_id, form_url, extra_context)

    # -- deleting is erasing ---------------------------------------------------------------
    def get_deleted_objects(self, objs, request):
        """What the erasure removes, counted (a page listing every event would not load)."""
        selected = list(objs)
        ids = privacy.person_of({visitor.pk for visitor in selected})
        name = capfirst(self.opts.verbose_name)
        counts = {
            self.opts.verbose_name_plural: len(ids),
            Event._meta.verbose_name_plural: Event.objects.filter(visitor_id__in=ids).count(),
            Membership._meta.verbose_name_plural: Membership.objects.filter(
                visitor_id__in=ids
            ).count(),
        }
        # Only the visitor permission is needed: the erasure removes what belongs to them.
        return [f"{name}: {visitor}" for visitor in selected], counts, set(), []

    def delete_model(self, request, obj):
        privacy.erase_visitor(obj.pk)

    def delete_queryset(self, request, queryset):
        privacy.erase_visitors(queryset)

    def log_deletions(self, request, queryset):
        """Log each erasure under the tombstone's hash: the log must not keep what was erased."""
        content_type = ContentType.objects.get_for_model(self.model)
        return LogEntry.objects.bulk_create(
            LogEntry(
                user_id=request.user.pk,
                content_type=content_type,
                object_id=None,
                object_repr=f"erased visitor {privacy.id_hash(visitor.pk)[:12]}",
                action_flag=DELETION,
            )
            for visitor in queryset
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
