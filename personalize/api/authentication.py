"""Who is calling: the browser's visitor (and user), or staff and other systems."""

from __future__ import annotations

from django.apps import apps
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)


class MiddlewareUserAuthentication(BaseAuthentication):
    """The user Django's ``AuthenticationMiddleware`` found, for the visitor endpoints.

    Unlike DRF's ``SessionAuthentication`` it does not demand a CSRF token: the visitor
    endpoints are called by pages that may come from a shared cache and cannot carry one, and
    :class:`personalize.api.permissions.SameOrigin` guards them instead. Keeping the user
    matters: rules about users (staff, groups) and staff previews read it, and DRF would
    otherwise replace it with an anonymous user.
    """

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return (user, None)


def staff_authenticators() -> list[BaseAuthentication]:
    """Token authentication (other systems) when its app is installed, then session + CSRF."""
    authenticators: list[BaseAuthentication] = []
    if apps.is_installed("rest_framework.authtoken"):
        authenticators.append(TokenAuthentication())
    authenticators.append(SessionAuthentication())
    return authenticators
