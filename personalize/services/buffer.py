"""Draining the Redis event buffer into the database (run by the flush task and command).

Delivery semantics: **at least once, stored exactly once.**

1. A drain *claims* up to ``PERSONALIZE_BUFFER_BATCH_SIZE`` batches atomically: they move from
   the list to a processing list of its own, and a lease (the Redis clock) is recorded.
2. It ingests them in one database transaction (:func:`~personalize.services.ingest.ingest`).
3. Only after the commit does it *acknowledge*: the processing list and the lease are deleted.

A drain that dies between 1 and 3 (killed worker, lost connection) leaves its processing list
behind; once the lease is older than ``PERSONALIZE_BUFFER_LEASE_SECONDS`` the next drain puts
those batches back at the head of the list. If the commit had happened, the batches are ingested
again, and the idempotency keys make that a no-op: each event is stored and counted once.
A batch that cannot be ingested at all (not JSON, or one that makes ingest fail) is moved to the
dead-letter list ``<key>:dead`` rather than blocking the buffer; a database that is down puts the
whole chunk back and the task is retried.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import asdict, dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError

from personalize import buffer
from personalize.conf import get_setting
from personalize.services.ingest import ingest

logger = logging.getLogger("personalize")

#: Errors that mean "the database is not available now": the chunk goes back, the task retries.
TRANSIENT = (OperationalError, InterfaceError)


class BufferNotConfigured(ImproperlyConfigured):
    """The buffered sink has no Redis URL (see PERSONALIZE_BUFFER_REDIS_URL)."""


@dataclass
class DrainResult:
    batches: int = 0  # batches claimed and processed
    events: int = 0  # events stored
    duplicates: int = 0  # events already stored (redelivered)
    skipped: int = 0  # malformed parts and events of erased visitors
    dead: int = 0  # batches moved to the dead-letter list
    recovered: int = 0  # batches put back from expired leases
    chunks: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _client():
    client = buffer.get_client(worker=True)
    if client is None:
        raise BufferNotConfigured(
            "The event buffer has no Redis URL: set PERSONALIZE_BUFFER_REDIS_URL, use a Redis "
            "cache for PERSONALIZE_CACHE_ALIAS, or set the REDIS_URL environment variable."
        )
    return client


def recover_expired(client, keys: buffer.Keys) -> int:
    """Put chunks whose lease expired back at the head of the list; batches moved."""
    lease = float(get_setting("BUFFER_LEASE_SECONDS"))
    leases = client.hgetall(keys.leases)
    if not leases:
        return 0
    now = client.time()[0]
    moved = 0
    for token, claimed in leases.items():
        token = token.decode() if isinstance(token, bytes) else str(token)
        try:
            expired = now - int(claimed) >= lease
        except (TypeError, ValueError):
            expired = True
        if expired:
            moved += int(
                buffer.run(
                    client,
                    buffer.REQUEUE,
                    [keys.list, keys.processing(token), keys.leases],
                    [token],
                )
            )
    if moved:
        logger.warning("personalize: %d buffered batches re-queued from expired leases.", moved)
    return moved


def drain(*, max_seconds: float | None = None) -> DrainResult:
    """Move buffered batches into the database until the list is empty or ``max_seconds``
    (checked between chunks) have passed."""
    client = _client()
    keys = buffer.Keys()
    size = max(1, int(get_setting("BUFFER_BATCH_SIZE")))
    deadline = time.monotonic() + max_seconds if max_seconds else None
    result = DrainResult()
    result.recovered = recover_expired(client, keys)
    while True:
        token = uuid.uuid4().hex
        items = buffer.run(
            client, buffer.CLAIM, [keys.list, keys.processing(token), keys.leases], [size, token]
        )
        if not items:
            break
        _process(client, keys, token, items, result)
        result.chunks += 1
        if len(items) < size:
            break
        if deadline is not None and time.monotonic() >= deadline:
            break
    return result


def _requeue(client, keys: buffer.Keys, token: str) -> None:
    try:
        buffer.run(
            client, buffer.REQUEUE, [keys.list, keys.processing(token), keys.leases], [token]
        )
    except Exception:  # the lease expires and a later drain puts them back
        logger.exception("personalize: could not re-queue a buffered chunk; its lease will.")


def _add(result: DrainResult, ingested) -> None:
    result.events += ingested.events
    result.duplicates += ingested.duplicates
    result.skipped += ingested.skipped


def _process(client, keys: buffer.Keys, token: str, items: list, result: DrainResult) -> None:
    batches, dead = [], []
    for raw in items:
        try:
            batch = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            dead.append(raw)
            continue
        if isinstance(batch, dict):
            batches.append((raw, batch))
        else:
            dead.append(raw)
    try:
        _add(result, ingest([batch for _raw, batch in batches]))
    except TRANSIENT:
        _requeue(client, keys, token)
        raise
    except Exception:
        logger.exception("personalize: a buffered chunk failed; ingesting its batches one by one.")
        for raw, batch in batches:
            try:
                _add(result, ingest([batch]))
            except TRANSIENT:
                _requeue(client, keys, token)
                raise
            except Exception:
                logger.exception("personalize: a buffered batch cannot be ingested; kept as dead.")
                dead.append(raw)
    result.batches += len(items)
    result.dead += len(dead)
    pipe = client.pipeline(transaction=True)
    pipe.delete(keys.processing(token))
    pipe.hdel(keys.leases, token)
    if dead:
        pipe.lpush(keys.dead, *dead)
        pipe.ltrim(keys.dead, 0, buffer.MAX_DEAD - 1)
    pipe.execute()


def status() -> dict:
    """What the buffer holds: waiting batches, chunks in flight, dropped and dead batches."""
    client = _client()
    keys = buffer.Keys()
    leases = client.hgetall(keys.leases)
    pipe = client.pipeline(transaction=False)
    pipe.llen(keys.list)
    pipe.get(keys.dropped)
    pipe.llen(keys.dead)
    for token in leases:
        token = token.decode() if isinstance(token, bytes) else str(token)
        pipe.llen(keys.processing(token))
    waiting, dropped, dead, *in_flight = pipe.execute()
    return {
        "key": keys.list,
        "waiting": int(waiting or 0),
        "in_flight_chunks": len(leases),
        "in_flight": sum(int(n or 0) for n in in_flight),
        "dropped": int(dropped or 0),
        "dead": int(dead or 0),
    }
