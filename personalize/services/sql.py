"""Small SQL helpers shared by the services."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import router
from django.db.models import QuerySet


def raw_delete(queryset) -> int:
    """DELETE the rows of ``queryset`` in one statement; the number of rows deleted.

    Unlike ``QuerySet.delete()`` this neither loads the rows nor sends delete signals, so it is
    only for models nothing else cascades from (events, memberships, daily stats).
    """
    return queryset._raw_delete(router.db_for_write(queryset.model))


def pk_chunks(
    source: QuerySet | Iterable, size: int, *, fields: tuple[str, ...] = ()
) -> Iterator[list]:
    """``source`` ``size`` at a time, in primary key order: lists of primary keys, or with
    ``fields`` (a queryset only) lists of ``values("pk", *fields)`` rows.

    ``source`` is a queryset or an iterable of primary keys. A queryset is read with keyset
    pagination (``pk > the last one``), one indexed query per chunk however far along, and what
    the caller deletes or changes between chunks does not shift the next one. A chunk shorter
    than ``size`` is the last: no query is spent to learn that nothing follows.
    """
    size = max(1, int(size))
    if not isinstance(source, QuerySet):
        ids = sorted(set(source))
        for start in range(0, len(ids), size):
            yield ids[start : start + size]
        return
    names = fields if "pk" in fields else ("pk", *fields)
    ordered = source.order_by("pk")
    after = None
    while True:
        page = ordered if after is None else ordered.filter(pk__gt=after)
        if fields:
            chunk = list(page.values(*names)[:size])
            last = chunk[-1]["pk"] if chunk else None
        else:
            chunk = list(page.values_list("pk", flat=True)[:size])
            last = chunk[-1] if chunk else None
        if chunk:
            yield chunk
        if len(chunk) < size:
            return
        after = last


def delete_in_chunks(queryset, chunk_size: int) -> int:
    """Delete ``queryset`` a chunk at a time, each chunk its own statement; rows deleted.

    Outside a transaction each chunk commits on its own, so a long purge neither holds locks
    for long nor loses its progress when interrupted.
    """
    model = queryset.model
    return sum(
        raw_delete(model._default_manager.filter(pk__in=ids))
        for ids in pk_chunks(queryset, chunk_size)
    )
