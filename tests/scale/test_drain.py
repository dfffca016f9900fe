"""Draining the buffer: at least once, stored exactly once, nothing acknowledged lost."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from django.db import OperationalError

from personalize import buffer
from personalize.models import Event, Visitor
from personalize.services import buffer as drain_service
from personalize.services import ingest as ingest_module
from tests.scale.helpers import batch, event

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def _redis(url):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2)


def _push(client, key, *batches):
    client.rpush(key, *[json.dumps(data) for data in batches])


def test_drains_everything_in_chunks(redis_url, buffer_key, settings):
    settings.PERSONALIZE_BUFFER_BATCH_SIZE = 3
    client = _redis(redis_url)
    visitors = [uuid.uuid4() for _ in range(4)]
    _push(client, buffer_key, *[batch(v, event(new_visit=True), event()) for v in visitors * 2])
    result = drain_service.drain()
    assert (result.batches, result.events, result.chunks) == (8, 16, 3)
    assert Event.objects.count() == 16
    assert {v.page_views for v in Visitor.objects.all()} == {4}
    assert {v.visit_count for v in Visitor.objects.all()} == {2}
    assert client.llen(buffer_key) == 0
    assert client.hlen(f"{buffer_key}:leases") == 0
    assert drain_service.status()["in_flight_chunks"] == 0


def test_end_to_end_from_the_sink(buffered, redis_url, buffer_key):
    vid = uuid.uuid4()
    buffered.emit(batch(vid, event(new_visit=True), country="GB", device_type="mobile"))
    buffered.emit(batch(vid, event("purchase", value="49.90")))
    result = drain_service.drain()
    assert result.events == 2
    visitor = Visitor.objects.get(pk=vid)
    assert (visitor.country, visitor.device_type, visitor.page_views) == ("GB", "mobile", 1)
    assert Event.objects.get(name="purchase").value == Decimal("49.90")


def test_a_drain_killed_after_commit_redelivers_without_double_counting(
    redis_url, buffer_key, settings, monkeypatch
):
    """The worker dies between the commit and the acknowledgement."""
    settings.PERSONALIZE_BUFFER_LEASE_SECONDS = 1
    client = _redis(redis_url)
    vid = uuid.uuid4()
    _push(client, buffer_key, batch(vid, event(new_visit=True), event()), batch(vid, event()))

    class Killed(BaseException):
        pass

    def die(*args, **kwargs):
        raise Killed

    real_pipeline = client.pipeline
    monkeypatch.setattr(buffer, "get_client", lambda **kw: client)
    monkeypatch.setattr(client, "pipeline", die)
    with pytest.raises(Killed):
        drain_service.drain()
    monkeypatch.setattr(client, "pipeline", real_pipeline)
    assert Event.objects.count() == 3  # committed, not acknowledged
    assert client.hlen(f"{buffer_key}:leases") == 1

    assert drain_service.drain().recovered == 0  # the lease is still young
    client.hset(
        f"{buffer_key}:leases", mapping=dict.fromkeys(client.hkeys(f"{buffer_key}:leases"), 0)
    )
    result = drain_service.drain()
    assert result.recovered == 2
    assert (result.events, result.duplicates) == (0, 3)
    assert Event.objects.count() == 3
    visitor = Visitor.objects.get(pk=vid)
    assert (visitor.page_views, visitor.visit_count) == (3, 1)
    assert client.llen(buffer_key) == 0


def test_database_down_puts_the_chunk_back(redis_url, buffer_key, monkeypatch):
    client = _redis(redis_url)
    _push(client, buffer_key, batch(None, event()), batch(None, event()))

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(drain_service, "ingest", down)
    with pytest.raises(OperationalError):
        drain_service.drain()
    assert client.llen(buffer_key) == 2  # back in the list, in order
    assert client.hlen(f"{buffer_key}:leases") == 0
    monkeypatch.setattr(drain_service, "ingest", ingest_module.ingest)
    assert drain_service.drain().events == 2


def test_poison_batches_go_to_the_dead_letter_list(redis_url, buffer_key, monkeypatch):
    client = _redis(redis_url)
    good = batch(None, event())
    client.rpush(buffer_key, b"{not json", json.dumps([1, 2]), json.dumps(good))
    result = drain_service.drain()
    assert (result.events, result.dead) == (1, 2)
    assert client.llen(f"{buffer_key}:dead") == 2
    assert drain_service.status()["dead"] == 2


def test_a_batch_that_breaks_ingest_is_isolated(redis_url, buffer_key, monkeypatch):
    client = _redis(redis_url)
    bad_visitor = uuid.uuid4()
    _push(client, buffer_key, batch(None, event()), batch(bad_visitor, event()))
    real = ingest_module.ingest

    def fragile(batches, **kwargs):
        if any(b["visitor"]["id"] == bad_visitor.hex for b in batches):
            raise ValueError("boom")
        return real(batches, **kwargs)

    monkeypatch.setattr(drain_service, "ingest", fragile)
    result = drain_service.drain()
    assert (result.events, result.dead) == (1, 1)
    assert json.loads(client.lindex(f"{buffer_key}:dead", 0))["visitor"]["id"] == bad_visitor.hex


def test_without_redis_url_drain_says_how_to_configure(settings, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings.PERSONALIZE_BUFFER_REDIS_URL = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with pytest.raises(drain_service.BufferNotConfigured, match="PERSONALIZE_BUFFER_REDIS_URL"):
        drain_service.drain()
