"""Event sinks: where tracked events go. Chosen with ``PERSONALIZE_EVENT_SINK``.

A sink receives one *batch* per request (see :mod:`personalize.services.ingest`) and must never
raise into the request: a sink that cannot store a batch logs once and counts the loss.
"""

from __future__ import annotations

import functools
import threading

from django.utils.module_loading import import_string

from personalize.conf import get_setting
from personalize.utils import log_once


class SinkStats:
    """Process-local counters of what a sink accepted, stored and lost."""

    def __init__(self):
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self.counts[name] = self.counts.get(name, 0) + amount

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()


class EventSink:
    """Base class: subclasses implement :meth:`emit`."""

    def __init__(self):
        self.stats = SinkStats()

    def emit(self, batch: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class DatabaseSink(EventSink):
    """Writes each batch to the database inside the request (the embedded default)."""

    def emit(self, batch: dict) -> None:
        from personalize.services.ingest import ingest

        count = len(batch.get("events") or ())
        try:
            ingest([batch], deduplicate=False)
        except Exception:
            self.stats.add("dropped", count)
            log_once(
                "sink-db",
                "personalize: events could not be stored; they are dropped.",
                exc_info=True,
            )
        else:
            self.stats.add("stored", count)


@functools.cache
def _sink_for(path: str) -> EventSink:
    return import_string(path)()


def get_sink() -> EventSink:
    return _sink_for(get_setting("EVENT_SINK"))
