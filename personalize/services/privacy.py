"""Privacy operations: erasing a visitor for good."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from django.db import transaction

from personalize.models.visitor import ErasedVisitor, Visitor


def id_hash(visitor_id) -> str:
    return hashlib.sha256(str(uuid.UUID(str(visitor_id))).encode()).hexdigest()


def erased_among(ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The ids in ``ids`` that were erased (their late events must be dropped)."""
    by_hash = {id_hash(vid): vid for vid in ids}
    if not by_hash:
        return set()
    found = ErasedVisitor.objects.filter(id_hash__in=by_hash).values_list("id_hash", flat=True)
    return {by_hash[h] for h in found}


def erase_visitor(visitor_id) -> bool:
    """Delete a visitor's profile, events, memberships and cached state; leave a tombstone.

    Profiles merged into this one are erased with it. Returns True if anything was stored.
    """
    from personalize.store import get_store

    vid = uuid.UUID(str(visitor_id))
    with transaction.atomic():
        ids = {vid} | set(Visitor.objects.filter(merged_into_id=vid).values_list("pk", flat=True))
        deleted, _ = Visitor.objects.filter(pk__in=ids).delete()
        ErasedVisitor.objects.bulk_create(
            [ErasedVisitor(id_hash=id_hash(each)) for each in ids], ignore_conflicts=True
        )
    store = get_store()
    for each in ids:
        store.delete(each.hex)
    return bool(deleted)
