"""Recording a visitor's consent choice on their stored record."""

from __future__ import annotations

import uuid

from personalize.models.visitor import Consent, Visitor


def record_consent(visitor_id, granted: bool) -> bool:
    """Note ``granted``/``denied`` on the visitor's row, if there is one. Returns whether."""
    try:
        pk = uuid.UUID(str(visitor_id))
    except ValueError:
        return False
    state = Consent.GRANTED if granted else Consent.DENIED
    return bool(Visitor.objects.filter(pk=pk).update(consent=state))
