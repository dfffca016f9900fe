"""Errors of the REST API: every failure is a JSON body with a machine code and a message.

::

    {"error": "invalid", "detail": "Some fields are invalid.", "fields": {"slug": ["..."]}}
    {"error": "protected", "detail": "Other objects still use this one; ...", "used_by": ["..."]}
    {"error": "throttled", "detail": "Too many requests; retry in 12 seconds.", "retry_after": 12}

A ``retry_after`` member (seconds) comes with a ``Retry-After`` header.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger("personalize.api")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the resource.")
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is temporarily unavailable; try again later.")
    default_code = "unavailable"


class APIError(exceptions.APIException):
    """An error with a code, a message and extra members for the JSON body."""

    def __init__(self, status_code: int, code: str, detail: str, **extra):
        super().__init__(detail, code)
        self.status_code = status_code
        self.extra = extra


def _translate(exc):
    """Django and database exceptions as API exceptions (None: not ours to answer)."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, ProtectedError | RestrictedError):
        names = sorted({str(obj) for obj in exc.args[1]})[:10] if len(exc.args) > 1 else []
        return APIError(
            409,
            "protected",
            "Other objects still use this one; change or delete them first.",
            used_by=names,
        )
    if isinstance(exc, IntegrityError):
        logger.info("API integrity error: %s", exc)
        return Conflict(_("This conflicts with stored data (a duplicate, or a missing reference)."))
    if isinstance(exc, DatabaseError):
        logger.error("API database error")
        return ServiceUnavailable()
    return exc


def _message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _message(detail[0])
    if isinstance(detail, dict):
        return str(_("Some fields are invalid."))
    return str(detail)


def exception_handler(exc, context):
    """DRF exception handler of the personalize API views (see the module docstring)."""
    exc = _translate(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    body: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        body["error"] = "invalid"
        body["detail"] = _message(exc.detail)
        if isinstance(exc.detail, dict):
            body["fields"] = exc.detail
        elif isinstance(exc.detail, list) and len(exc.detail) > 1:
            body["errors"] = exc.detail
    else:
        codes = exc.get_codes()
        body["error"] = codes if isinstance(codes, str) else exc.default_code
        body["detail"] = _message(exc.detail)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after"] = max(1, int(exc.wait + 0.999))
    body.update(getattr(exc, "extra", {}))
    if "retry_after" in body:
        headers["Retry-After"] = str(body["retry_after"])
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)
