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
