"""Helpers of the tracking-at-scale tests."""

from __future__ import annotations

import time
import uuid

from personalize.sinks import EventSink


class MemorySink(EventSink):
    def __init__(self):
        super().__init__()
        self.batches: list[dict] = []

    def emit(self, batch: dict) -> None:
        self.batches.append(batch)


def event(name="page_view", *, ts=None, key=None, **fields) -> dict:
    data = {
        "key": key or uuid.uuid4().hex,
        "name": name,
        "ts": ts if ts is not None else time.time(),
        "path": "/",
    }
    data.update(fields)
    return data


def batch(visitor_id=None, *events, **facts) -> dict:
    vid = visitor_id if visitor_id is not None else uuid.uuid4()
    visitor = {"id": vid.hex if isinstance(vid, uuid.UUID) else str(vid), **facts}
    return {"visitor": visitor, "events": list(events)}
