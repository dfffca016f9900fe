"""Export audit records: read-only, so nobody can tidy away who exported what."""

from __future__ import annotations

from django.contrib import admin

from personalize.admin.base import ModelAdmin
from personalize.models import ExportAudit


@admin.register(ExportAudit)
class ExportAuditAdmin(ModelAdmin):
    list_display = ("created_at", "username", "segment_slug", "rows", "page")
    list_filter = ("segment_slug",)
    search_fields = ("username", "segment_slug")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
