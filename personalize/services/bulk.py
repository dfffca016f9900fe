"""Set-based writes for :mod:`personalize.services.ingest` and the other services.

PostgreSQL gets one statement per chunk for events (``INSERT ... SELECT FROM unnest(...)
ON CONFLICT DO NOTHING RETURNING``) and one for all visitor counters (``UPDATE ... FROM
unnest(...)``); SQLite gets a multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` and one
``UPDATE`` per visitor; other databases fall back to the ORM (exact only without concurrent
writers of the same events).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Greatest

from personalize.models.visitor import Event, Visitor

#: Rows per INSERT statement.
INSERT_CHUNK = 5_000


@dataclass
class VisitorUpdate:
    page_views: int = 0
    visits: int = 0
    last_seen: dt.datetime | None = None
    facts: dict = field(default_factory=dict)


def _event_fields():
    return [f for f in Event._meta.concrete_fields if not f.primary_key]


def supports_returning(conn=connection) -> bool:
    if conn.vendor == "postgresql":
        return True
    if conn.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35, 0)
    return False


def insert_events(events: list[Event], *, deduplicate: bool = True) -> set[str]:
    """Insert ``events`` (unique keys), skipping keys already stored; the keys inserted."""
    if not events:
        return set()
    # A stable order: two transactions inserting overlapping keys lock them in the same order.
    events = sorted(events, key=lambda event: event.idempotency_key)
    if connection.vendor == "postgresql":
        return _insert_postgresql(events)
    if supports_returning():
        return _insert_returning(events)
    return _insert_orm(events, deduplicate)


def _insert_postgresql(events: list[Event]) -> set[str]:
    from psycopg.types.json import Jsonb

    fields = _event_fields()
    table = connection.ops.quote_name(Event._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    casts = []
    for f in fields:
        db_type = f.rel_db_type(connection) if f.is_relation else f.db_type(connection)
        casts.append(f"%s::{db_type}[]")
    key_column = connection.ops.quote_name(Event._meta.get_field("idempotency_key").column)
    sql = (
        # Identifiers come from model metadata, quoted; every value is a parameter.
        f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({', '.join(casts)}) "  # noqa: S608
        f"ON CONFLICT DO NOTHING RETURNING {key_column}"
    )
    inserted = set()
    with connection.cursor() as cursor:
        for start in range(0, len(events), INSERT_CHUNK):
            chunk = events[start : start + INSERT_CHUNK]
            params = []
            for f in fields:
                values = [getattr(event, f.attname) for event in chunk]
                if f.get_internal_type() == "JSONField":
                    values = [Jsonb(value) for value in values]
                params.append(values)
            cursor.execute(sql, params)
            inserted.update(row[0] for row in cursor.fetchall())
    return inserted


def _insert_returning(events: list[Event]) -> set[str]:
    fields = _event_fields()
    table = connection.ops.quote_name(Event._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    key_column = connection.ops.quote_name(Event._meta.get_field("idempotency_key").column)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, connection.ops.bulk_batch_size(fields, events))
    inserted = set()
    with connection.cursor() as cursor:
        for start in range(0, len(events), size):
            chunk = events[start : start + size]
            params = [
                f.get_db_prep_save(getattr(event, f.attname), connection)
                for event in chunk
                for f in fields
            ]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))} "  # noqa: S608
                f"ON CONFLICT DO NOTHING RETURNING {key_column}",
                params,
            )
            inserted.update(row[0] for row in cursor.fetchall())
    return inserted


def _insert_orm(events: list[Event], deduplicate: bool) -> set[str]:
    keys = [event.idempotency_key for event in events]
    known = set()
    if deduplicate:
        known = set(
            Event.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
        )
    fresh = [event for event in events if event.idempotency_key not in known]
    Event.objects.bulk_create(fresh, ignore_conflicts=True)
    return {event.idempotency_key for event in fresh}


def update_visitors(updates: dict[uuid.UUID, VisitorUpdate]) -> None:
    """Add counters, move ``last_seen`` forward and set facts, without read-modify-write."""
    updates = {vid: update for vid, update in updates.items() if _has_changes(update)}
    if not updates:
        return
    if connection.vendor == "postgresql":
        _update_postgresql(updates)
        return
    for vid, update in sorted(updates.items()):
        values = dict(update.facts)
        if update.page_views:
            values["page_views"] = F("page_views") + update.page_views
        if update.visits:
            values["visit_count"] = F("visit_count") + update.visits
        if update.last_seen is not None:
            values["last_seen"] = Greatest(F("last_seen"), Value(update.last_seen))
        Visitor.objects.filter(pk=vid).update(**values)


def _has_changes(update: VisitorUpdate) -> bool:
    return bool(update.page_views or update.visits or update.last_seen or update.facts)


FACT_COLUMNS = ("device_type", "browser", "os", "country", "region", "city", "language")


def _update_postgresql(updates: dict[uuid.UUID, VisitorUpdate]) -> None:
    from psycopg.types.json import Jsonb

    q = connection.ops.quote_name
    meta = Visitor._meta
    table = q(meta.db_table)
    ids, page_views, visits, last_seen, profiles = [], [], [], [], []
    facts = {name: [] for name in FACT_COLUMNS}
    for vid, update in sorted(updates.items()):
        ids.append(vid)
        page_views.append(update.page_views)
        visits.append(update.visits)
        last_seen.append(update.last_seen)
        profile = update.facts.get("profile")
        profiles.append(Jsonb(profile) if profile else None)
        for name in FACT_COLUMNS:
            facts[name].append(update.facts.get(name))
    column = {name: q(meta.get_field(name).column) for name in ("page_views", "visit_count")}
    column.update({name: q(meta.get_field(name).column) for name in FACT_COLUMNS})
    column["last_seen"] = q(meta.get_field("last_seen").column)
    column["profile"] = q(meta.get_field("profile").column)
    sets = [
        f"{column['page_views']} = v.{column['page_views']} + u.page_views",
        f"{column['visit_count']} = v.{column['visit_count']} + u.visits",
        f"{column['last_seen']} = GREATEST(v.{column['last_seen']}, "
        f"COALESCE(u.last_seen, v.{column['last_seen']}))",
        f"{column['profile']} = COALESCE(u.profile, v.{column['profile']})",
    ]
    sets += [f"{column[name]} = COALESCE(u.{name}, v.{column[name]})" for name in FACT_COLUMNS]
    names = ["id", "page_views", "visits", "last_seen", "profile", *FACT_COLUMNS]
    types = ["uuid", "bigint", "integer", "timestamptz", "jsonb"] + ["text"] * len(FACT_COLUMNS)
    unnest = ", ".join(f"%s::{kind}[]" for kind in types)
    sql = (
        f"UPDATE {table} AS v SET {', '.join(sets)} "  # noqa: S608
        f"FROM unnest({unnest}) AS u({', '.join(names)}) "
        f"WHERE v.{q(meta.pk.column)} = u.id"
    )
    params = [ids, page_views, visits, last_seen, profiles] + [facts[n] for n in FACT_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
