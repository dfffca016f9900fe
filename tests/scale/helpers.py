"""Helpers of the tracking-at-scale tests."""

from __future__ import annotations

import contextlib
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


class Worker:
    """A real ``celery -A demo_site worker`` process on a queue of its own."""

    def __init__(
        self,
        *,
        database_url,
        buffer_key,
        cache_prefix,
        lease_seconds=300,
        batch_size=2000,
        beat=False,
        flush_interval=5.0,
    ):
        """``beat``: run the beat scheduler in the worker (``-B``), with the schedule the demo's
        Celery app wires, flushing every ``flush_interval`` seconds."""
        import os

        self.queue = f"personalize-tests-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.beat = beat
        self.schedule_dir = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.scale.worker_settings",
            "DATABASE_URL": database_url,
            "PERSONALIZE_TEST_BUFFER_KEY": buffer_key,
            "PERSONALIZE_TEST_QUEUE": self.queue,
            "PERSONALIZE_TEST_CACHE_PREFIX": cache_prefix,
            "PERSONALIZE_TEST_LEASE_SECONDS": str(lease_seconds),
            "PERSONALIZE_TEST_BATCH_SIZE": str(batch_size),
            "PERSONALIZE_TEST_FLUSH_INTERVAL": str(flush_interval),
            "PYTHONUNBUFFERED": "1",
        }
        self.process = None
        self.lines: list[str] = []

    def start(self, timeout=60.0):
        import pathlib
        import subprocess
        import sys
        import threading

        root = pathlib.Path(__file__).resolve().parents[2]
        self.env["PYTHONPATH"] = str(root)
        beat = []
        if self.beat:
            import tempfile

            self.schedule_dir = tempfile.TemporaryDirectory(prefix="personalize-beat-")
            beat = ["--beat", "--schedule", f"{self.schedule_dir.name}/schedule"]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "demo_site",
                "worker",
                "--pool=solo",
                "--queues",
                self.queue,
                "--hostname",
                f"{self.queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                *beat,
            ],
            cwd=root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        ready = threading.Event()

        def read():
            for line in self.process.stdout:
                self.lines.append(line)
                if " ready." in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(timeout):
            self.kill()
            raise RuntimeError("the Celery worker did not start:\n" + "".join(self.lines))
        return self

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def kill(self, sig=None):
        import os
        import signal

        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig or signal.SIGKILL)
            self.process.wait(timeout=30)
        if not self.process.stdout.closed:
            self.process.stdout.close()
        if self.schedule_dir is not None:
            self.schedule_dir.cleanup()
            self.schedule_dir = None

    def stop(self):
        import signal
        import subprocess

        try:
            self.kill(signal.SIGTERM)
        except subprocess.TimeoutExpired:
            self.kill()

    def delete_queue(self, app):
        try:
            with app.connection_for_write() as conn:
                conn.default_channel.queue_delete(self.queue)
        except Exception:  # the broker cleans up unused queues eventually; not a test failure
            pass


def wait_for(condition, timeout=30.0, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")
