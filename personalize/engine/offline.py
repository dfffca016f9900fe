"""A :class:`Context` for a stored visitor, outside any request (admin pages, tasks).

Rules then see what was stored: the profile (from the cache when it is there, fresher than the
database copy), the last device, location and language, and the linked user account. Request-
only facts (the current path and query string) are empty.
"""

from __future__ import annotations

import datetime as dt

from personalize.engine.context import Context, UserFacts
from personalize.engine.snapshot import get_snapshot
from personalize.engine.users import facts_for_user
from personalize.profile import Profile
from personalize.tracking.devices import Device
from personalize.tracking.geo import Geo


def stored_profile(visitor) -> Profile:
    """The visitor's profile: the cached copy if any, else the database copy."""
    from personalize.store import get_store

    visitor_id = visitor.pk.hex
    profile = get_store().load(visitor_id, with_memberships=True)
    if profile is None:
        profile = Profile.from_dict(visitor.profile, visitor_id)
    if visitor.traits:
        profile.traits = {**visitor.traits, **profile.traits}
    return profile


def stored_user_facts(visitor) -> UserFacts:
    return facts_for_user(visitor.user if visitor.user_id else None)


def context_for_visitor(visitor, *, now: dt.datetime | None = None, snapshot=None) -> Context:
    """A context describing ``visitor`` (a :class:`~personalize.models.Visitor`) at ``now``."""
    return Context(
        stored_profile(visitor),
        now=now,
        device=Device.from_dict(
            {"type": visitor.device_type, "browser": visitor.browser, "os": visitor.os}
        ),
        geo=Geo.from_dict(
            {"country": visitor.country, "region": visitor.region, "city": visitor.city}
        ),
        languages=(visitor.language,) if visitor.language else (),
        user=stored_user_facts(visitor),
        snapshot=snapshot if snapshot is not None else get_snapshot(),
    )
