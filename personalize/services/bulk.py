# ruff: noqa: S608 - SQL is built from quoted model metadata only; every value is a parameter.
"""Set-based writes behind :mod:`personalize.services.ingest`.

PostgreSQL: events go in with one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` per chunk,
fed by ``unnest`` of arrays for small calls (a request's batch) or by ``COPY`` into a temporary
table for large ones (a drain); visitors are created and their counters moved with one statement
each. SQLite: a multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` and an ``UPDATE`` per
visitor. Other databases fall back to the ORM (exact only without concurrent writers of the same
events).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections

from personalize.models.visitor import Event, Visitor

#: From this many rows on, PostgreSQL is fed through COPY rather than arrays.
COPY_THRESHOLD = 500
EVENT_TEMP = "personalize_ingest_events"
VISITOR_TEMP = "personalize_ingest_visitors"
FACT_COLUMNS = ("device_type", "browser", "os", "country", "region", "city", "language")


class EventRow(NamedTuple):
    """An event to store: the ``Event`` fields, without a model instance's overhead."""

    visitor_id: str
    name: str
    path: str
    referrer: str
    medium: str
    source: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    slot: str
    variant: str
    value: Decimal | None
    properties: dict
    timestamp: dt.datetime
    idempotency_key: str

    def as_event(self) -> Event:
        return Event(**self._asdict())


@dataclass
class VisitorUpdate:
    page_views: int = 0
    visits: int = 0
    last_seen: dt.datetime | None = None
    facts: dict = field(default_factory=dict)


def _event_fields():
    return [f for f in Event._meta.concrete_fields if not f.primary_key]


def uuid_array(ids) -> str:
    """A ``uuid[]`` literal of hex ids: one short string to send instead of a list to dump."""
    return "{" + ",".join(ids) + "}"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _database():
    """The connection ``django.db.connection`` stands for, read once by the functions the
    database sink runs in every request: each attribute read through that proxy costs a
    thread-local look-up, and preparing one event's values alone reads dozens."""
    return connections[DEFAULT_DB_ALIAS]


def supports_returning() -> bool:
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35, 0)
    return False


# -- events ----------------------------------------------------------------------------------
def insert_events(events: list[EventRow], *, deduplicate: bool = True) -> set[str]:
    """Insert ``events`` (unique keys), skipping keys already stored; the keys inserted."""
    if not events:
        return set()
    # A stable order: two transactions inserting overlapping keys lock them in the same order.
    events = sorted(events, key=lambda event: event.idempotency_key)
    if connection.vendor == "postgresql":
        if len(events) >= COPY_THRESHOLD and can_copy():
            return _insert_postgresql_copy(events)
        return _insert_postgresql_arrays(events)
    if supports_returning():
        return _insert_returning(events)
    return _insert_orm(events, deduplicate)


def _returning(source_sql: str) -> str:
    return _returning_sql(connection.vendor, source_sql)


@functools.lru_cache(maxsize=64)
def _returning_sql(vendor: str, source_sql: str) -> str:
    """The insert statement, built once per database vendor and shape: quoting its columns
    (each through the connection proxy) costs more than the rest of a request's insert."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in _event_fields())
    key = quote(Event._meta.get_field("idempotency_key").column)
    return (
        f"INSERT INTO {quote(Event._meta.db_table)} ({columns}) {source_sql} "
        f"ON CONFLICT DO NOTHING RETURNING {key}"
    )


def can_copy() -> bool:
    """Whether the driver offers psycopg 3's COPY API (psycopg2 does not: arrays are used)."""
    connection.ensure_connection()
    return type(connection.connection).__module__.partition(".")[0] == "psycopg"


def _json_text(value) -> str:
    return _DUMPS(value) if value else "{}"


_DUMPS = json.JSONEncoder(separators=(",", ":"), default=str).encode


def _insert_postgresql_arrays(events: list[EventRow]) -> set[str]:
    fields = _event_fields()
    casts = []
    for f in fields:
        db_type = f.rel_db_type(connection) if f.is_relation else f.db_type(connection)
        casts.append(f"%s::{db_type}[]")
    sql = _returning(f"SELECT * FROM unnest({', '.join(casts)})")
    params = []
    for f in fields:
        values = [getattr(event, f.attname) for event in events]
        if f.get_internal_type() == "JSONField":
            values = [_json_text(value) for value in values]  # text[] cast to jsonb[]
        params.append(values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _temp_table(cursor, name: str, source: str, columns: list[str]) -> None:
    """A session-scoped scratch table with ``columns`` of ``source``'s types, emptied."""
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {name} AS "
        f"SELECT {', '.join(columns)} FROM {source} WITH NO DATA"
    )
    cursor.execute(f"TRUNCATE {name}")


def _insert_postgresql_copy(events: list[EventRow]) -> set[str]:
    fields = _event_fields()
    columns = [_q(f.column) for f in fields]
    values_of = operator.attrgetter(*(f.attname for f in fields))
    json_at = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]

    def rows():
        for event in events:
            row = list(values_of(event))
            for index in json_at:
                row[index] = _json_text(row[index])
            yield row

    order = _q(Event._meta.get_field("idempotency_key").column)
    with connection.cursor() as cursor:
        _temp_table(cursor, EVENT_TEMP, _q(Event._meta.db_table), columns)
        _copy(cursor, EVENT_TEMP, columns, rows())
        cursor.execute(
            _returning(f"SELECT {', '.join(columns)} FROM {EVENT_TEMP} ORDER BY {order}")
        )
        return {row[0] for row in cursor.fetchall()}


def _insert_returning(events: list[EventRow]) -> set[str]:
    db = _database()
    fields = _event_fields()
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, db.ops.bulk_batch_size(fields, events))
    inserted = set()
    with db.cursor() as cursor:
        for start in range(0, len(events), size):
            chunk = events[start : start + size]
            params = [
                f.get_db_prep_save(getattr(event, f.attname), db) for event in chunk for f in fields
            ]
            cursor.execute(_returning(f"VALUES {', '.join([row_sql] * len(chunk))}"), params)
            inserted.update(row[0] for row in cursor.fetchall())
    return inserted


def _insert_orm(events: list[EventRow], deduplicate: bool) -> set[str]:
    keys = [event.idempotency_key for event in events]
    known = set()
    if deduplicate:
        known = set(
            Event.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
        )
    fresh = [event for event in events if event.idempotency_key not in known]
    Event.objects.bulk_create([event.as_event() for event in fresh], ignore_conflicts=True)
    return {event.idempotency_key for event in fresh}


# -- visitors --------------------------------------------------------------------------------
def existing_visitors(ids) -> list[tuple[str, str | None]]:
    """(id, merged into), as hex, of the visitors among ``ids`` (hex) that exist."""
    meta = Visitor._meta
    db = _database()
    if db.vendor != "postgresql":
        # Plain SQL: this runs in every request with the database sink, where the ORM's own
        # cost would be most of it. UUIDs are stored as 32 hex characters there.
        pk_field = meta.pk
        params = [pk_field.get_db_prep_value(uuid.UUID(vid), db) for vid in ids]
        if not params:
            return []
        quote = db.ops.quote_name
        pk, merged = quote(pk_field.column), quote(meta.get_field("merged_into").column)
        marks = ", ".join(["%s"] * len(params))
        with db.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {merged} FROM {quote(meta.db_table)} WHERE {pk} IN ({marks})",
                params,
            )
            rows = cursor.fetchall()
        return [
            (uuid.UUID(str(pk)).hex, uuid.UUID(str(merged)).hex if merged else None)
            for pk, merged in rows
        ]
    pk, merged = _q(meta.pk.column), _q(meta.get_field("merged_into").column)
    with connection.cursor() as cursor:  # one array parameter, hex strings back
        cursor.execute(
            f"SELECT replace({pk}::text, '-', ''), replace({merged}::text, '-', '') "
            f"FROM {_q(meta.db_table)} WHERE {pk} = ANY(%s::uuid[])",
            [uuid_array(ids)],
        )
        return cursor.fetchall()


def create_visitors(first_seen: dict[str, dt.datetime]) -> None:
    """Create the visitors of ``first_seen`` (id -> first seen) that do not exist yet."""
    if not first_seen:
        return
    if connection.vendor != "postgresql":
        Visitor.objects.bulk_create(
            [Visitor(id=vid, first_seen=when, last_seen=when) for vid, when in first_seen.items()],
            ignore_conflicts=True,
        )
        return
    # Every other column takes its model default, computed once (new fields follow).
    template = Visitor()
    selects, constants = [], []
    columns = []
    for f in Visitor._meta.concrete_fields:
        columns.append(_q(f.column))
        if f.primary_key:
            selects.append("u.id")
        elif f.attname in ("first_seen", "last_seen"):
            selects.append("u.seen")
        else:
            selects.append("%s")
            constants.append(f.get_db_prep_save(getattr(template, f.attname), connection))
    ids = sorted(first_seen)
    sql = (
        f"INSERT INTO {_q(Visitor._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM unnest(%s::uuid[], %s::timestamptz[]) AS u(id, seen) "
        "ORDER BY u.id ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants, uuid_array(ids), [first_seen[vid] for vid in ids]])


def update_visitors(updates: dict[str, VisitorUpdate]) -> None:
    """Add counters, move ``last_seen`` forward and set facts, without read-modify-write."""
    updates = {vid: update for vid, update in updates.items() if _has_changes(update)}
    if not updates:
        return
    if connection.vendor == "postgresql":
        _update_postgresql(updates)
        return
    _update_generic(updates)


def _update_generic(updates: dict[str, VisitorUpdate]) -> None:
    """One plain ``UPDATE`` per visitor: counters added in SQL, never read and written back."""
    meta = Visitor._meta
    db = _database()
    quote = db.ops.quote_name
    with db.cursor() as cursor:
        for vid, update in sorted(updates.items()):
            sets, params = [], []
            for name, value in update.facts.items():
                field = meta.get_field(name)
                sets.append(f"{quote(field.column)} = %s")
                params.append(field.get_db_prep_save(value, db))
            for name, amount in (("page_views", update.page_views), ("visit_count", update.visits)):
                if amount:
                    column = quote(meta.get_field(name).column)
                    sets.append(f"{column} = {column} + %s")
                    params.append(amount)
            if update.last_seen is not None:
                field = meta.get_field("last_seen")
                column = quote(field.column)
                when = field.get_db_prep_value(update.last_seen, db)
                sets.append(f"{column} = CASE WHEN {column} < %s THEN %s ELSE {column} END")
                params += [when, when]
            params.append(meta.pk.get_db_prep_value(uuid.UUID(vid), db))
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} "
                f"WHERE {quote(meta.pk.column)} = %s",
                params,
            )


def _has_changes(update: VisitorUpdate) -> bool:
    return bool(update.page_views or update.visits or update.last_seen or update.facts)


def _update_postgresql(updates: dict[str, VisitorUpdate]) -> None:
    meta = Visitor._meta
    column = {
        name: _q(meta.get_field(name).column)
        for name in ("page_views", "visit_count", "last_seen", "profile", *FACT_COLUMNS)
    }
    names = ["id", "page_views", "visits", "last_seen", "profile", *FACT_COLUMNS]
    types = ["uuid", "bigint", "integer", "timestamptz", "jsonb"] + ["text"] * len(FACT_COLUMNS)
    rows = []
    for vid, update in sorted(updates.items()):
        profile = update.facts.get("profile")
        rows.append(
            (
                vid,
                update.page_views,
                update.visits,
                update.last_seen,
                _DUMPS(profile) if profile else None,
                *(update.facts.get(name) for name in FACT_COLUMNS),
            )
        )
    sets = [
        f"{column['page_views']} = v.{column['page_views']} + u.page_views",
        f"{column['visit_count']} = v.{column['visit_count']} + u.visits",
        f"{column['last_seen']} = GREATEST(v.{column['last_seen']}, "
        f"COALESCE(u.last_seen, v.{column['last_seen']}))",
        f"{column['profile']} = COALESCE(u.profile, v.{column['profile']})",
    ] + [f"{column[name]} = COALESCE(u.{name}, v.{column[name]})" for name in FACT_COLUMNS]
    target = f"UPDATE {_q(meta.db_table)} AS v SET {', '.join(sets)}"
    match = f"WHERE v.{_q(meta.pk.column)} = u.id"
    with connection.cursor() as cursor:
        if len(rows) >= COPY_THRESHOLD and can_copy():
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {VISITOR_TEMP} "
                f"({', '.join(f'{n} {t}' for n, t in zip(names, types, strict=True))})"
            )
            cursor.execute(f"TRUNCATE {VISITOR_TEMP}")
            _copy(cursor, VISITOR_TEMP, names, rows)
            cursor.execute(f"{target} FROM {VISITOR_TEMP} AS u {match}")
        else:
            unnest = ", ".join(f"%s::{kind}[]" for kind in types)
            columns = [list(values) for values in zip(*rows, strict=True)]
            cursor.execute(
                f"{target} FROM unnest({unnest}) AS u({', '.join(names)}) {match}", columns
            )
