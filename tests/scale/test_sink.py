"""Event sinks: the buffered one (one Redis round trip per request, never an exception, every
loss counted) and the database one (counts what the ingest reports)."""

from __future__ import annotations

import json
import logging
import time
import uuid

import pytest
from django.db import OperationalError

from personalize import buffer
from personalize.models import Event
from personalize.sinks import BufferedSink
from tests.scale.helpers import batch, event, free_port


def _client(url):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2)


@pytest.mark.redis
def test_appends_each_batch_as_json(buffered, buffer_key, redis_url):
    data = batch(uuid.uuid4(), event(), event("impression", slot="home-hero", variant="x"))
    buffered.emit(data)
    stored = _client(redis_url).lrange(buffer_key, 0, -1)
    assert [json.loads(item) for item in stored] == [data]
    assert buffered.stats.get("buffered") == 2
    assert buffered.stats.get("dropped") == 0


@pytest.mark.redis
def test_full_list_drops_and_counts(buffered, buffer_key, redis_url, settings, caplog):
    settings.PERSONALIZE_BUFFER_MAX_LENGTH = 2
    with caplog.at_level(logging.ERROR, logger="personalize"):
        for _ in range(4):
            buffered.emit(batch(None, event(), event()))
    client = _client(redis_url)
    assert client.llen(buffer_key) == 2
    assert int(client.get(f"{buffer_key}:dropped")) == 2
    assert buffered.stats.get("buffered") == 4
    assert buffered.stats.get("dropped") == 4
    assert sum("the Redis list is full" in r.getMessage() for r in caplog.records) == 1


def test_closed_port_keeps_batches_in_memory(sink_at):
    sink = sink_at(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    sink.emit(batch(None, event()))
    assert time.monotonic() - started < 0.5
    assert sink.pending == 1
    assert sink.stats.get("fallback") == 1
    assert sink.stats.get("dropped") == 0
    assert sink.breaker.is_open


def test_hung_redis_costs_one_timeout_per_retry_interval(sink_at, blackhole, settings):
    settings.PERSONALIZE_BUFFER_SOCKET_TIMEOUT = 0.05
    settings.PERSONALIZE_BUFFER_RETRY_INTERVAL = 60
    sink = sink_at(f"redis://127.0.0.1:{blackhole.port}/0")
    started = time.monotonic()
    sink.emit(batch(None, event()))
    first = time.monotonic() - started
    started = time.monotonic()
    for _ in range(50):
        sink.emit(batch(None, event()))
    rest = time.monotonic() - started
    assert 0.04 <= first < 0.5  # one read timeout
    assert rest < 0.2  # the breaker is open: no request waits
    assert sink.pending == 51
    assert len(blackhole.accepted) == 1


def test_fallback_is_bounded_and_counts_what_it_loses(sink_at, settings, caplog):
    settings.PERSONALIZE_BUFFER_FALLBACK_SIZE = 3
    sink = sink_at(f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.ERROR, logger="personalize"):
        for _ in range(5):
            sink.emit(batch(None, event(), event()))
    assert sink.pending == 3
    assert sink.stats.get("dropped") == 4  # the two oldest batches
    assert sum("in-process queue is full" in r.getMessage() for r in caplog.records) == 1


def test_kept_batches_are_resent_when_redis_is_back(sink_at, private_redis, settings, buffer_key):
    settings.PERSONALIZE_BUFFER_RETRY_INTERVAL = 0.2
    sink = sink_at(private_redis.url)
    private_redis.stop()
    first = [batch(None, event(key=f"a{i}")) for i in range(3)]
    for data in first:
        sink.emit(data)
    assert sink.pending == 3
    private_redis.start()
    time.sleep(0.25)  # the breaker lets one trial call through
    last = batch(None, event(key="b"))
    sink.emit(last)
    stored = [json.loads(item) for item in _client(private_redis.url).lrange(buffer_key, 0, -1)]
    assert stored == [*first, last]  # oldest first
    assert sink.pending == 0
    assert sink.stats.get("resent") == 3
    assert sink.stats.get("buffered") == 4
    assert not sink.breaker.is_open


def test_flush_pending_sends_the_backlog(sink_at, private_redis, settings, buffer_key):
    settings.PERSONALIZE_BUFFER_RETRY_INTERVAL = 0.01
    sink = sink_at(private_redis.url)
    private_redis.stop()
    for _ in range(250):
        sink.emit(batch(None, event()))
    private_redis.start()
    time.sleep(0.02)
    assert sink.flush_pending() == 0
    assert _client(private_redis.url).llen(buffer_key) == 250


def test_without_a_redis_url_events_are_dropped_and_counted(
    settings, monkeypatch, caplog, use_sink
):
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings.PERSONALIZE_BUFFER_REDIS_URL = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    sink = use_sink("personalize.sinks.BufferedSink")
    with caplog.at_level(logging.ERROR, logger="personalize"):
        sink.emit(batch(None, event(), event()))
    assert sink.stats.get("dropped") == 2
    assert "no Redis URL" in caplog.text


def test_unserializable_batch_is_dropped_not_raised(sink_at):
    sink = sink_at(f"redis://127.0.0.1:{free_port()}/0")
    circular: dict = {}
    circular["self"] = circular
    sink.emit({"visitor": {"id": "x"}, "events": [event(properties=circular)]})
    assert sink.stats.get("dropped") == 1


def test_unexpected_errors_never_reach_the_caller(sink_at, monkeypatch):
    sink = sink_at("redis://127.0.0.1:6379/0")
    monkeypatch.setattr(buffer, "get_client", lambda **kw: 1 / 0)
    sink.emit(batch(None, event()))
    assert sink.stats.get("dropped") == 1


def test_redis_url_resolution(settings, monkeypatch):
    settings.PERSONALIZE_BUFFER_REDIS_URL = "redis://explicit:6379/1"
    assert buffer.buffer_url() == "redis://explicit:6379/1"
    settings.PERSONALIZE_BUFFER_REDIS_URL = None
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://cache-a:6379/2,redis://cache-b:6379/2",
        }
    }
    assert buffer.buffer_url() == "redis://cache-a:6379/2"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setenv("REDIS_URL", "redis://from-env:6379/3")
    assert buffer.buffer_url() == "redis://from-env:6379/3"
    monkeypatch.delenv("REDIS_URL")
    assert buffer.buffer_url() is None


def test_circuit_breaker_lets_one_trial_through():
    breaker = buffer.CircuitBreaker()
    assert breaker.allow(0.05)
    breaker.failure(0.05)
    assert not breaker.allow(0.05)
    time.sleep(0.06)
    assert breaker.allow(0.05)  # the trial call
    assert not breaker.allow(0.05)  # others keep out meanwhile
    breaker.success()
    assert breaker.allow(0.05)


def test_sink_is_chosen_by_setting(use_sink):
    from personalize import sinks

    use_sink("personalize.sinks.BufferedSink")
    assert isinstance(sinks.get_sink(), BufferedSink)


def test_empty_event_fields_are_not_buffered_but_facts_are():
    from personalize.services.ingest import _event
    from personalize.sinks import compact

    data = batch(
        None,
        event(referrer="", value=None, properties={}, slot="", path="/x"),
        country="",
    )
    small = compact(data)
    assert small["visitor"]["country"] == ""
    assert set(small["events"][0]) == {"key", "name", "ts", "path"}
    full, trimmed = _event(None, data["events"][0]), _event(None, small["events"][0])
    assert [getattr(full, n) for n in full.__slots__ if n != "timestamp"] == [
        getattr(trimmed, n) for n in trimmed.__slots__ if n != "timestamp"
    ]


# -- the database sink ---------------------------------------------------------------------------
@pytest.fixture
def database_sink():
    from personalize.sinks import DatabaseSink

    return DatabaseSink()


def test_the_database_sink_counts_what_the_ingest_reports(db, database_sink):
    from personalize.services import privacy

    vid = uuid.uuid4()
    first = batch(vid, event(), event("impression"), {"no": "name"})
    database_sink.emit(first)
    assert (database_sink.stats.get("stored"), database_sink.stats.get("skipped")) == (2, 1)
    database_sink.emit(first)  # delivered again: nothing new (and the malformed one again)
    assert (database_sink.stats.get("stored"), database_sink.stats.get("duplicates")) == (2, 2)
    assert database_sink.stats.get("skipped") == 2
    privacy.erase_visitor(vid)
    database_sink.emit(batch(vid, event(), event()))
    assert (database_sink.stats.get("stored"), database_sink.stats.get("skipped")) == (2, 4)
    assert database_sink.stats.get("dropped") == 0
    assert Event.objects.count() == 0


def test_the_database_sink_counts_a_failed_write_as_dropped(db, database_sink, monkeypatch):
    from personalize.services import ingest

    def down(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(ingest, "ingest", down)
    database_sink.emit(batch(uuid.uuid4(), event(), event()))
    database_sink.emit("not a batch")
    assert database_sink.stats.get("dropped") == 2
    assert database_sink.stats.get("stored") == 0
