"""EventSink.deliver: the sink takes a batch now or says so, for clients that can retry."""

from __future__ import annotations

import uuid

import pytest

from personalize.sinks import DatabaseSink, SinkUnavailable
from tests.scale.helpers import MemorySink, batch, event, free_port


@pytest.mark.django_db
def test_the_database_sink_raises_on_deliver_and_counts_a_loss_on_emit(monkeypatch):
    from django.db import OperationalError

    from personalize.services import ingest

    def down(*args, **kwargs):
        raise OperationalError("down")

    monkeypatch.setattr(ingest, "ingest", down)
    sink = DatabaseSink()
    with pytest.raises(SinkUnavailable) as caught:
        sink.deliver(batch(uuid.uuid4(), event(), event()))
    assert caught.value.retry_after == 5
    assert sink.stats.get("dropped") == 0  # not lost: the caller's client sends it again
    sink.emit(batch(uuid.uuid4(), event(), event()))  # never raises
    assert sink.stats.get("dropped") == 2


def test_a_buffer_that_is_down_refuses_and_keeps_nothing(sink_at, settings):
    settings.PERSONALIZE_BUFFER_RETRY_INTERVAL = 12
    sink = sink_at(f"redis://127.0.0.1:{free_port()}/0")
    for _attempt in range(2):  # a failing call, then the open circuit breaker
        with pytest.raises(SinkUnavailable) as caught:
            sink.deliver(batch(None, event()))
        assert caught.value.retry_after == 12
    assert sink.breaker.is_open
    assert sink.pending == 0
    assert sink.stats.get("refused") == 2
    assert sink.stats.get("fallback") == 0
    sink.emit(batch(None, event()))  # pages still fall back to memory
    assert sink.pending == 1


def test_without_a_redis_url_the_buffer_refuses(sink_at, monkeypatch):
    from personalize import buffer

    sink = sink_at(None)
    monkeypatch.setattr(buffer, "buffer_url", lambda: None)
    with pytest.raises(SinkUnavailable):
        sink.deliver(batch(None, event()))
    assert sink.stats.get("refused") == 1


@pytest.mark.redis
def test_deliver_pushes_and_a_full_list_refuses(buffered, settings):
    buffered.deliver(batch(uuid.uuid4(), event()))
    assert buffered.stats.get("buffered") == 1
    settings.PERSONALIZE_BUFFER_MAX_LENGTH = 1
    with pytest.raises(SinkUnavailable):
        buffered.deliver(batch(uuid.uuid4(), event(), event()))
    assert buffered.stats.get("refused") == 2
    assert buffered.stats.get("dropped") == 0


def test_a_sink_without_deliver_takes_the_batch_through_emit():
    sink = MemorySink()
    data = batch(None, event())
    sink.deliver(data)
    assert sink.batches == [data]
