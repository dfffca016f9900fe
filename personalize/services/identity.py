"""Identity: ``personalize.identify(request, email=..., **traits)``.

Identifying ties the anonymous visitor of this browser to a known person. When that person is
already known (their e-mail address or user account belongs to another visitor, e.g. from
another device), the anonymous visitor is merged into the known one: its events, memberships
and counters move over, and this browser's cookie switches to the known visitor. One person,
one profile.

Verified and unverified identity
--------------------------------
An e-mail address typed into a form proves nothing: anybody can type anybody's address. A
user account the visitor is logged into (``user=``, or the ``user_logged_in`` signal) and an
address the site confirmed (``verified=True``, e.g. after a confirmation link) are verified.

Personalization follows every identification, verified or not: the profiles merge and both
browsers are personalized from the merged profile. What an unverified claim never gives is
*access*: the self-service API (see what is stored, forget me) is refused to a browser linked
by an unverified claim, and to any profile whose e-mail address is unverified, so typing
someone's address cannot be used to read or erase their data. Verifying later (a login, or
``identify(..., verified=True)``) lifts the restriction for that browser.

Erased visitors stay erased
---------------------------
A browser may still carry the id of a visitor erased since (by staff, a task or a command).
Loading the visitor already swaps such an id for a fresh one (``CurrentVisitor._load``); an
erasure that lands after the load is caught here: identifying never brings that id back, the
browser gets a fresh visitor id and a new record.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from personalize.exceptions import InvalidTraits
from personalize.models import Event, Membership, Visitor
from personalize.profile import Profile
from personalize.services import privacy
from personalize.services.events import current_visitor
from personalize.services.validation import (
    clean_email,
    clean_traits,
    merge_traits,
    stored_traits,
)
from personalize.utils import log_once

__all__ = ["InvalidTraits", "identify", "merge_visitors"]


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
    target.traits = {**stored_traits(source.traits), **stored_traits(target.traits)}
    Visitor.objects.filter(pk=source.pk).update(
        merged_into=target, email=None, user=None, traits={}, profile={}
    )


def identify(request, email=None, *, user=None, verified=False, **traits) -> str | None:
    """Tie this visitor to ``email`` and/or ``user`` and store ``traits``.

    ``verified=True`` says the site confirmed ``email`` belongs to this visitor; a logged-in
    ``user`` is verified by the login. Returns the (possibly merged) visitor id, or None when
    the visitor is not tracked or could not be loaded or stored (the failure is logged, the page
    goes on). Raises :class:`InvalidTraits` (a ``ValueError``) for a bad address or traits.
    """
    visitor = current_visitor(request)
    email = clean_email(email)
    traits = clean_traits(traits)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if not visitor.tracking:
        return None
    profile = visitor.ctx.profile  # loads the visitor
    if visitor.failed or not profile.id:
        return None  # loading failed (and was logged): there is no visitor to tie
    try:
        return _identify(visitor, email, user, bool(verified), traits)
    except InvalidTraits:
        raise  # the traits would overflow the stored ones: the caller's input
    except Exception:
        log_once(
            "identify",
            "personalize: identifying a visitor failed; nothing was stored.",
            exc_info=True,
        )
        return None


def _own_row(visitor_id: str, created: int = 0) -> tuple[Visitor, bool]:
    """The locked row of this browser's visitor, created if missing, merges followed.

    An erased id is never brought back: when the row is gone and a tombstone says it was erased,
    a row with a fresh id is created instead (the flag says so) and the browser moves to it.
    A row created here is first seen when the profile was created (``created``, Unix seconds),
    not now: with a buffered sink the visitor's earlier page views are still on their way.
    """
    pk = uuid.UUID(hex=visitor_id)
    row = Visitor.objects.select_for_update().filter(pk=pk).first()
    if row is not None:
        if row.merged_into_id:
            row = Visitor.objects.select_for_update().get(pk=row.merged_into_id)
        return row, False
    renewed = privacy.is_erased(pk)
    if renewed:
        pk = uuid.uuid4()
    now = timezone.now()
    first_seen = now
    if not renewed and 0 < created <= now.timestamp():
        first_seen = dt.datetime.fromtimestamp(created, dt.UTC)
    # With a buffered sink the row may not exist yet, or be created by a drain meanwhile.
    row, _created = Visitor.objects.select_for_update().get_or_create(
        pk=pk, defaults={"first_seen": first_seen, "last_seen": now}
    )
    return row, renewed


def _identify(visitor, email, user, verified: bool, traits: dict) -> str:
    from personalize.store import get_store

    ctx = visitor.ctx
    profile = ctx.profile
    supplied = {key: value for key, value in traits.items() if value is not None}
    with transaction.atomic():
        privacy.hold_erasures()  # an erasure in flight cannot miss the rows written here
        row, renewed = _own_row(profile.id, profile.created)
        owners = []
        if user is not None:
            owners += Visitor.objects.select_for_update().filter(user=user).exclude(pk=row.pk)
        if email:
            owners += Visitor.objects.select_for_update().filter(email=email).exclude(pk=row.pk)
        target = owners[0] if owners else row
        for other in {v.pk: v for v in [row, *owners]}.values():
            if other.pk != target.pk:
                merge_visitors(other, target)
        proven = user is not None or verified
        if not proven and (target.pk != row.pk or visitor.linked_unverified):
            # A claim this browser did not prove reaches someone else's profile: it may add
            # traits that profile lacks, never change or remove what that person told the site.
            known = stored_traits(target.traits)
            traits = {k: v for k, v in traits.items() if v is not None and k not in known}
        target.traits = merge_traits(target.traits, traits)
        if email:
            target.email_verified = (target.email == email and target.email_verified) or verified
            target.email = email
        if user is not None:
            target.user = user
        target.save(update_fields=["traits", "email", "email_verified", "user"])

    store = get_store()
    if renewed:
        # This browser's visitor was erased: it starts afresh under the new id.
        store.delete(profile.id)
        profile.id = uuid.UUID(str(row.pk)).hex
        visitor.set_cookie = True
        visitor.linked_unverified = False
    target_id = uuid.UUID(str(target.pk)).hex
    if target_id != profile.id:
        known = store.load(target_id, with_memberships=False) or Profile.from_dict(
            target.profile, target_id
        )
        known.absorb(profile)
        store.delete(profile.id)
        ctx.profile = known
        profile = known
        visitor.set_cookie = True
        # Reaching someone else's profile through a claim this browser did not prove.
        visitor.linked_unverified = not proven
    elif proven and visitor.linked_unverified:
        visitor.linked_unverified = False
        visitor.set_cookie = True
    profile.traits = dict(target.traits)
    # (an unproven link sees only what it said itself: see CurrentVisitor.traits)
    visitor.claimed_traits = (
        {**visitor.claimed_traits, **supplied} if visitor.linked_unverified else {}
    )
    if user is not None:
        profile.user_id = user.pk
    profile.dirty = True
    ctx.segment_results.clear()
    ctx.forget_intents()
    visitor.explicit = True
    return target_id
