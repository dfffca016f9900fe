"""Segments, with their rules edited inline (one form per rule type)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from polymorphic.admin import PolymorphicInlineSupportMixin, StackedPolymorphicInline

from personalize.admin.base import ModelAdmin
from personalize.admin.deletion import (
    rules_that_block,
    without_base_rule_count,
    without_base_rules,
)
from personalize.admin.preview import preview_link
from personalize.admin.segment_actions import export_csv, export_json, rebuild_now
from personalize.models import Rule, Segment, SegmentDailyStat, SegmentRule
from personalize.models.segment import NO_RULES
from personalize.rules.base import prefetch_rules
from personalize.services import export


class RuleForm(forms.ModelForm):
    def has_changed(self):
        # A rule the editor added counts even when every field keeps its default value
        # (a recency rule "at least 30 days"): otherwise the formset would drop it silently.
        return self.instance.pk is None or super().has_changed()

    def _post_clean(self):
        # One message per problem: a field the form already refused ("This field is
        # required.") keeps that message alone, and the rule's own checks, which may run a
        # field validator again, add each message once.
        refused = {name: list(errors) for name, errors in self._errors.items()}
        super()._post_clean()
        for name, errors in self._errors.items():
            if name in refused:
                errors[:] = refused[name]
            else:
                errors[:] = list(dict.fromkeys(errors))


class RuleChildInline(StackedPolymorphicInline.Child):
    form = RuleForm
    exclude = ("sort_order",)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.parent_inline.has_change_permission(request, obj):
            return readonly
        # View only: the rules are shown, not offered as a form (Django does this for
        # ordinary inlines; polymorphic children need telling).
        editable = forms.fields_for_model(self.model, exclude=[*self.exclude, "segment"])
        return [*readonly, *(name for name in editable if name not in readonly)]


def child_inline_for(model):
    """A polymorphic child inline for one rule type (built-in or third-party)."""
    return type(f"{model.__name__}Inline", (RuleChildInline,), {"model": model})


class RuleInline(StackedPolymorphicInline):
    model = Rule
    verbose_name = _("rule")
    verbose_name_plural = _("rules")

    def get_child_inlines(self):
        # Every concrete Rule subclass, so rule types added by other apps appear too.
        return [child_inline_for(model) for model in Rule.rule_types()]

    # Rules are part of their segment: whoever may add or change a segment edits its rules,
    # with no permission of their own per rule type (as Django treats an auto-created
    # many-to-many table).
    def _has_segment_permission(self, request, action: str) -> bool:
        opts = self.parent_model._meta
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")

    def _may_edit(self, request, obj) -> bool:
        return self._has_segment_permission(request, "add" if obj is None else "change")

    def has_view_permission(self, request, obj=None):
        return self._has_segment_permission(request, "view") or self._may_edit(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)


@admin.register(Segment)
class SegmentAdmin(PolymorphicInlineSupportMixin, ModelAdmin):
    list_display = ("name", "slug", "category", "kind", "rules_in_words", "size", "is_active")
    list_filter = ("category", "kind", "is_active", "match")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("definition", "size", "rebuilt_at", "preview", "created_at", "updated_at")
    inlines = [RuleInline]
    actions = [rebuild_now, export_csv, export_json]
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "category", "is_active")}),
        (_("How rules combine"), {"fields": ("match", "kind", "definition")}),
        (_("Members and preview"), {"fields": ("size", "rebuilt_at", "preview")}),
        (_("History"), {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The page's rules and what they refer to, loaded at once for "rules_in_words".
        prefetch_rules(changelist.result_list)
        return changelist

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        segment = form.instance
        if segment.is_static and (form.has_changed() or any(f.has_changed() for f in formsets)):
            self.message_user(
                request,
                _(
                    "“%(name)s” is a static segment: its member list changes at the next "
                    "rebuild (scheduled), or at once with the “Rebuild now” action of the "
                    "segment list."
                )
                % {"name": segment.name},
                messages.INFO,
            )

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            rules = SegmentRule.objects.filter(other_segment__in=objs).select_related(
                "segment", "other_segment"
            )
            protected = rules_that_block(self.admin_site, protected, rules)
        # A segment's daily statistics go with it: no permission of their own is needed.
        stats = str(SegmentDailyStat._meta.verbose_name)
        perms_needed = {name for name in perms_needed if str(name) != stats}
        return without_base_rules(deleted), without_base_rule_count(counts), perms_needed, protected

    def has_export_permission(self, request) -> bool:
        """May take member lists out of the site (the export actions)."""
        return request.user.has_perm(export.EXPORT_PERMISSION)

    @admin.display(description=_("rules"))
    def rules_in_words(self, obj):
        rules = obj.describe_rules()
        if not rules:
            return NO_RULES
        joiner = _("all of") if obj.match == Segment.Match.ALL else _("any of")
        return format_html(
            "{}<ul style='margin:0;padding-left:1.2em'>{}</ul>",
            joiner,
            format_html_join("", "<li>{}</li>", ((text,) for text in rules)),
        )

    @admin.display(description=_("definition in plain words"))
    def definition(self, obj):
        if obj.pk is None:
            return _("Save the segment to see its definition.")
        return self.rules_in_words(obj)

    @admin.display(description=_("size"))
    def size(self, obj):
        if obj.is_static:
            if obj.member_count is None:
                return _("not built yet")
            count = obj.member_count
            return ngettext("%(count)s member", "%(count)s members", count) % {
                "count": number_format(count, force_grouping=True)
            }
        return _("dynamic (evaluated live)")

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj.pk is None:
            return "-"
        return preview_link(f"segment:{obj.slug}", _("Open the site as a member of this segment"))
