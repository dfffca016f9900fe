"""Fixtures for the tracking-at-scale tests: buffer, tasks, static segments, stats, privacy.

Tests marked ``redis``, ``postgres`` or ``celery`` need the real service named by
``REDIS_URL``, ``DATABASE_URL`` (postgres://) or ``CELERY_BROKER_URL``, and are skipped cleanly
without it. Every test gets a Redis key prefix of its own (``personalize-tests-<pid>-...``), so
parallel runs never share a buffer.
"""

from __future__ import annotations

import os
import uuid

import pytest


def _service_missing(marker: str) -> str | None:
    if marker == "redis" and not os.environ.get("REDIS_URL"):
        return "needs REDIS_URL (a real Redis server)"
    if marker == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return "needs DATABASE_URL=postgres://... (a real PostgreSQL server)"
    if marker == "celery" and not os.environ.get("CELERY_BROKER_URL"):
        return "needs CELERY_BROKER_URL (a real broker)"
    return None


def pytest_runtest_setup(item):
    for marker in ("redis", "postgres", "celery"):
        if item.get_closest_marker(marker) is not None:
            reason = _service_missing(marker)
            if reason:
                pytest.skip(reason)


@pytest.fixture
def buffer_key(settings):
    """A buffer key of this test's own; its Redis keys are deleted afterwards."""
    key = f"personalize-tests-{os.getpid()}-{uuid.uuid4().hex[:8]}:events"
    settings.PERSONALIZE_BUFFER_KEY = key
    yield key
    url = os.environ.get("REDIS_URL")
    if url:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            keys = list(client.scan_iter(match=f"{key}*"))
            if keys:
                client.delete(*keys)
        except redis.RedisError:
            pass
        finally:
            client.close()


@pytest.fixture
def redis_url(settings, buffer_key):
    settings.PERSONALIZE_BUFFER_REDIS_URL = os.environ["REDIS_URL"]
    return os.environ["REDIS_URL"]


@pytest.fixture
def buffered(redis_url, use_sink):
    """The buffered sink on the real Redis, fresh for this test."""
    return use_sink("personalize.sinks.BufferedSink")


@pytest.fixture
def blackhole():
    from tests.scale.helpers import Blackhole

    server = Blackhole()
    yield server
    server.close()


@pytest.fixture
def private_redis():
    """A redis-server of this test's own (skipped when redis-server is not installed)."""
    import shutil

    from tests.scale.helpers import RedisServer

    if not shutil.which("redis-server"):
        pytest.skip("needs the redis-server program")
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def sink_at(settings, buffer_key, use_sink):
    """``sink_at(url)``: a fresh buffered sink writing to ``url``."""

    def make(url):
        settings.PERSONALIZE_BUFFER_REDIS_URL = url
        return use_sink("personalize.sinks.BufferedSink")

    return make


@pytest.fixture
def celery_eager():
    """Run tasks in-process even when CELERY_BROKER_URL names a real broker."""
    from celery import current_app

    conf = current_app.conf
    saved = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield current_app
    conf.task_always_eager, conf.task_eager_propagates = saved
