"""Permission classes of the REST API.

Visitor endpoints (decisions, events, visitor self-service) are authenticated by the visitor
cookie, which a browser attaches to cross-site requests too; :class:`SameOrigin` is their
protection against cross-site request forgery, in place of a CSRF token (pages served from a
shared cache cannot carry one). Staff endpoints use Django model permissions; session
authentication there enforces CSRF tokens as usual.
"""

from __future__ import annotations

import fnmatch
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

from personalize.services.export import EXPORT_PERMISSION

#: ``Sec-Fetch-Site`` values of requests made by this site's own pages (or typed by the user).
ALLOWED_FETCH_SITES = frozenset({"same-origin", "same-site", "none"})


def request_origin(request) -> str:
    """``scheme://host[:port]`` of the request itself."""
    return f"{request.scheme}://{request.get_host()}".lower()


def origin_allowed(origin: str, request) -> bool:
    """Whether ``origin`` is this site or one of ``CSRF_TRUSTED_ORIGINS`` (wildcards allowed)."""
    origin = origin.strip().lower()
    if not origin or origin == "null":
        return False
    if origin == request_origin(request):
        return True
    for trusted in getattr(settings, "CSRF_TRUSTED_ORIGINS", ()):
        trusted = trusted.lower()
        if "*" in trusted:
            scheme, _sep, host = trusted.partition("://")
            try:
                parts = urlsplit(origin)
            except ValueError:  # e.g. "http://[::1": a header no browser sends
                return False
            if parts.scheme == scheme and fnmatch.fnmatchcase(parts.netloc, host):
                return True
        elif origin == trusted:
            return True
    return False


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL (a ``Referer``), or "" when it has none."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


class SameOrigin(BasePermission):
    """Only this site's own pages may call: the cross-site request forgery guard.

    * ``Sec-Fetch-Site``, when the browser sends it, must be ``same-origin``, ``same-site`` or
      ``none``;
    * ``Origin``, when present, must be this site or one of ``CSRF_TRUSTED_ORIGINS``;
    * requests that write something for the visitor (POST, DELETE..., and reads the view says
      record something: :meth:`VisitorAPIView.records`) must show where they come from:
      ``Origin``, or ``Sec-Fetch-Site: same-origin``, or a ``Referer`` from an allowed
      origin. Every current browser sends one of them, so a request with none did not come
      from a page of this site, and a page of a sibling subdomain (``same-site``) does not
      count. (Server-side clients send ``Origin: https://your-site`` themselves.)
    """

    message = _("Cross-site requests are not accepted.")
    code = "cross_site"

    def has_permission(self, request, view):
        meta = request.META
        fetch_site = meta.get("HTTP_SEC_FETCH_SITE", "").strip().lower()
        if fetch_site and fetch_site not in ALLOWED_FETCH_SITES:
            self.message = _("Cross-site requests are not accepted (Sec-Fetch-Site: %(s)s).") % {
                "s": fetch_site[:30]
            }
            return False
        origin = meta.get("HTTP_ORIGIN", "")
        if origin:
            if origin_allowed(origin, request):
                return True
            self.message = _("Requests from another origin are not accepted.")
            return False
        records = getattr(view, "records", None)
        if request.method in SAFE_METHODS and not (records and records(request)):
            return True
        if fetch_site == "same-origin":
            return True
        referrer_origin = origin_of(meta.get("HTTP_REFERER", ""))
        if referrer_origin and origin_allowed(referrer_origin, request):
            return True
        self.message = _(
            "This request records something for the visitor, so it must come from a page of "
            "this site: send an Origin header."
        )
        return False


class ModelPermissions(DjangoModelPermissions):
    """Django model permissions, reading included: ``view_<model>`` for GET."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


class HasPermission(BasePermission):
    """An authenticated, active user holding :attr:`permission`."""

    permission = ""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and user.is_active and user.has_perm(self.permission)
        )


class CanExportSegment(HasPermission):
    """``personalize.export_segment``: may download the member lists of static segments."""

    permission = EXPORT_PERMISSION
    message = _("Exporting segment members needs the “Can export segment members” permission.")


class CanViewStats(HasPermission):
    """``personalize.view_variant``: whoever may see variants may see how they perform."""

    permission = "personalize.view_variant"
    message = _("Variant statistics need the “Can view variant” permission.")
