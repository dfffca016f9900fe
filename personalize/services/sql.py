"""Small SQL helpers shared by the services."""

from __future__ import annotations

from django.db import router


def raw_delete(queryset) -> int:
    """DELETE the rows of ``queryset`` in one statement; the number of rows deleted.

    Unlike ``QuerySet.delete()`` this neither loads the rows nor sends delete signals, so it is
    only for models nothing else cascades from (events, memberships, daily stats).
    """
    return queryset._raw_delete(router.db_for_write(queryset.model))


def delete_in_chunks(queryset, chunk_size: int) -> int:
    """Delete ``queryset`` a chunk at a time, each chunk its own statement; rows deleted.

    Outside a transaction each chunk commits on its own, so a long purge neither holds locks
    for long nor loses its progress when interrupted.
    """
    model = queryset.model
    total = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:chunk_size])
        if not ids:
            return total
        total += raw_delete(model._default_manager.filter(pk__in=ids))
        if len(ids) < chunk_size:
            return total
