"""Consent: whether this visitor may be tracked.

Order of precedence:

1. An explicit choice stored in the consent cookie (``granted`` or ``denied``), set through
   :func:`set_consent` (the visitor API's ``consent/`` endpoint uses it).
2. ``Sec-GPC: 1`` (Global Privacy Control) when ``PERSONALIZE_RESPECT_GPC``, and ``DNT: 1``
   when ``PERSONALIZE_RESPECT_DNT``: no tracking.
3. ``PERSONALIZE_CONSENT_MODE``: ``"implied"`` tracks, ``"required"`` does not.

A visitor who is not tracked still sees personalization based on the request itself (device,
location, referrer, current page), but no cookie, profile or event is stored.
"""

from __future__ import annotations

from personalize.conf import cookie_options, get_setting

GRANTED = "granted"
DENIED = "denied"
CONSENT_SALT = "personalize.consent"
REQUIRED = "required"
IMPLIED = "implied"


def consent_choice(request) -> str | None:
    """The visitor's explicit choice, or None when they made none."""
    name = get_setting("CONSENT_COOKIE_NAME")
    if name not in request.COOKIES:
        return None
    try:
        value = request.get_signed_cookie(name, default=None, salt=CONSENT_SALT)
    except Exception:
        return None
    return value if value in (GRANTED, DENIED) else None


def opted_out_by_browser(request) -> bool:
    meta = request.META
    if get_setting("RESPECT_GPC") and meta.get("HTTP_SEC_GPC", "").strip() == "1":
        return True
    return bool(get_setting("RESPECT_DNT") and meta.get("HTTP_DNT", "").strip() == "1")


def tracking_allowed(request) -> bool:
    choice = consent_choice(request)
    if choice is not None:
        return choice == GRANTED
    if opted_out_by_browser(request):
        return False
    return get_setting("CONSENT_MODE") != REQUIRED


def consent_state(request) -> str:
    """``granted``, ``denied`` or ``unknown`` (no explicit choice) for display and the API."""
    return consent_choice(request) or "unknown"


def set_consent(response, granted: bool) -> None:
    response.set_signed_cookie(
        get_setting("CONSENT_COOKIE_NAME"),
        GRANTED if granted else DENIED,
        salt=CONSENT_SALT,
        **cookie_options(),
    )
