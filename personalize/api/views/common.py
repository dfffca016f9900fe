"""Helpers shared by the visitor endpoints."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

from personalize.conf import cookie_options, get_setting
from personalize.utils import log_once

#: The JSON body of every error (see :mod:`personalize.api.errors`).
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "Machine-readable code: invalid, throttled…"},
        "detail": {"type": "string", "description": "What went wrong, in words."},
        "fields": {"type": "object", "description": "Per-field messages (validation errors)."},
    },
    "required": ["error", "detail"],
}


def error_responses(*codes: int) -> dict:
    words = {
        400: "Malformed or invalid input.",
        401: "Not authenticated.",
        403: "Not allowed (cross-site request, or missing permission).",
        404: "Not found.",
        409: "Conflicts with stored data.",
        413: "Body or batch too large.",
        415: "Unsupported content type.",
        429: "Too many requests (see Retry-After).",
        503: "Cannot be stored right now: nothing was kept; send it again after Retry-After.",
    }
    return {code: OpenApiResponse(ERROR_SCHEMA, description=words[code]) for code in codes}


def visitor_of(request):
    """``request.visitor``, or an inert visitor when the middleware skipped this request
    (``PERSONALIZE_ENABLED = False``, an excluded path): defaults, nothing tracked."""
    visitor = getattr(request._request, "visitor", None)
    if visitor is None:
        from personalize.shared_page import InertVisitor

        if get_setting("ENABLED"):
            log_once(
                "api-no-visitor",
                "personalize: the API got a request without request.visitor; check that "
                "PersonalizeMiddleware is in MIDDLEWARE and the API's path is not in "
                "PERSONALIZE_EXCLUDED_PATHS.",
                level=30,
            )
        visitor = InertVisitor(request._request)
        request._request.visitor = visitor
    return visitor


def current_snapshot():
    """The definitions, or None when they cannot be loaded (answers fall back to defaults)."""
    from personalize.engine.snapshot import get_snapshot

    try:
        return get_snapshot()
    except Exception:
        log_once("api-snapshot", "personalize: definitions unavailable to the API.", exc_info=True)
        return None


def forget_visitor_cookie(response) -> None:
    options = cookie_options()
    response.delete_cookie(
        get_setting("COOKIE_NAME"),
        path=options["path"],
        domain=options["domain"],
        samesite=options["samesite"],
    )
