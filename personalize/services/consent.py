"""Recording a visitor's consent choice on their stored record."""

from __future__ import annotations

import uuid

from django.db import transaction

from personalize.models.visitor import Consent, Visitor


def record_consent(visitor_id, granted: bool) -> bool:
    """Note ``granted``/``denied`` on the visitor's row, if there is one. Returns whether.

    A visitor who withdraws consent also leaves every static segment at once (rebuilds leave
    them out from then on), so no member list or export, such as an e-mail campaign's, holds
    them any more.
    """
    from personalize.engine.snapshot import bump_membership_version
    from personalize.models import Membership

    try:
        pk = uuid.UUID(str(visitor_id))
    except ValueError:
        return False
    state = Consent.GRANTED if granted else Consent.DENIED
    with transaction.atomic():
        recorded = bool(Visitor.objects.filter(pk=pk).update(consent=state))
        if recorded and not granted and Membership.objects.filter(visitor_id=pk).delete()[0]:
            bump_membership_version()
    return recorded
