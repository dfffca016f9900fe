"""Privacy operations: erasing a visitor for good.

An erasure deletes the visitor's row, profile, events and static memberships, forgets its
cached profile, and leaves a tombstone (:class:`~personalize.models.ErasedVisitor`: a hash of the
id, not the id) so that events still queued for it (in the buffer, in a retried task) are dropped
by :func:`personalize.services.ingest.ingest` instead of bringing the visitor back.

Erasure and ingestion are serialized on PostgreSQL: :func:`hold_erasures` (called by every
ingest transaction) takes a SHARE lock on the tombstone table, which the tombstone INSERT of an
erasure conflicts with. An erasure therefore waits for ingest transactions in flight (and then
deletes what they wrote); an ingest that starts after it sees the tombstone. SQLite serializes
writers anyway.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from django.db import connection, transaction

from personalize.models.visitor import ErasedVisitor, Event, Membership, Visitor
from personalize.services.sql import pk_chunks, raw_delete

#: Visitor ids read at a time by :func:`erase_visitors`.
ERASE_CHUNK = 500


def id_hash(visitor_id) -> str:
    return hashlib.sha256(str(uuid.UUID(str(visitor_id))).encode()).hexdigest()


def erased_among(ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The ids in ``ids`` that were erased (their late events must be dropped)."""
    by_hash = {id_hash(vid): vid for vid in ids}
    if not by_hash:
        return set()
    if connection.vendor == "postgresql":  # one array parameter, however many ids
        meta = ErasedVisitor._meta
        column = connection.ops.quote_name(meta.pk.column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column} FROM {connection.ops.quote_name(meta.db_table)} "  # noqa: S608
                f"WHERE {column} = ANY(%s)",
                [list(by_hash)],
            )
            found = [row[0] for row in cursor.fetchall()]
    else:
        found = ErasedVisitor.objects.filter(id_hash__in=by_hash).values_list("id_hash", flat=True)
    return {by_hash[h] for h in found}


def hold_erasures() -> None:
    """Within a transaction that writes events: keep erasures out until it commits."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ErasedVisitor._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")


def is_erased(visitor_id) -> bool:
    return ErasedVisitor.objects.filter(id_hash=id_hash(visitor_id)).exists()


def with_merged(ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """``ids`` and the ids of every profile merged into them, however deep (erased together)."""
    ids = set(ids)
    frontier = set(ids)
    while frontier:
        merged = Visitor.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        frontier = set(merged) - ids
        ids |= frontier
    return ids


def person_of(ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """``ids``, the profiles they were merged into, however far up, and every profile merged
    into those: all the stored pieces of the people ``ids`` belong to."""
    ids = set(ids)
    frontier = set(ids)
    while frontier:
        merged_into = Visitor.objects.filter(pk__in=frontier, merged_into__isnull=False)
        frontier = set(merged_into.values_list("merged_into_id", flat=True)) - ids
        ids |= frontier
    return with_merged(ids)


def erase_visitor(visitor_id) -> bool:
    """Delete a visitor's profile, events, memberships and cached state; leave a tombstone.

    The whole person goes: given a browser's id that was merged into another profile, that
    profile and every other browser merged into it are erased too (:func:`person_of`), whoever
    asks (the admin, the command, the task or the visitor). Idempotent: erasing again (a retried
    task) finds nothing and returns False. Returns True if anything was stored.
    """
    return bool(_erase({uuid.UUID(str(visitor_id))}))


def erase_visitors(visitors) -> int:
    """:func:`erase_visitor` for each of ``visitors`` (a queryset or ids); how many were stored.

    A chunk of ids at a time, each chunk one transaction with a fixed number of statements,
    so erasing a long selection holds neither every id in memory, nor one transaction for all
    of them, nor runs a transaction per visitor.
    """
    return sum(
        len(_erase({uuid.UUID(str(pk)) for pk in ids})) for ids in pk_chunks(visitors, ERASE_CHUNK)
    )


def _erase(requested: set[uuid.UUID]) -> set[uuid.UUID]:
    """Erase the people ``requested`` belong to; returns the ids of ``requested`` stored."""
    from personalize.store import get_store

    with transaction.atomic():
        # The tombstones first: on PostgreSQL this waits for ingest transactions in flight.
        ErasedVisitor.objects.bulk_create(
            [ErasedVisitor(id_hash=id_hash(each)) for each in requested], ignore_conflicts=True
        )
        ids = person_of(requested)
        ErasedVisitor.objects.bulk_create(
            [ErasedVisitor(id_hash=id_hash(each)) for each in ids - requested],
            ignore_conflicts=True,
        )
        found = set(
            Visitor.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True)
        )
        delete_visitors(ids)
    get_store().delete(*(each.hex for each in ids))
    return found & requested


def delete_visitors(ids) -> None:
    """Delete the visitors ``ids`` with their events and memberships: what erasure and the
    retention purge both remove. Profiles merged into one of them are detached (``SET_NULL``).

    Call it in a transaction, and forget the cached profiles after it commits: forgotten
    earlier, a request could cache a profile again from rows not yet deleted.
    Events and memberships go in one statement each, not through ``QuerySet.delete()``,
    which would load every row to send its delete signals.
    """
    from personalize.engine.snapshot import bump_membership_version

    raw_delete(Event.objects.filter(visitor_id__in=ids))
    had_memberships = raw_delete(Membership.objects.filter(visitor_id__in=ids)) > 0
    Visitor.objects.filter(pk__in=ids).delete()
    if had_memberships:
        bump_membership_version()
