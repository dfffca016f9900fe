"""Event sinks: where tracked events go. Chosen with ``PERSONALIZE_EVENT_SINK``.

A sink receives one *batch* per request (see :mod:`personalize.services.ingest`). Pages hand it
over with :meth:`EventSink.emit`, which never raises into the request: a sink that cannot store
a batch logs once and counts the loss. The event intake, whose client can send a batch again,
uses :meth:`EventSink.deliver` instead, which raises :class:`SinkUnavailable` rather than lose
or set aside a batch it cannot take now.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections import deque

from django.utils.module_loading import import_string

from personalize.conf import get_setting
from personalize.utils import log_once


class SinkStats:
    """Process-local counters of what a sink accepted, stored and lost."""

    def __init__(self):
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def add(self, name: str, amount: int = 1) -> None:
        if not amount:
            return
        with self._lock:
            self.counts[name] = self.counts.get(name, 0) + amount

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()


class SinkUnavailable(Exception):
    """The sink cannot take a batch now; the batch was neither stored nor kept.

    ``retry_after``: seconds after which trying again makes sense.
    """

    def __init__(self, message: str, retry_after: float = 5.0):
        super().__init__(message)
        self.retry_after = retry_after


class EventSink:
    """Base class: subclasses implement :meth:`emit`, and :meth:`deliver` when they can tell
    that a batch was not taken."""

    #: Whether batches are written to the database within :meth:`emit` itself, so that a
    #: request that reads stored events runs its query where it writes anyway.
    writes_in_request = False

    def __init__(self):
        self.stats = SinkStats()

    def emit(self, batch: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def deliver(self, batch: dict) -> None:
        """Store or queue ``batch`` now, or raise :class:`SinkUnavailable` (nothing kept).

        For callers that can ask their client to send the batch again. This default, for
        sinks that cannot tell, is :meth:`emit`.
        """
        self.emit(batch)


def events_in(batch) -> int:
    """How many events ``batch`` carries (0 for anything that is not a batch)."""
    events = batch.get("events") if isinstance(batch, dict) else None
    return len(events) if isinstance(events, list | tuple) else 0


class DatabaseSink(EventSink):
    """Writes each batch to the database inside the request (the embedded default).

    :attr:`stats` counts what the ingest reports for each batch:

    ``stored``      events written
    ``duplicates``  events already stored (the same idempotency key)
    ``skipped``     malformed events, and events of an erased visitor
    ``dropped``     events of a batch that could not be written (the database failed)
    """

    writes_in_request = True

    def emit(self, batch: dict) -> None:
        try:
            self.deliver(batch)
        except SinkUnavailable:
            self.stats.add("dropped", events_in(batch))

    def deliver(self, batch: dict) -> None:
        from personalize.services.ingest import ingest

        try:
            result = ingest([batch], deduplicate=False)
        except Exception as exc:
            log_once("sink-db", "personalize: events could not be stored.", exc_info=True)
            raise SinkUnavailable("the database cannot store events now") from exc
        self.stats.add("stored", result.events)
        self.stats.add("duplicates", result.duplicates)
        self.stats.add("skipped", result.skipped)


def compact(batch):
    """``batch`` without the empty fields of its events (ingest reads a missing event field as
    empty): about half the bytes to push, hold in Redis and parse again. Visitor facts are kept
    as they are: an empty fact is a value there."""
    if not isinstance(batch, dict):
        return batch
    out = dict(batch)
    if isinstance(out.get("events"), list):
        out["events"] = [
            {k: v for k, v in event.items() if v not in ("", None, {})}
            if isinstance(event, dict)
            else event
            for event in out["events"]
        ]
    return out


class BufferedSink(EventSink):
    """Appends each batch to a Redis list; a Celery task drains it into the database.

    The request pays one Redis round trip (a Lua script: length check and push), bounded by
    ``PERSONALIZE_BUFFER_SOCKET_TIMEOUT``. When Redis fails, a circuit breaker keeps requests
    away from it for ``PERSONALIZE_BUFFER_RETRY_INTERVAL`` seconds and batches wait in a bounded
    in-process queue (``PERSONALIZE_BUFFER_FALLBACK_SIZE``), re-sent with the next requests once
    Redis answers again. What cannot be kept is dropped and counted in :attr:`stats`:

    ``buffered``  events accepted by Redis (re-sent ones included)
    ``fallback``  events put in the in-process queue
    ``resent``    events of the in-process queue accepted by Redis later
    ``dropped``   events lost: list full, in-process queue full, or no Redis configured
    ``refused``   events :meth:`deliver` refused (its caller's client sends them again)

    :meth:`emit` never raises. :meth:`deliver` sends to Redis or raises: it neither waits for
    an open circuit breaker nor uses the in-process queue.
    """

    #: Batches of the in-process queue sent along with each new batch once Redis is back.
    RESEND_PER_EMIT = 100

    def __init__(self):
        super().__init__()
        from personalize.buffer import CircuitBreaker

        self.breaker = CircuitBreaker()
        self._pending: deque[tuple[str, int]] = deque()
        self._pending_lock = threading.Lock()

    # -- the in-process fallback --------------------------------------------------------
    @property
    def pending(self) -> int:
        """Batches waiting in the in-process queue."""
        return len(self._pending)

    def _keep(self, items: list[tuple[str, int]], *, front: bool = False) -> None:
        limit = max(0, int(get_setting("BUFFER_FALLBACK_SIZE")))
        lost = 0
        with self._pending_lock:
            if front:
                self._pending.extendleft(reversed(items))
            else:
                self._pending.extend(items)
            while len(self._pending) > limit:
                lost += self._pending.popleft()[1]  # the oldest goes first
        if not front:
            self.stats.add("fallback", sum(count for _payload, count in items))
        if lost:
            self._drop(lost, "sink-fallback-full", "the in-process queue is full")

    def _take_pending(self, limit: int) -> list[tuple[str, int]]:
        with self._pending_lock:
            return [self._pending.popleft() for _ in range(min(limit, len(self._pending)))]

    def _drop(self, count: int, key: str, why: str) -> None:
        self.stats.add("dropped", count)
        log_once(key, "personalize: buffered events dropped: %s.", why)

    # -- sending ------------------------------------------------------------------------
    def emit(self, batch: dict) -> None:
        count = events_in(batch)
        try:
            payload = json.dumps(compact(batch), separators=(",", ":"), default=str)
        except (TypeError, ValueError):
            self._drop(count, "sink-json", "a batch could not be serialized")
            return
        try:
            self._send((payload, count))
        except Exception:
            self._drop(count, "sink-buffer-error", "unexpected error in the buffered sink")

    def deliver(self, batch: dict) -> None:
        from personalize import buffer

        count = events_in(batch)
        interval = float(get_setting("BUFFER_RETRY_INTERVAL"))
        try:
            payload = json.dumps(compact(batch), separators=(",", ":"), default=str)
        except (TypeError, ValueError):
            raise self._refuse(count, "a batch could not be serialized", interval) from None
        client = buffer.get_client()
        if client is None:
            raise self._refuse(count, "no Redis URL is configured for the buffer", interval)
        if not self.breaker.allow(interval):
            raise self._refuse(count, "the event buffer (Redis) is unreachable", interval)
        try:
            accepted = self._push(client, [payload])
        except Exception:
            self._failed(interval)
            raise self._refuse(count, "the event buffer (Redis) is unreachable", interval) from None
        self.breaker.success()
        if not accepted:
            raise self._refuse(count, "the Redis list is full", interval)
        self.stats.add("buffered", count)

    def _refuse(self, count: int, why: str, interval: float) -> SinkUnavailable:
        self.stats.add("refused", count)
        log_once(("sink-refused", why), "personalize: buffered events refused: %s.", why)
        return SinkUnavailable(why, interval)

    def flush_pending(self) -> int:
        """Send the in-process queue now (e.g. at shutdown); returns batches still waiting."""
        while self._pending and self._send(None):
            pass
        return self.pending

    def _send(self, item: tuple[str, int] | None) -> bool:
        from personalize import buffer

        interval = float(get_setting("BUFFER_RETRY_INTERVAL"))
        client = buffer.get_client()
        if client is None:
            if item is not None:
                self._drop(item[1], "sink-no-redis", "no Redis URL is configured for the buffer")
            return False
        if not self.breaker.allow(interval):
            if item is not None:
                self._keep([item])
            return False
        resend = self._take_pending(self.RESEND_PER_EMIT)
        items = resend + ([item] if item is not None else [])
        if not items:
            return False
        try:
            accepted = self._push(client, [payload for payload, _ in items])
        except Exception:
            self._failed(interval)
            self._keep(resend, front=True)
            if item is not None:
                self._keep([item])
            return False
        self.breaker.success()
        sent = items[:accepted]
        self.stats.add("buffered", sum(count for _payload, count in sent))
        self.stats.add("resent", sum(count for _payload, count in sent[: len(resend)]))
        refused = sum(count for _payload, count in items[accepted:])
        if refused:
            self._drop(refused, "sink-buffer-full", "the Redis list is full")
        return True

    def _push(self, client, payloads: list[str]) -> int:
        """Append ``payloads`` to the Redis list in one round trip; how many it took."""
        from personalize import buffer

        keys = buffer.Keys()
        limit = int(get_setting("BUFFER_MAX_LENGTH"))
        return int(buffer.run(client, buffer.PUSH, [keys.list, keys.dropped], [limit, *payloads]))

    def _failed(self, interval: float) -> None:
        self.breaker.failure(interval)
        log_once(
            "sink-redis-down",
            "personalize: the event buffer (Redis) is unreachable; events wait in memory "
            "and Redis is retried every %ss.",
            interval,
            level=logging.WARNING,
            exc_info=True,
        )


@functools.cache
def _sink_for(path: str) -> EventSink:
    return import_string(path)()


def get_sink() -> EventSink:
    return _sink_for(get_setting("EVENT_SINK"))
