"""Wagtail admin: a menu item that opens personalize's pages in the Django admin."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


class PersonalizeMenuItem(MenuItem):
    """Shown to staff users with any permission of the personalize app, when the Django
    admin is in the URLconf."""

    def is_shown(self, request):
        user = request.user
        return bool(self.url) and user.is_staff and user.has_module_perms("personalize")


@hooks.register("register_admin_menu_item")
def register_personalize_menu_item():
    # Called when Wagtail first builds its menu (a request), never at import.
    try:
        url = reverse("admin:app_list", kwargs={"app_label": "personalize"})
    except NoReverseMatch:
        url = ""
    return PersonalizeMenuItem(
        _("Personalization"), url, name="personalize", icon_name="pick", order=9000
    )
