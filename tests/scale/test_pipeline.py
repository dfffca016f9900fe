"""End to end on real services: page views through the demo with the buffered sink, a real
Celery worker process draining Redis into PostgreSQL, a static segment rebuilt by the worker,
and its CSV export. And a worker killed mid-batch losing nothing."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import urllib.parse
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from personalize import tasks
from personalize.models import Event, PageVisitRule, Segment, Visitor
from tests.conftest import DESKTOP
from tests.scale.helpers import Worker, batch, event, wait_for

pytestmark = [
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def _test_database_url() -> str:
    """DATABASE_URL pointing at pytest-django's test database (test_<name>)."""
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _redis():
    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5)


@pytest.fixture
def worker_factory(transactional_db, buffered, buffer_key, settings):
    from django.conf import settings as live

    started = []

    def start(**kwargs):
        worker = Worker(
            database_url=_test_database_url(),
            buffer_key=buffer_key,
            cache_prefix=live.CACHES["default"].get("KEY_PREFIX", ""),
            **kwargs,
        ).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
        worker.delete_queue(tasks.flush_events.app)


def _browse(*paths) -> tuple[Client, uuid.UUID]:
    """A new browser viewing ``paths``; and its visitor id, as the middleware saw it."""
    client = Client(HTTP_USER_AGENT=DESKTOP, HTTP_ACCEPT="text/html")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200
    return client, uuid.UUID(hex=response.wsgi_request.visitor.id)


def test_page_views_reach_postgresql_and_a_static_segment_exports_the_right_visitors(
    worker_factory, buffered, buffer_key
):
    call_command("loaddemo", "--no-admin", verbosity=0)
    beginners = Segment.objects.create(name="Beginner list", slug="beginner-list", kind="static")
    PageVisitRule.objects.create(
        segment=beginners, path_operator="starts_with", path="/clubs/beginner-set/"
    )
    worker = worker_factory()

    ann, ann_id = _browse("/", "/clubs/beginner-set/")
    response = ann.post("/guide/", {"first_name": "Ann", "email": "ann@example.com"})
    assert response.status_code == 302
    _bob, bob_id = _browse("/deals/", "/clubs/", "/clubs/intermediate-set/")
    _cid, cid_id = _browse("/clubs/beginner-set/", "/clubs/beginner-set/")
    _browse("/inspiration/")
    page_views = 2 + 3 + 2 + 1
    assert buffered.stats.get("buffered") >= page_views
    assert Event.objects.count() == 0  # nothing written inside the requests

    tasks.flush_events.apply_async(queue=worker.queue)
    wait_for(
        lambda: Event.objects.filter(name="page_view").count() == page_views,
        message="the worker to drain the buffer\n" + worker.log,
    )
    assert _redis().llen(buffer_key) == 0
    assert Event.objects.filter(name="ebook_download").count() == 1
    assert Visitor.objects.get(pk=bob_id).page_views == 3

    tasks.rebuild_segment.apply_async(args=[beginners.pk], queue=worker.queue)
    wait_for(
        lambda: Segment.objects.get(pk=beginners.pk).rebuilt_at is not None,
        message="the worker to rebuild the segment\n" + worker.log,
    )
    assert Segment.objects.get(pk=beginners.pk).member_count == 2

    out = io.StringIO()
    call_command("personalize_export_segment", "beginner-list", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {row["id"] for row in rows} == {ann_id.hex, cid_id.hex}
    by_id = {row["id"]: row for row in rows}
    assert by_id[ann_id.hex]["email"] == "ann@example.com"
    assert by_id[ann_id.hex]["first_name"] == "Ann"
    assert by_id[cid_id.hex]["email"] == ""


def _locked_events():
    """Hold an EXCLUSIVE lock on the event table from a connection of our own."""
    import psycopg

    settings_dict = connection.settings_dict
    conn = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        password=settings_dict["PASSWORD"] or None,
    )
    conn.execute(f"LOCK TABLE {Event._meta.db_table} IN EXCLUSIVE MODE")
    return conn


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [connection.settings_dict["NAME"]],
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_mid_batch_loses_nothing_acknowledged(
    worker_factory, buffered, buffer_key, settings
):
    """SIGKILL the worker while its chunk waits inside the database transaction."""
    from personalize.services import buffer

    settings.PERSONALIZE_BUFFER_LEASE_SECONDS = 1
    visitors = [uuid.uuid4() for _ in range(25)]
    for vid in visitors:
        buffered.emit(batch(vid, event(new_visit=True), event(), event("purchase", value="5")))
    assert buffered.stats.get("buffered") == 75  # acknowledged by Redis
    worker = worker_factory(lease_seconds=1)
    lock = _locked_events()
    try:
        tasks.flush_events.apply_async(queue=worker.queue)
        client = _redis()
        wait_for(
            lambda: client.llen(buffer_key) == 0 and client.hlen(f"{buffer_key}:leases") == 1,
            message="the worker to claim the chunk\n" + worker.log,
        )
        wait_for(_waiting_on_locks, message="the worker to wait on the lock\n" + worker.log)
        worker.kill(signal.SIGKILL)
    finally:
        lock.rollback()
        lock.close()
    assert worker.process.returncode == -signal.SIGKILL
    status = buffer.status()
    assert (status["waiting"], status["in_flight"]) == (0, 25)  # still in Redis

    def drained():
        result = buffer.drain()  # a new drain re-queues the expired lease
        return Event.objects.count() == 75 and result

    wait_for(drained, timeout=30, interval=0.5, message="the chunk to be re-queued")
    assert buffer.status()["in_flight"] == 0
    assert Event.objects.count() == 75
    for visitor in Visitor.objects.all():
        assert (visitor.page_views, visitor.visit_count) == (2, 1)
    assert Visitor.objects.count() == 25


def test_the_demo_worker_with_beat_drains_the_buffer_by_itself(
    worker_factory, buffered, buffer_key
):
    """``celery -A demo_site worker -B``: no task sent by hand, the demo's schedule flushes."""
    visitors = [uuid.uuid4() for _ in range(10)]
    for vid in visitors:
        buffered.emit(batch(vid, event(new_visit=True), event()))
    worker = worker_factory(beat=True, flush_interval=1)
    wait_for(
        lambda: Event.objects.count() == 20,
        timeout=60,
        message="the beat schedule to drain the buffer\n" + worker.log,
    )
    assert "personalize-flush-events" in worker.log  # sent by the beat, not by this test
    assert _redis().llen(buffer_key) == 0

    buffered.emit(batch(visitors[0], event()))  # and it keeps draining what comes later
    wait_for(
        lambda: Visitor.objects.get(pk=visitors[0]).page_views == 3,
        timeout=60,
        message="the next scheduled flush\n" + worker.log,
    )
    assert Event.objects.count() == 21


def test_an_erasure_run_by_the_worker_is_not_undone_by_queued_events(
    worker_factory, buffered, buffer_key
):
    from personalize.models import ErasedVisitor

    worker = worker_factory()
    vid = uuid.uuid4()
    buffered.emit(batch(vid, event(new_visit=True), country="GB"))
    tasks.flush_events.apply_async(queue=worker.queue)
    wait_for(
        lambda: Visitor.objects.filter(pk=vid).exists(),
        message="the first drain\n" + worker.log,
    )
    buffered.emit(batch(vid, event(), event("purchase", value="20"), country="FR"))
    tasks.erase_visitor.apply_async(args=[vid.hex], queue=worker.queue)
    wait_for(
        lambda: ErasedVisitor.objects.exists() and not Visitor.objects.filter(pk=vid).exists(),
        message="the worker to erase the visitor\n" + worker.log,
    )
    client = _redis()
    assert client.llen(buffer_key) == 1  # the later batch was still queued during the erasure

    tasks.flush_events.apply_async(queue=worker.queue)
    wait_for(
        lambda: len(re.findall(r"flush_events\[[^]]*\] succeeded", worker.log)) == 2,
        message="the worker to drain the queued batch\n" + worker.log,
    )
    assert "'events': 0, 'duplicates': 0, 'skipped': 2" in worker.log
    assert client.llen(buffer_key) == 0
    assert client.hlen(f"{buffer_key}:leases") == 0
    assert not Visitor.objects.filter(pk=vid).exists()
    assert not Event.objects.filter(visitor_id=vid).exists()


def test_a_worker_killed_during_a_large_drain_and_restarted_stores_everything_once(
    worker_factory, buffered, buffer_key, settings
):
    """SIGKILL the worker while it works through a backlog chunk after chunk (some committed,
    one maybe committed but not acknowledged, the rest waiting); a restarted worker with the
    beat schedule stores the rest, each event once and each counter exact."""
    from personalize.services import buffer

    settings.PERSONALIZE_BUFFER_LEASE_SECONDS = 1
    visitors = [uuid.uuid4() for _ in range(500)]
    rounds = 20
    for index in range(rounds):
        for vid in visitors:
            buffered.emit(batch(vid, event(new_visit=index == 0), event()))
    total = 2 * rounds * len(visitors)
    assert buffered.stats.get("buffered") == total  # acknowledged by Redis
    worker = worker_factory(lease_seconds=1, batch_size=100)
    tasks.flush_events.apply_async(queue=worker.queue)
    wait_for(
        lambda: Event.objects.count() >= total // 10,
        timeout=60,
        interval=0.02,
        message="the worker to store the first chunks\n" + worker.log,
    )
    worker.kill(signal.SIGKILL)
    assert worker.process.returncode == -signal.SIGKILL
    status = buffer.status()
    assert status["waiting"] + status["in_flight"] > 0  # killed mid-drain
    assert Event.objects.count() < total

    restarted = worker_factory(lease_seconds=1, batch_size=100, beat=True, flush_interval=1)
    wait_for(
        lambda: Event.objects.count() == total,
        timeout=120,
        interval=0.5,
        message="the restarted worker to drain the rest\n" + restarted.log,
    )
    wait_for(
        lambda: buffer.status()["waiting"] == buffer.status()["in_flight"] == 0,
        message="the buffer to be empty\n" + restarted.log,
    )
    assert Event.objects.count() == total
    assert Event.objects.values("idempotency_key").distinct().count() == total
    assert Visitor.objects.count() == len(visitors)
    counts = set(Visitor.objects.values_list("page_views", "visit_count"))
    assert counts == {(2 * rounds, 1)}
