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


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Blackhole:
    """A TCP server that accepts connections and never answers (a hung dependency)."""

    def __init__(self):
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        self.sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(conn)  # held open, never read from nor written to

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


class RedisServer:
    """A private redis-server on a free port, to stop and start at will."""

    def __init__(self):
        import shutil

        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        import socket
        import subprocess

        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def stored_visitor(
    *,
    now,
    pages=(),
    events=(),
    visits=None,
    first_source=None,
    source=None,
    device_type="desktop",
    country="",
    region="",
    city="",
    email=None,
    traits=None,
):
    """A visitor whose row, events and stored profile tell the same story.

    ``pages``: (path, days ago) page views; ``events``: (name, value, days ago); ``source`` /
    ``first_source``: dicts like ``{"medium": "email", "utm": {"utm_medium": "email"}}`` for
    the latest and the first visit (first page view vs the others).
    """
    import datetime as dt
    from decimal import Decimal

    from personalize.models import Event, Visitor
    from personalize.profile import Profile
    from personalize.tracking.referrer import Source

    vid = uuid.uuid4()
    profile = Profile.new(vid.hex, now.timestamp())
    latest = Source.from_dict(source or {}).as_dict()
    first = Source.from_dict(first_source or source or {}).as_dict()
    profile.source, profile.first_source = latest, first
    rows = []
    ordered = sorted(pages, key=lambda item: -item[1])
    for index, (path, days_ago) in enumerate(ordered):
        when = now - dt.timedelta(days=days_ago, seconds=60 - index)
        profile.record_page_view(path, when.timestamp())
        origin = first if index == 0 else latest
        rows.append(
            Event(
                visitor_id=vid,
                name="page_view",
                path=path,
                timestamp=when,
                medium=origin["medium"],
                source=origin["source"],
                utm_source=origin["utm"].get("utm_source", ""),
                utm_medium=origin["utm"].get("utm_medium", ""),
                utm_campaign=origin["utm"].get("utm_campaign", ""),
                idempotency_key=uuid.uuid4().hex,
            )
        )
    for name, value, days_ago in sorted(events, key=lambda item: -item[2]):
        when = now - dt.timedelta(days=days_ago, seconds=30)
        profile.record_event(name, value, when.timestamp())
        rows.append(
            Event(
                visitor_id=vid,
                name=name,
                value=None if value is None else Decimal(str(value)),
                timestamp=when,
                idempotency_key=uuid.uuid4().hex,
            )
        )
    profile.visit_count = visits if visits is not None else max(1, len(pages))
    Visitor.objects.create(
        id=vid,
        profile=profile.to_dict(),
        visit_count=profile.visit_count,
        page_views=len(pages),
        device_type=device_type,
        country=country,
        region=region,
        city=city,
        email=email,
        traits=traits or {},
        last_seen=now,
    )
    Event.objects.bulk_create(rows)
    return vid
