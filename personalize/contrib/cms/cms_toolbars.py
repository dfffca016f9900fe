"""The "Personalize" toolbar menu: view the current page as a segment sees it, and reach the
personalization admin. Only for staff who may preview (``personalize.view_segment``)."""

from __future__ import annotations

from cms.toolbar_base import CMSToolbar
from cms.toolbar_pool import toolbar_pool
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from personalize.admin.preview import preview_url

MENU = "personalize"
#: How many segments "View as segment…" lists (the most recently changed first past that).
MAX_SEGMENTS = 30
ADMIN_PAGES = [
    ("segment", _("Segments")),
    ("slot", _("Slots")),
    ("variant", _("Variants")),
    ("intent", _("Intents")),
]


@toolbar_pool.register
class PersonalizeToolbar(CMSToolbar):
    def can_preview(self) -> bool:
        user = getattr(self.request, "user", None)
        return bool(
            self.toolbar.is_staff
            and user is not None
            and user.is_active
            and user.has_perm("personalize.view_segment")
        )

    def page_path(self) -> str:
        """The public URL of the page the toolbar is shown on, or ""."""
        get_url = getattr(self.toolbar.get_object(), "get_absolute_url", None)
        if get_url is not None:
            try:
                return get_url() or ""
            except Exception:
                return ""
        if self.toolbar.edit_mode_active or self.toolbar.preview_mode_active:
            return ""  # an editing endpoint, not the page itself
        return self.request.path

    def populate(self):
        if not self.can_preview():
            return
        from personalize.models import Segment

        menu = self.toolbar.get_or_create_menu(MENU, _("Personalize"))
        path = self.page_path()
        if path:
            view_as = menu.get_or_create_menu(f"{MENU}-view-as", _("View as segment…"))
            segments = (
                Segment.objects.active()
                .order_by("-updated_at")
                .values_list("name", "slug")[:MAX_SEGMENTS]
            )
            for name, slug in sorted(segments):
                view_as.add_link_item(name, url=preview_url(f"segment:{slug}", path))
            menu.add_break(f"{MENU}-break")
        user = self.request.user
        for model, label in ADMIN_PAGES:
            if not user.has_perm(f"personalize.view_{model}"):
                continue
            try:
                url = reverse(f"admin:personalize_{model}_changelist")
            except NoReverseMatch:
                continue
            menu.add_sideframe_item(label, url=url)
