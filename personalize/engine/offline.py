"""Evaluation contexts for stored visitors, outside any request.

Every evaluation of stored visitors (the admin's visitor page, static segment rebuilds, the
segment counts of the daily statistics, and the tasks behind them) builds its
:class:`~personalize.engine.context.Context` here, from a visitor *row* (the
:data:`ROW_FIELDS` of ``Visitor.objects.values(...)``, or of a model instance), so a rule gives
one answer whichever of them asks, and the answer the request path gives for the same facts:

* the profile is the stored JSON profile completed with the row's traits, account link and
  exact visit count (:func:`profile_from_row`; the profile store reads its database copy the
  same way);
* the device, place and language are the last ones stored, as they are: an unknown device
  stays unknown (``""``), exactly as the SQL form of the rules sees it;
* the linked account goes through :func:`personalize.engine.users.facts_for_user`, the function
  the request path applies to ``request.user`` (active, staff, superuser, groups);
* request-only facts (the current path and query string) are empty.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping

from personalize.engine.context import Context
from personalize.engine.snapshot import build_snapshot, get_snapshot
from personalize.engine.users import facts_for_user
from personalize.profile import Profile
from personalize.tracking.devices import Device
from personalize.tracking.geo import Geo

#: What the profile store reads of a visitor row when its cached profile is missing.
PROFILE_FIELDS = ("pk", "profile", "traits", "user_id", "visit_count")
#: What offline evaluation reads of a visitor row.
ROW_FIELDS = (
    *PROFILE_FIELDS,
    "device_type",
    "browser",
    "os",
    "country",
    "region",
    "city",
    "language",
)


def profile_from_row(row: Mapping, profile: Profile | None = None) -> Profile:
    """``profile`` (by default the row's stored JSON profile) with the row's own facts.

    The row is the system of record for traits set by ``identify()``, the account link and the
    visit count (moved exactly, in SQL); the stored profile may lag behind on them.
    """
    if profile is None:
        profile = Profile.from_dict(row.get("profile"), uuid.UUID(str(row["pk"])).hex)
    traits = row.get("traits")
    if traits and isinstance(traits, dict):
        profile.traits = {**traits, **profile.traits}
    profile.user_id = row.get("user_id")
    profile.visit_count = max(profile.visit_count, row.get("visit_count") or 0)
    return profile


def context_for_row(
    row: Mapping,
    *,
    snapshot,
    now: dt.datetime | None = None,
    account=None,
    static: Iterable[str] | None = None,
    profile: Profile | None = None,
) -> Context:
    """What a rule sees of the stored visitor ``row`` at ``now``.

    ``account`` is the user the row links to (``row["user_id"]``), None for none; ``static``
    the slugs of its static segments (None keeps the profile's own list); ``profile`` a fresher
    copy of its profile than the row's (the cached one).
    """
    profile = profile_from_row(row, profile)
    if static is not None:
        profile.static = list(static)
    return Context(
        profile,
        now=now,
        device=Device(
            type=row.get("device_type") or "",
            browser=row.get("browser") or "",
            os=row.get("os") or "",
        ),
        geo=Geo(
            country=row.get("country") or "",
            region=row.get("region") or "",
            city=row.get("city") or "",
        ),
        languages=(row["language"],) if row.get("language") else (),
        user=facts_for_user(account),
        snapshot=snapshot,
    )


def contexts_for_rows(rows: list[Mapping], *, snapshot, now: dt.datetime) -> list[Context]:
    """:func:`context_for_row` for a chunk of rows: two queries per chunk, not per row."""
    from django.contrib.auth import get_user_model

    with_static = snapshot is not None and snapshot.has_static_segments
    static = static_memberships([row["pk"] for row in rows]) if with_static else {}
    user_ids = {row["user_id"] for row in rows if row.get("user_id") is not None}
    accounts = get_user_model()._default_manager.in_bulk(user_ids) if user_ids else {}
    return [
        context_for_row(
            row,
            snapshot=snapshot,
            now=now,
            account=accounts.get(row.get("user_id")),
            static=static.get(row["pk"], ()),
        )
        for row in rows
    ]


def static_memberships(ids: list) -> dict:
    """Visitor id -> slugs of the active static segments listing it."""
    from personalize.models import Membership

    found: dict = {}
    rows = Membership.objects.filter(visitor_id__in=ids, segment__is_active=True).values_list(
        "visitor_id", "segment__slug"
    )
    for visitor_id, slug in rows:
        found.setdefault(visitor_id, []).append(slug)
    return found


def context_for_visitor(visitor, *, now: dt.datetime | None = None) -> Context:
    """A context describing ``visitor`` (a :class:`~personalize.models.Visitor`) at ``now``.

    Its cached profile is preferred when there is one: it is fresher than the database copy.
    """
    from personalize.store import get_store

    row = {name: getattr(visitor, name) for name in ROW_FIELDS}
    return context_for_row(
        row,
        snapshot=get_snapshot(),
        now=now,
        account=visitor.user if visitor.user_id else None,
        profile=get_store().load(visitor.pk.hex, with_memberships=True),
    )


def offline_snapshot():
    """Definitions freshly loaded for evaluating stored visitors (a task's snapshot may lag)."""
    return build_snapshot("offline")
