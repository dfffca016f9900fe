"""Custom events from Python code: ``personalize.track(request, "purchase", value=49.99)``."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from personalize.exceptions import InvalidEvent
from personalize.services.validation import (
    clean_event_name,
    clean_event_value,
    clean_properties,
)

__all__ = ["InvalidEvent", "current_visitor", "track"]


def current_visitor(request):
    visitor = getattr(request, "visitor", None)
    if visitor is None:
        raise ImproperlyConfigured(
            "request.visitor is missing: add 'personalize.middleware.PersonalizeMiddleware' to "
            "MIDDLEWARE (after AuthenticationMiddleware)."
        )
    return visitor


def track(request, name: str, value=None, **properties) -> dict | None:
    """Record a custom event for the current visitor.

    Raises :class:`~personalize.exceptions.InvalidEvent` (a ``ValueError``) for a bad name,
    value or properties. Returns the recorded event data, or None when the visitor is not
    tracked (no consent, a bot, a staff preview): then nothing is stored.
    """
    visitor = current_visitor(request)
    name = clean_event_name(name)
    amount = clean_event_value(value)
    cleaned = clean_properties(properties)
    if not visitor.tracking:
        return None
    return visitor.record_event(name, value=amount, properties=cleaned)
