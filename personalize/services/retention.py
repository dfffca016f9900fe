"""The retention purge: what is older than the retention period goes.

* Events older than ``PERSONALIZE_RETENTION_DAYS``.
* Anonymous visitors (no e-mail, no user) not seen for that long, with their memberships.
* Identified visitors not seen for that long keep their row (e-mail, traits: the site's
  customer record, removed by erasure) but lose their behavioural profile.

The profiles of both are forgotten in the profile store's cache too (one ``delete_many`` per
chunk), so a purged profile neither lives on there until it expires nor comes back from it.
* Erasure tombstones older than that (no event of an erased visitor can still be queued).
* Daily statistics older than ``PERSONALIZE_STATS_RETENTION_DAYS`` (they hold no personal data).

Everything is deleted in chunks of ``PERSONALIZE_PURGE_CHUNK_SIZE`` rows, each chunk its own
statement (and transaction in autocommit), so a purge can be interrupted and run again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from personalize.conf import get_setting
from personalize.models import (
    ErasedVisitor,
    Event,
    SegmentDailyStat,
    VariantDailyStat,
    Visitor,
)
from personalize.services import privacy
from personalize.services.sql import delete_in_chunks, pk_chunks
from personalize.store import get_store


@dataclass
class PurgeResult:
    events: int = 0
    visitors: int = 0
    profiles_cleared: int = 0
    tombstones: int = 0
    stats: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def cutoffs(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.date]:
    """(events and visitors older than this go, statistics dated before this go)."""
    now = now or timezone.now()
    events = now - dt.timedelta(days=int(get_setting("RETENTION_DAYS")))
    stats = (now - dt.timedelta(days=int(get_setting("STATS_RETENTION_DAYS")))).date()
    return events, stats


def purge(now: dt.datetime | None = None) -> PurgeResult:
    chunk = max(1, int(get_setting("PURGE_CHUNK_SIZE")))
    cutoff, stats_cutoff = cutoffs(now)
    result = PurgeResult()
    result.events = delete_in_chunks(Event.objects.filter(timestamp__lt=cutoff), chunk)
    store = get_store()

    idle = Visitor.objects.filter(last_seen__lt=cutoff)
    for ids in pk_chunks(idle.anonymous(), chunk):
        with transaction.atomic():
            privacy.delete_visitors(ids)
        store.delete(*(pk.hex for pk in ids))
        result.visitors += len(ids)
    for ids in pk_chunks(idle.identified().exclude(profile={}), chunk):
        result.profiles_cleared += Visitor.objects.filter(pk__in=ids).update(profile={})
        store.delete(*(pk.hex for pk in ids))

    result.tombstones = delete_in_chunks(ErasedVisitor.objects.filter(erased_at__lt=cutoff), chunk)
    result.stats = delete_in_chunks(
        SegmentDailyStat.objects.filter(date__lt=stats_cutoff), chunk
    ) + delete_in_chunks(VariantDailyStat.objects.filter(date__lt=stats_cutoff), chunk)
    return result
