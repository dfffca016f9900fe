"""Identity: ``personalize.identify(request, email=..., **traits)``.

Identifying ties the anonymous visitor of this browser to a known person. When that person is
already known (their e-mail address or user account belongs to another visitor, e.g. from
another device), the anonymous visitor is merged into the known one: its events, memberships
and counters move over, and this browser's cookie switches to the known visitor. One person,
one profile.
"""

from __future__ import annotations

import json
import math
import re
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from personalize.conf import get_setting
from personalize.models import Event, Membership, Visitor
from personalize.profile import Profile
from personalize.services.events import current_visitor
from personalize.tracking.headers import clean_text

TRAIT_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MAX_TRAITS_BYTES = 1500
MAX_EMAIL = 254


class InvalidTraits(ValueError):
    """Raised for an e-mail address or traits that cannot be stored."""


def clean_email(email) -> str | None:
    if email in (None, ""):
        return None
    if not isinstance(email, str) or len(email) > MAX_EMAIL:
        raise InvalidTraits("Enter a valid e-mail address (at most 254 characters).")
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidTraits(f"Enter a valid e-mail address; got {email[:80]!r}.") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}".lower()


def clean_traits(traits: dict) -> dict:
    """Validate trait names and values; ``None`` removes a trait."""
    if len(traits) > get_setting("MAX_TRAITS"):
        raise InvalidTraits(f"At most {get_setting('MAX_TRAITS')} traits; got {len(traits)}.")
    limit = get_setting("MAX_TRAIT_LENGTH")
    cleaned = {}
    for key, value in traits.items():
        if not isinstance(key, str) or not TRAIT_KEY.match(key):
            raise InvalidTraits(
                "Trait names start with a letter and use letters, digits and '_' "
                f"(64 at most); got {str(key)[:80]!r}."
            )
        if isinstance(value, str):
            if len(value) > limit:
                raise InvalidTraits(f"Trait {key!r} is longer than {limit} characters.")
            value = clean_text(value, limit)
        elif isinstance(value, float) and not math.isfinite(value):
            raise InvalidTraits(f"Trait {key!r} must be a finite number.")
        elif value is not None and not isinstance(value, bool | int | float):
            raise InvalidTraits(
                f"Trait {key!r} must be text, a number, true/false or None; "
                f"got {type(value).__name__}."
            )
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            raise InvalidTraits(f"Trait {key!r} is too large a number.")
        cleaned[key] = value
    return cleaned


def _apply_traits(current: dict, changes: dict) -> dict:
    merged = {**current, **changes}
    merged = {key: value for key, value in merged.items() if value is not None}
    size = len(json.dumps(merged, ensure_ascii=False).encode())
    if size > MAX_TRAITS_BYTES:
        raise InvalidTraits(
            f"A visitor's traits may take {MAX_TRAITS_BYTES} bytes; these would take {size}."
        )
    return merged


def merge_visitors(source: Visitor, target: Visitor) -> None:
    """Move everything of ``source`` onto ``target`` and leave ``source`` as a pointer."""
    Event.objects.filter(visitor=source).update(visitor=target)
    already = Membership.objects.filter(visitor=target).values_list("segment_id", flat=True)
    Membership.objects.filter(visitor=source, segment_id__in=list(already)).delete()
    Membership.objects.filter(visitor=source).update(visitor=target)
    Visitor.objects.filter(merged_into=source).update(merged_into=target)
    Visitor.objects.filter(pk=target.pk).update(
        visit_count=F("visit_count") + source.visit_count,
        page_views=F("page_views") + source.page_views,
        first_seen=Least(F("first_seen"), source.first_seen),
    )
    target.traits = {**source.traits, **target.traits}
    Visitor.objects.filter(pk=source.pk).update(
        merged_into=target, email=None, user=None, traits={}, profile={}
    )


def identify(request, email=None, *, user=None, **traits) -> str | None:
    """Tie this visitor to ``email`` and/or ``user`` and store ``traits``.

    Returns the (possibly merged) visitor id, or None when the visitor is not tracked.
    Raises :class:`InvalidTraits` (a ``ValueError``) for a bad address or traits.
    """
    from personalize.store import get_store

    visitor = current_visitor(request)
    email = clean_email(email)
    traits = clean_traits(traits)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if not visitor.tracking:
        return None
    ctx = visitor.ctx
    profile = ctx.profile
    now = timezone.now()
    with transaction.atomic():
        # With a buffered sink the row may not exist yet: create it (with a UUID primary key).
        row, _created = Visitor.objects.select_for_update().get_or_create(
            pk=uuid.UUID(hex=profile.id), defaults={"first_seen": now, "last_seen": now}
        )
        if row.merged_into_id:
            row = Visitor.objects.select_for_update().get(pk=row.merged_into_id)
        owners = []
        if user is not None:
            owners += Visitor.objects.select_for_update().filter(user=user).exclude(pk=row.pk)
        if email:
            owners += Visitor.objects.select_for_update().filter(email=email).exclude(pk=row.pk)
        target = owners[0] if owners else row
        for other in {v.pk: v for v in [row, *owners]}.values():
            if other.pk != target.pk:
                merge_visitors(other, target)
        target.traits = _apply_traits(target.traits, traits)
        if email:
            target.email = email
        if user is not None:
            target.user = user
        target.save(update_fields=["traits", "email", "user"])

    target_id = target.pk.hex
    if target_id != profile.id:
        store = get_store()
        known = store.load(target_id, with_memberships=False) or Profile.from_dict(
            target.profile, target_id
        )
        known.absorb(profile)
        store.delete(profile.id)
        ctx.profile = known
        profile = known
        visitor.set_cookie = True
    profile.traits = dict(target.traits)
    if user is not None:
        profile.user_id = user.pk
    profile.dirty = True
    ctx.segment_results.clear()
    ctx.forget_intents()
    visitor.explicit = True
    return target_id
