"""Storing tracked events: the one code path behind every event sink and the API.

A *batch* is what one request (or one API call) produced for one visitor, as plain JSON-able
data, so it can be written now (database sink) or queued and written later (buffered sink)::

    {
        "visitor": {"id": "<uuid hex>", "first_seen": 1700000000.0, "device_type": "mobile",
                    "browser": "Chrome", "os": "Android", "country": "GB", "region": "",
                    "city": "", "language": "en-gb", "profile": {...} | absent},
        "events": [{"key": "<idempotency key>", "name": "page_view", "ts": 1700000000.5,
                    "path": "/", "referrer": "", "medium": "", "source": "", "utm_source": "",
                    "utm_medium": "", "utm_campaign": "", "slot": "", "variant": "",
                    "value": None | "12.50", "properties": {...}, "new_visit": true}],
    }

:func:`ingest` creates missing visitors, follows merged ones, drops erased ones (tombstones),
stores each event once (idempotency key) and moves counters with ``F()``-style increments, so
concurrent writers never lose an increment.

Exactness. On PostgreSQL and SQLite, events are written with ``INSERT ... ON CONFLICT DO NOTHING
RETURNING``: counters move only for the events this call really inserted, so a redelivered batch
stores and counts each event once, and two workers ingesting the same batch at the same time
never count it twice (the second insert waits for the first to commit, then inserts nothing).
A batch's visitor facts (device, geo, profile) are applied only when the batch carries no event
or at least one of its events was new: a redelivered batch changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import CharField

from personalize.models.visitor import Event, Visitor
from personalize.services import bulk
from personalize.services.bulk import EventRow
from personalize.services.validation import MAX_EVENT_VALUE
from personalize.tracking.headers import clean_text

#: Visitor facts a batch may carry, each cut to its column's length.
VISITOR_FACTS = {name: Visitor._meta.get_field(name).max_length for name in bulk.FACT_COLUMNS}
#: Text fields of an event in :class:`EventRow` order (:func:`_event` passes them to it by
#: position), each cut to its column's length; ``name`` comes first and is required. The
#: idempotency key is cut on its own: a missing one is generated, not left empty.
EVENT_TEXT = {
    name: Event._meta.get_field(name).max_length
    for name in EventRow._fields
    if name != "idempotency_key" and isinstance(Event._meta.get_field(name), CharField)
}
MAX_KEY = Event._meta.get_field("idempotency_key").max_length


@dataclass
class IngestResult:
    events: int = 0  # events stored by this call
    duplicates: int = 0  # events already stored (redelivery) or repeated within the call
    skipped: int = 0  # malformed batches and events, and events of erased visitors
    visitors: int = 0  # visitors whose events or facts were written


@dataclass
class _Batch:
    visitor_id: str
    facts: dict
    first_seen: dt.datetime | None
    events: list[EventRow] = field(default_factory=list)


def _when(ts) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(float(ts), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return dt.datetime.now(dt.UTC)


def _value(raw) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value) > MAX_EVENT_VALUE:
        return None
    return value


_HEX32 = re.compile(r"[0-9a-f]{32}")


def _visitor_id(raw) -> str | None:
    """The visitor id as 32 lowercase hex digits (the cookie's form), or None if invalid.

    Ids stay strings inside ingest: hashing and comparing UUID objects costs more than the
    rest of the work per batch.
    """
    if isinstance(raw, str) and _HEX32.fullmatch(raw):
        return raw
    try:
        return uuid.UUID(str(raw)).hex
    except (TypeError, ValueError, AttributeError):
        return None


def _text(value, limit: int) -> str:
    """:func:`clean_text`, with a fast path for the common plain ASCII value."""
    if not value:
        return ""
    if isinstance(value, str) and value.isascii() and value.isprintable():
        return value[: limit * 2 + 16].strip()[:limit]
    return clean_text(value, limit)


_EVENT_TEXT_ITEMS = tuple(EVENT_TEXT.items())
_FACT_ITEMS = tuple(VISITOR_FACTS.items())


def _event(visitor_id: str, data: dict) -> EventRow | None:
    if data.__class__ is not dict:
        return None
    get = data.get
    texts = []
    for name, limit in _EVENT_TEXT_ITEMS:  # _text(), inlined: this loop runs per event
        value = get(name)
        if not value:
            value = ""
        elif value.__class__ is str and value.isascii() and value.isprintable():
            value = value[: limit * 2 + 16].strip()[:limit]
        else:
            value = clean_text(value, limit)
        texts.append(value)
    if not texts[0]:
        return None  # no name
    properties = get("properties")
    properties = dict(properties) if isinstance(properties, dict) else {}
    if get("new_visit"):
        properties["new_visit"] = True
    return EventRow(
        visitor_id,
        *texts,
        _value(get("value")),
        properties,
        _when(get("ts")),
        _text(get("key"), MAX_KEY) or uuid.uuid4().hex,
    )


def _parse(batches: Iterable[dict], result: IngestResult) -> list[_Batch]:
    parsed = []
    for batch in batches:
        if not isinstance(batch, dict) or not isinstance(batch.get("visitor"), dict):
            result.skipped += 1
            continue
        visitor = batch["visitor"]
        vid = _visitor_id(visitor.get("id"))
        if vid is None:
            result.skipped += 1
            continue
        facts = {
            name: _text(visitor[name], limit) for name, limit in _FACT_ITEMS if name in visitor
        }
        if isinstance(visitor.get("profile"), dict) and visitor["profile"]:
            facts["profile"] = visitor["profile"]
        seen = _when(visitor["first_seen"]) if visitor.get("first_seen") else None
        item = _Batch(vid, facts, seen)
        events = batch.get("events") or ()
        if not isinstance(events, list | tuple):
            events = ()
        for data in events:
            event = _event(vid, data)
            if event is None:
                result.skipped += 1
            else:
                item.events.append(event)
        parsed.append(item)
    return parsed


def resolve_visitor_ids(ids: set[str]) -> tuple[dict[str, str | None], set[str]]:
    """Where each visitor's events go, and which visitors already exist.

    A visitor's events go to itself, to the profile it was merged into, or nowhere (None)
    when it was erased: a tombstone keeps late events from bringing it back.
    """
    targets: dict[str, str | None] = {vid: vid for vid in ids}
    existing = set()
    for pk, merged_into in bulk.existing_visitors(ids):
        existing.add(pk)
        if merged_into is not None:
            targets[pk] = merged_into
    from personalize.services import privacy

    for vid in privacy.erased_among(ids - existing):
        targets[vid] = None
    return targets, existing


def ingest(batches: Iterable[dict], *, deduplicate: bool = True) -> IngestResult:
    """Write ``batches`` (see the module docstring) in one transaction.

    Malformed parts are skipped, not fatal. ``deduplicate=False`` tells databases without
    ``INSERT ... RETURNING`` support that the keys were generated a moment ago (the database
    sink), so looking up already stored keys can be skipped; duplicates are never stored.
    """
    result = IngestResult()
    parsed = _parse(batches, result)
    if not parsed:
        return result
    with transaction.atomic():
        from personalize.services import privacy

        privacy.hold_erasures()
        targets, existing = resolve_visitor_ids({item.visitor_id for item in parsed})
        first_seen: dict[str, dt.datetime] = {}
        for item in parsed:
            target = targets.get(item.visitor_id)
            if target is None:
                continue
            seen = item.first_seen or (
                min(event.timestamp for event in item.events) if item.events else None
            )
            if seen and (target not in first_seen or seen < first_seen[target]):
                first_seen[target] = seen
        now = dt.datetime.now(dt.UTC)
        missing = {
            vid: first_seen.get(vid) or now
            for vid in {target for target in targets.values() if target is not None} - existing
            if targets.get(vid) == vid
        }
        bulk.create_visitors(missing)

        fresh, keys = [], set()
        for item in parsed:
            target = targets.get(item.visitor_id)
            for event in item.events:
                if target is None:
                    result.skipped += 1
                    continue
                if event.visitor_id != target:  # merged into another visitor
                    event = event._replace(visitor_id=target)
                if event.idempotency_key in keys:
                    result.duplicates += 1
                    continue
                keys.add(event.idempotency_key)
                fresh.append(event)
        inserted = bulk.insert_events(fresh, deduplicate=deduplicate)
        result.events = len(inserted)
        result.duplicates += len(fresh) - len(inserted)

        updates: dict[str, bulk.VisitorUpdate] = defaultdict(bulk.VisitorUpdate)
        for item in parsed:
            target = targets.get(item.visitor_id)
            if target is None:
                continue
            new_events = [e for e in item.events if e.idempotency_key in inserted]
            if item.events and not new_events:
                continue  # every event was already stored: a redelivered batch
            update = updates[target]
            update.facts.update(item.facts)
            for event in new_events:
                inserted.discard(event.idempotency_key)  # count an event once per call
                if event.name == Event.PAGE_VIEW:
                    update.page_views += 1
                if event.properties.get("new_visit"):
                    update.visits += 1
                if update.last_seen is None or event.timestamp > update.last_seen:
                    update.last_seen = event.timestamp
        bulk.update_visitors(updates)
        result.visitors = len(updates)
    return result
