"""Admin actions on segments: rebuild static lists now, export their members."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from personalize.models import Membership
from personalize.services import export


@admin.action(description=_("Rebuild now (static segments)"), permissions=["change"])
def rebuild_now(modeladmin, request, queryset):
    from personalize import tasks

    static = [segment for segment in queryset if segment.is_static]
    dynamic = [segment.name for segment in queryset if not segment.is_static]
    if dynamic:
        modeladmin.message_user(
            request,
            _("Dynamic segments are evaluated live and have no list to rebuild: %(names)s.")
            % {"names": ", ".join(dynamic)},
            messages.WARNING,
        )
    failed = [
        segment.name
        for segment in static
        if tasks.enqueue(tasks.rebuild_segment, segment.pk) is False
    ]
    queued = len(static) - len(failed)
    if queued:
        modeladmin.message_user(
            request,
            ngettext(
                "Rebuild of %d static segment started; its size updates when it is done.",
                "Rebuild of %d static segments started; their sizes update when they are done.",
                queued,
            )
            % queued,
            messages.SUCCESS,
        )
    if failed:
        modeladmin.message_user(
            request,
            _(
                "Could not queue the rebuild of %(names)s: the task queue is unreachable. "
                "Run `manage.py personalize_rebuild_segment` instead."
            )
            % {"names": ", ".join(failed)},
            messages.ERROR,
        )


def _export(modeladmin, request, queryset, fmt: str):
    # The actions are offered only with export.EXPORT_PERMISSION (``has_export_permission``).
    segments = list(queryset[:2])
    if len(segments) != 1:
        modeladmin.message_user(request, _("Select exactly one segment to export."), messages.ERROR)
        return None
    segment = segments[0]
    if not segment.is_static:
        modeladmin.message_user(
            request,
            _("“%(name)s” is dynamic: make it static and rebuild it to get a member list.")
            % {"name": segment.name},
            messages.ERROR,
        )
        return None
    rows = Membership.objects.filter(segment=segment).count()
    export.record_export(request.user, segment, rows, page=f"all ({fmt}, admin)")
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = StreamingHttpResponse(export.export(segment, fmt), content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{segment.slug}-members-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@admin.action(description=_("Export members as CSV (static segments)"), permissions=["export"])
def export_csv(modeladmin, request, queryset):
    return _export(modeladmin, request, queryset, "csv")


@admin.action(description=_("Export members as JSON (static segments)"), permissions=["export"])
def export_json(modeladmin, request, queryset):
    return _export(modeladmin, request, queryset, "json")
