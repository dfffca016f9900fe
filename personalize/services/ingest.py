"""Storing tracked events: the one code path behind every event sink.

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

:func:`ingest` creates missing visitors, stores each event once (idempotency key), and moves
counters with ``F()`` expressions so concurrent writers never lose an increment.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from personalize.models.visitor import MAX_NAME, MAX_PATH, MAX_REFERRER, MAX_UTM, Event, Visitor
from personalize.tracking.headers import clean_text

VISITOR_FACTS = {
    "device_type": 10,
    "browser": 50,
    "os": 50,
    "country": 2,
    "region": 100,
    "city": 100,
    "language": 35,
}
EVENT_TEXT = {
    "name": MAX_NAME,
    "path": MAX_PATH,
    "referrer": MAX_REFERRER,
    "medium": 10,
    "source": 100,
    "utm_source": MAX_UTM,
    "utm_medium": MAX_UTM,
    "utm_campaign": MAX_UTM,
    "slot": 100,
    "variant": 100,
}
MAX_VALUE = Decimal("999999999999.99")


@dataclass
class IngestResult:
    events: int = 0
    duplicates: int = 0
    skipped: int = 0
    visitors: int = 0


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
    if not value.is_finite() or abs(value) > MAX_VALUE:
        return None
    return value


def _visitor_id(raw) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        return None


def _event(visitor_id, data: dict) -> Event | None:
    if not isinstance(data, dict):
        return None
    fields = {name: clean_text(data.get(name) or "", limit) for name, limit in EVENT_TEXT.items()}
    if not fields["name"]:
        return None
    properties = data.get("properties")
    properties = dict(properties) if isinstance(properties, dict) else {}
    if data.get("new_visit"):
        properties["new_visit"] = True
    key = clean_text(data.get("key") or "", 64) or uuid.uuid4().hex
    return Event(
        visitor_id=visitor_id,
        timestamp=_when(data.get("ts")),
        value=_value(data.get("value")),
        properties=properties,
        idempotency_key=key,
        **fields,
    )


def resolve_visitor_ids(ids: set[uuid.UUID]) -> tuple[dict, set[uuid.UUID]]:
    """Where each visitor's events go, and which visitors already exist.

    A visitor's events go to itself, to the profile it was merged into, or nowhere (None)
    when it was erased: a tombstone keeps late events from bringing it back.
    """
    targets: dict[uuid.UUID, uuid.UUID | None] = {vid: vid for vid in ids}
    existing = set()
    for pk, merged_into in Visitor.objects.filter(pk__in=ids).values_list("pk", "merged_into_id"):
        existing.add(pk)
        if merged_into is not None:
            targets[pk] = merged_into
    from personalize.services import privacy

    for vid in privacy.erased_among(ids - existing):
        targets[vid] = None
    return targets, existing


def ingest(batches: Iterable[dict], *, deduplicate: bool = True) -> IngestResult:
    """Write ``batches`` (see the module docstring). Malformed parts are skipped, not fatal.

    ``deduplicate=False`` skips looking up already stored idempotency keys, for callers whose
    keys were generated a moment ago (the database sink); duplicates are still never stored.
    """
    result = IngestResult()
    facts: dict[uuid.UUID, dict] = {}
    first_seen: dict[uuid.UUID, dt.datetime] = {}
    events: list[Event] = []
    for batch in batches:
        if not isinstance(batch, dict) or not isinstance(batch.get("visitor"), dict):
            result.skipped += 1
            continue
        visitor = batch["visitor"]
        vid = _visitor_id(visitor.get("id"))
        if vid is None:
            result.skipped += 1
            continue
        known = facts.setdefault(vid, {})
        for name, limit in VISITOR_FACTS.items():
            if name in visitor:
                known[name] = clean_text(visitor.get(name) or "", limit)
        if isinstance(visitor.get("profile"), dict):
            known["profile"] = visitor["profile"]
        seen = _when(visitor.get("first_seen") or 0) if visitor.get("first_seen") else None
        if seen and (vid not in first_seen or seen < first_seen[vid]):
            first_seen[vid] = seen
        for data in batch.get("events") or ():
            event = _event(vid, data)
            if event is None:
                result.skipped += 1
            else:
                events.append(event)
    if not facts:
        return result

    with transaction.atomic():
        targets, existing = resolve_visitor_ids(set(facts))
        live_ids = {target for target in targets.values() if target is not None}
        missing = [
            Visitor(
                id=vid,
                first_seen=first_seen.get(vid) or dt.datetime.now(dt.UTC),
                last_seen=first_seen.get(vid) or dt.datetime.now(dt.UTC),
                visit_count=0,
                page_views=0,
            )
            for vid in live_ids - existing
            if targets.get(vid) == vid
        ]
        if missing:
            Visitor.objects.bulk_create(missing, ignore_conflicts=True)

        keep = []
        for event in events:
            target = targets.get(event.visitor_id)
            if target is None:
                result.skipped += 1
                continue
            event.visitor_id = target
            keep.append(event)
        keys = [event.idempotency_key for event in keep]
        seen_keys = set()
        if keys and deduplicate:
            seen_keys = set(
                Event.objects.filter(idempotency_key__in=keys).values_list(
                    "idempotency_key", flat=True
                )
            )
        fresh, batch_keys = [], set()
        for event in keep:
            if event.idempotency_key in seen_keys or event.idempotency_key in batch_keys:
                result.duplicates += 1
                continue
            batch_keys.add(event.idempotency_key)
            fresh.append(event)
        if fresh:
            Event.objects.bulk_create(fresh, ignore_conflicts=True)
        result.events = len(fresh)

        counters: dict[uuid.UUID, list] = defaultdict(lambda: [0, 0, None])
        for event in fresh:
            entry = counters[event.visitor_id]
            if event.name == Event.PAGE_VIEW:
                entry[0] += 1
            if event.properties.get("new_visit"):
                entry[1] += 1
            if entry[2] is None or event.timestamp > entry[2]:
                entry[2] = event.timestamp
        for vid, known in facts.items():
            target = targets.get(vid)
            if target is None:
                continue
            page_views, visits, last = counters.pop(target, (0, 0, None))
            update = {key: value for key, value in known.items() if key != "profile" or value}
            if page_views:
                update["page_views"] = F("page_views") + page_views
            if visits:
                update["visit_count"] = F("visit_count") + visits
            if last is not None:
                update["last_seen"] = Greatest(F("last_seen"), Value(last))
            if update:
                Visitor.objects.filter(pk=target).update(**update)
        result.visitors = len(live_ids)
    return result
