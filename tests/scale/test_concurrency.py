"""Concurrent writers on PostgreSQL: counters exact, nothing stored or counted twice."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from personalize.models import Event, Visitor
from personalize.services import privacy
from personalize.services.ingest import ingest
from tests.scale.helpers import batch, event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(count, work):
    errors = []
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait()
            work(index)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_the_same_batches_ingested_by_several_workers_count_once():
    visitors = [uuid.uuid4() for _ in range(20)]
    batches = [batch(v, event(new_visit=True), event(), event("click")) for v in visitors]
    _in_threads(4, lambda _i: ingest(batches))
    assert Event.objects.count() == 60
    assert {v.page_views for v in Visitor.objects.all()} == {2}
    assert {v.visit_count for v in Visitor.objects.all()} == {1}


def test_different_batches_of_one_visitor_add_up_exactly():
    vid = uuid.uuid4()

    def work(index):
        for _ in range(10):
            ingest([batch(vid, event(), event())])

    _in_threads(4, work)
    assert Visitor.objects.get(pk=vid).page_views == 80
    assert Event.objects.count() == 80


def test_erasure_racing_ingestion_leaves_nothing_behind():
    vid = uuid.uuid4()
    ingest([batch(vid, event())])

    def work(index):
        if index == 0:
            privacy.erase_visitor(vid)
        else:
            for _ in range(5):
                ingest([batch(vid, event(), event())])

    _in_threads(3, work)
    assert not Visitor.objects.filter(pk=vid).exists()
    assert not Event.objects.filter(visitor_id=vid).exists()
