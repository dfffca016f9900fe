"""Celery tasks: thin, idempotent, queued on commit, never hanging on a dead broker."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from celery import Celery

from personalize import tasks
from personalize.models import DeviceRule, Segment, SegmentDailyStat, Visitor
from personalize.services.ingest import ingest
from tests.scale.helpers import batch, event, free_port

pytestmark = pytest.mark.django_db


def test_rebuild_task_rebuilds_and_tolerates_stale_ids(celery_eager):
    segment = Segment.objects.create(name="M", slug="m", kind="static")
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    Visitor.objects.create(device_type="mobile")
    result = tasks.rebuild_segment.delay(segment.pk).get()
    assert (result["members"], result["in_sql"]) == (1, True)
    assert tasks.rebuild_segment.delay(segment.pk).get()["added"] == 0  # idempotent
    assert tasks.rebuild_segment.delay(999_999).get() is None  # deleted since queued
    Segment.objects.filter(pk=segment.pk).update(kind="dynamic")
    assert tasks.rebuild_segment.delay(segment.pk).get() is None  # made dynamic since


def test_rebuild_static_segments_fans_out(celery_eager, django_capture_on_commit_callbacks):
    for slug in ("a", "b"):
        segment = Segment.objects.create(name=slug, slug=slug, kind="static")
        DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    Segment.objects.create(name="d", slug="d")
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.rebuild_static_segments.delay().get() == 2
    assert set(Segment.objects.filter(kind="static").values_list("member_count", flat=True)) == {0}


def test_stats_purge_and_erase_tasks(celery_eager, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC), tick=False)
    Segment.objects.create(name="s", slug="s")
    vid = uuid.uuid4()
    ingest([batch(vid, event())])
    assert tasks.aggregate_stats.delay("2026-06-15").get() == [
        {"date": "2026-06-15", "segments": 1, "variants": 0}
    ]
    assert SegmentDailyStat.objects.get().visitors == 0
    assert len(tasks.aggregate_stats.delay().get()) == 2
    assert tasks.purge_expired.delay().get()["events"] == 0
    assert tasks.erase_visitor.delay(vid.hex).get() is True
    assert tasks.erase_visitor.delay(vid.hex).get() is False


def test_flush_task_without_redis_is_skipped_not_failed(celery_eager, settings, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings.PERSONALIZE_BUFFER_REDIS_URL = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "skipped" in tasks.flush_events.delay().get()


@pytest.mark.redis
def test_flush_task_drains(celery_eager, buffered):
    buffered.emit(batch(None, event(), event()))
    assert tasks.flush_events.delay().get()["events"] == 2


def test_tasks_are_late_acknowledged_and_retried_on_transient_errors():
    from django.db import OperationalError

    for task in (
        tasks.flush_events,
        tasks.rebuild_segment,
        tasks.aggregate_stats,
        tasks.purge_expired,
        tasks.erase_visitor,
    ):
        assert task.acks_late
        assert OperationalError in task.autoretry_for
    assert tasks.erase_visitor.reject_on_worker_lost


def test_enqueue_waits_for_the_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.purge_expired, "apply_async", lambda **kw: sent.append(kw))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.enqueue(tasks.purge_expired) is None
    assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [(call["args"], call["kwargs"]) for call in sent] == [((), {})]


def _noop():
    return None


@pytest.mark.django_db(transaction=True)
def test_enqueue_with_a_closed_broker_port_fails_fast(monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # it would override the broker
    app = Celery(
        "closed", broker=f"amqp://guest:guest@127.0.0.1:{free_port()}//", set_as_current=False
    )
    app.conf.broker_connection_timeout = 0.3
    task = app.task(name="personalize-tests.noop")(_noop)
    started = time.monotonic()
    assert tasks.enqueue(task) is False
    assert time.monotonic() - started < 0.5


@pytest.mark.django_db(transaction=True)
def test_enqueue_with_a_hung_broker_is_bounded(blackhole, monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # it would override the broker
    app = Celery(
        "hung", broker=f"amqp://guest:guest@127.0.0.1:{blackhole.port}//", set_as_current=False
    )
    app.conf.broker_connection_timeout = 0.3
    task = app.task(name="personalize-tests.noop")(_noop)
    started = time.monotonic()
    assert tasks.enqueue(task) is False
    assert 0.25 < time.monotonic() - started < 1.5  # the connection timeout, once


def test_beat_schedule(settings, monkeypatch):
    settings.PERSONALIZE_BUFFER_FLUSH_INTERVAL = 2
    settings.PERSONALIZE_REBUILD_INTERVAL = 600
    settings.PERSONALIZE_EVENT_SINK = "personalize.sinks.DatabaseSink"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.delenv("REDIS_URL", raising=False)
    schedule = tasks.beat_schedule()
    assert "personalize-flush-events" not in schedule  # no buffer anywhere: nothing to flush
    # a worker that knows the buffer's Redis drains it whatever its own sink setting says
    settings.PERSONALIZE_BUFFER_REDIS_URL = "redis://127.0.0.1:6379/0"
    assert "personalize-flush-events" in tasks.beat_schedule()
    settings.PERSONALIZE_BUFFER_REDIS_URL = ""
    settings.PERSONALIZE_EVENT_SINK = "personalize.sinks.BufferedSink"
    schedule = tasks.beat_schedule()
    flush = schedule["personalize-flush-events"]
    assert (flush["task"], flush["schedule"], flush["options"]["expires"]) == (
        "personalize.tasks.flush_events",
        2.0,
        2.0,
    )
    assert schedule["personalize-rebuild-static-segments"]["schedule"] == 600.0
    registered = set(tasks.flush_events.app.tasks)
    assert {entry["task"] for entry in schedule.values()} <= registered


def test_demo_celery_app_is_wired():
    from demo_site import celery_app

    assert celery_app.main == "demo_site"
    assert "personalize.tasks.flush_events" in celery_app.tasks
    assert "personalize-purge-expired" in celery_app.conf.beat_schedule
    assert tasks.flush_events.app is celery_app
