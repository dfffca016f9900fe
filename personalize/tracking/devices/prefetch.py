"""Prefetch and prerender: speculative requests that may never be shown.

:func:`is_prefetch` is true for every speculative request: ``Sec-Purpose: prefetch`` (with or
without the ``prerender`` or ``anonymous-client-ip`` parameters), ``Purpose: prefetch``,
``X-Purpose: prefetch|preview`` and ``X-Moz: prefetch``. Such a page may never be shown, so it
should not be counted as a view. A prerendered page (:func:`is_prerender`) *is* shown if the
visitor navigates to it, so it should still be personalized normally; only counting the view
must wait (the browser fires ``prerenderingchange`` on activation).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from personalize.tracking.devices.common import _MAX_HINT_LENGTH, _log_once
from personalize.tracking.headers import raw_header as _header


def _purpose_tokens(value: str) -> set[str]:
    if not value:  # the usual case: no such header
        return set()
    tokens = set()
    for item in value[:_MAX_HINT_LENGTH].lower().replace(",", ";").split(";"):
        token = item.strip().split("=", 1)[0].strip().strip('"')
        if token:
            tokens.add(token)
    return tokens


#: The headers that can mark a request as speculative.
_PURPOSE_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


def is_prefetch(meta: Mapping[str, Any]) -> bool:
    """True for a speculative request (prefetch *or* prerender) that may never be shown."""
    try:
        if not any(map(meta.__contains__, _PURPOSE_HEADERS)):
            return False  # the usual request: none of the headers at all
        if "prefetch" in _purpose_tokens(_header(meta, "HTTP_SEC_PURPOSE")):
            return True
        for key in ("HTTP_PURPOSE", "HTTP_X_PURPOSE"):
            if _purpose_tokens(_header(meta, key)) & {"prefetch", "preview"}:
                return True
        return "prefetch" in _purpose_tokens(_header(meta, "HTTP_X_MOZ"))
    except Exception:
        _log_once("prefetch", logging.ERROR, "Prefetch detection failed", exc_info=True)
        return False


def is_prerender(meta: Mapping[str, Any]) -> bool:
    """True for a prerender (``Sec-Purpose: prefetch;prerender``): shown if activated."""
    try:
        return "prerender" in _purpose_tokens(_header(meta, "HTTP_SEC_PURPOSE"))
    except Exception:
        _log_once("prerender", logging.ERROR, "Prerender detection failed", exc_info=True)
        return False
