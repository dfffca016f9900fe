"""Custom events from Python code: ``personalize.track(request, "purchase", value=49.99)``."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

from personalize.conf import get_setting

EVENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")
RESERVED = {"page_view", "impression"}
MAX_VALUE = Decimal("999999999999.99")
MAX_KEY = 64


class InvalidEvent(ValueError):
    """Raised for an event name, value or properties that cannot be stored."""


def current_visitor(request):
    visitor = getattr(request, "visitor", None)
    if visitor is None:
        raise ImproperlyConfigured(
            "request.visitor is missing: add 'personalize.middleware.PersonalizeMiddleware' to "
            "MIDDLEWARE (after AuthenticationMiddleware)."
        )
    return visitor


def clean_name(name) -> str:
    if not isinstance(name, str) or not EVENT_NAME.match(name):
        raise InvalidEvent(
            "Event names are 1-64 letters, digits, '_', '-', '.' or ':', starting with a letter "
            f"or digit; got {str(name)[:80]!r}."
        )
    if name in RESERVED:
        raise InvalidEvent(f"{name!r} is recorded automatically; choose another event name.")
    return name


def clean_value(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidEvent("An event value must be a number, not a boolean.")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidEvent(f"An event value must be a number; got {str(value)[:40]!r}.") from None
    if not number.is_finite() or abs(number) > MAX_VALUE:
        raise InvalidEvent(f"An event value must be a finite number below {MAX_VALUE}.")
    return number.quantize(Decimal("0.01"))


def clean_properties(properties: dict) -> dict:
    """Flat, JSON-able, bounded: scalar values only, keys ≤ 64 characters."""
    if len(properties) > get_setting("MAX_EVENT_PROPERTIES"):
        raise InvalidEvent(
            f"At most {get_setting('MAX_EVENT_PROPERTIES')} properties per event; "
            f"got {len(properties)}."
        )
    cleaned = {}
    for key, value in properties.items():
        if not isinstance(key, str) or not key or len(key) > MAX_KEY or "\x00" in key:
            raise InvalidEvent(f"Property names are 1-{MAX_KEY} characters; got {key!r:.80}.")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidEvent(f"Property {key!r} must be a finite number.")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InvalidEvent(
                f"Property {key!r} must be text, a number, true/false or null; "
                f"got {type(value).__name__}."
            )
        if isinstance(value, str) and "\x00" in value:
            raise InvalidEvent(f"Property {key!r} contains a NUL character.")
        cleaned[key] = value
    size = len(json.dumps(cleaned, ensure_ascii=False, default=str).encode())
    if size > get_setting("MAX_EVENT_PROPERTIES_BYTES"):
        raise InvalidEvent(
            f"Event properties take {size} bytes; the limit is "
            f"{get_setting('MAX_EVENT_PROPERTIES_BYTES')}."
        )
    return cleaned


def track(request, name: str, value=None, **properties) -> dict | None:
    """Record a custom event for the current visitor.

    Raises :class:`InvalidEvent` (a ``ValueError``) for a bad name, value or properties.
    Returns the stored event data, or None when the visitor is not tracked (no consent, bot).
    """
    visitor = current_visitor(request)
    name = clean_name(name)
    amount = clean_value(value)
    cleaned = clean_properties(properties)
    if not visitor.tracking:
        return None
    return visitor.record_event(name, value=amount, properties=cleaned)
