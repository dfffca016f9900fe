"""Base classes of the API views: JSON in and out, bounded bodies, JSON errors."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from personalize.api.authentication import MiddlewareUserAuthentication, staff_authenticators
from personalize.api.errors import PayloadTooLarge, exception_handler
from personalize.api.parsers import JSONBodyParser, PlainTextJSONParser
from personalize.api.permissions import ModelPermissions, SameOrigin
from personalize.api.throttling import AddressRateThrottle, VisitorRateThrottle
from personalize.conf import get_setting
from personalize.decorators import no_page_view

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def check_body_headers(request) -> None:
    """413 for a declared body over the cap, 415 for a body of no declared type: unread."""
    meta = request.META
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise exceptions.ParseError(_("Content-Length is not a number.")) from None
    if length > get_setting("API_MAX_BODY_BYTES"):
        raise PayloadTooLarge(
            _("The request body is larger than %(n)d bytes.")
            % {"n": get_setting("API_MAX_BODY_BYTES")}
        )
    if request.method in BODY_METHODS and length and not meta.get("CONTENT_TYPE"):
        raise exceptions.UnsupportedMediaType("", _("Send the body as application/json."))


def operation_schema(**kwargs):
    """drf-spectacular's ``extend_schema(**kwargs)`` for a view method, over drf-spectacular's
    own ``AutoSchema`` whatever the project's ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``.

    ``extend_schema`` on a method extends the project's default schema class, which is REST
    framework's own unless the project chose drf-spectacular's: the API's schema endpoint
    would then fail. The views' ``schema`` is drf-spectacular's already (see :class:`APIBase`),
    so the schema is built the same way on any project.
    """
    decorate = extend_schema(**kwargs)

    def decorator(method):
        overrides = getattr(method, "kwargs", None)
        if overrides is None:
            method.kwargs = overrides = {}
        overrides.setdefault("schema", AutoSchema)
        return decorate(method)

    return decorator


class APIBase:
    """Mixed into every API view (before the DRF class)."""

    renderer_classes = [JSONRenderer]
    parser_classes = [JSONBodyParser]
    schema = AutoSchema()

    @classmethod
    def as_view(cls, *args, **initkwargs):
        return no_page_view(super().as_view(*args, **initkwargs))  # API calls are not pages

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_body_headers(request)


class VisitorAPIView(APIBase, APIView):
    """Endpoints of the current visitor, called by the site's own pages (see ``SameOrigin``).

    Responses are private to the browser and never stored by any cache.
    """

    authentication_classes = [MiddlewareUserAuthentication]
    permission_classes = [SameOrigin]
    throttle_classes = [VisitorRateThrottle, AddressRateThrottle]
    parser_classes = [JSONBodyParser, PlainTextJSONParser]

    def records(self, request) -> bool:
        """Whether this GET records something for the visitor, which ``SameOrigin`` then
        guards like a POST. Views that do override it."""
        return False

    def permission_denied(self, request, message=None, code=None):
        # No login is expected here: a refusal is about where the request came from.
        raise exceptions.PermissionDenied(detail=message, code=code)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # private, no-store, no-cache, must-revalidate
        return response


class StaffAPIMixin(APIBase):
    """Endpoints for editors and other systems: model permissions, token or session + CSRF."""

    permission_classes = [ModelPermissions]

    def get_authenticators(self):
        return staff_authenticators()
