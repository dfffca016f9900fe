"""services.ingest: the single write path, exact under redelivery."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from personalize.models import ErasedVisitor, Event, Visitor
from personalize.services import privacy
from personalize.services.ingest import ingest
from tests.scale.helpers import batch, event

pytestmark = pytest.mark.django_db


def test_creates_visitor_and_counts_page_views_and_visits():
    vid = uuid.uuid4()
    result = ingest(
        [
            batch(
                vid,
                event(new_visit=True),
                event("impression", slot="home-hero", variant="x"),
                device_type="mobile",
                country="GB",
            ),
            batch(vid, event()),
        ]
    )
    assert result.events == 3
    visitor = Visitor.objects.get(pk=vid)
    assert (visitor.page_views, visitor.visit_count) == (2, 1)
    assert (visitor.device_type, visitor.country) == ("mobile", "GB")
    assert Event.objects.filter(visitor=visitor).count() == 3


def test_redelivered_batch_is_stored_and_counted_once():
    vid = uuid.uuid4()
    data = [batch(vid, event(new_visit=True), event(), country="GB")]
    first = ingest(data)
    again = ingest(data)
    assert (first.events, again.events, again.duplicates) == (2, 0, 2)
    visitor = Visitor.objects.get(pk=vid)
    assert (visitor.page_views, visitor.visit_count) == (2, 1)
    assert Event.objects.count() == 2


def test_redelivery_does_not_roll_facts_back():
    vid = uuid.uuid4()
    old = batch(vid, event(), country="GB")
    ingest([old])
    ingest([batch(vid, event(), country="FR")])
    ingest([old])
    assert Visitor.objects.get(pk=vid).country == "FR"


def test_events_of_an_erased_visitor_are_dropped():
    vid = uuid.uuid4()
    ingest([batch(vid, event())])
    privacy.erase_visitor(vid)
    result = ingest([batch(vid, event())])
    assert result.skipped == 1
    assert not Visitor.objects.filter(pk=vid).exists()
    assert ErasedVisitor.objects.count() == 1


def test_large_calls_are_exact_too(settings):
    """Large calls take the bulk path (COPY on PostgreSQL): same results, redelivery included."""
    from personalize.services import bulk

    visitors = [uuid.uuid4() for _ in range(200)]
    data = [batch(v, event(new_visit=True), event(), event("click")) for v in visitors]
    assert 3 * len(data) >= bulk.COPY_THRESHOLD
    if connection.vendor == "postgresql":
        assert bulk.can_copy()  # psycopg 3: the COPY path is the one exercised here
    first = ingest(data)
    again = ingest([*data[:100], batch(visitors[0], event())])
    assert (first.events, again.events, again.duplicates) == (600, 1, 300)
    assert Event.objects.count() == 601
    rows = {v.pk: (v.page_views, v.visit_count) for v in Visitor.objects.all()}
    assert rows[visitors[0]] == (3, 1)
    assert rows[visitors[1]] == (2, 1)


def test_malformed_parts_are_skipped_not_fatal():
    vid = uuid.uuid4()
    result = ingest(
        [
            "not a batch",
            {"visitor": "nope"},
            {"visitor": {"id": "not-an-id"}, "events": [event()]},
            batch(vid, event(), {"no": "name"}, "junk", event(name="x" * 500, path="/\x00p")),
            {"visitor": {"id": vid.hex}, "events": "not a list"},
        ]
    )
    assert result.skipped == 5
    long_name = Event.objects.exclude(name="page_view").get()
    assert (len(long_name.name), long_name.path) == (64, "/p")  # capped, control chars dropped
    assert Event.objects.filter(name="page_view").count() == 1


def test_merged_visitors_events_follow_the_merge():
    person, browser = uuid.uuid4(), uuid.uuid4()
    ingest([batch(person, event()), batch(browser, event())])
    Visitor.objects.filter(pk=browser).update(merged_into=person)
    ingest([batch(browser, event(new_visit=True))])
    assert Visitor.objects.get(pk=person).page_views == 2
    assert Event.objects.filter(visitor_id=person).count() == 2


def test_database_sink_still_writes_in_the_request(use_sink):
    sink = use_sink("personalize.sinks.DatabaseSink")
    vid = uuid.uuid4()
    sink.emit(batch(vid, event(), event("impression")))
    assert sink.stats.get("stored") == 2
    assert Visitor.objects.get(pk=vid).page_views == 1


def test_a_visitor_identified_before_the_drain_keeps_its_first_visit(
    demo, memory_sink, browser, time_machine
):
    """With a buffered sink the identification writes the row before the page views arrive:
    the row is first seen at the first page view, not at the identification."""
    import datetime as dt

    first_visit = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    time_machine.move_to(first_visit, tick=False)
    assert browser.get("/clubs/beginner-set/").status_code == 200
    signed_up = first_visit + dt.timedelta(hours=1)
    time_machine.move_to(signed_up, tick=False)
    response = browser.post("/guide/", {"first_name": "Ann", "email": "ann@example.com"})
    assert response.status_code == 302
    row = Visitor.objects.get(email="ann@example.com")
    assert (row.first_seen, row.last_seen) == (first_visit, signed_up)

    ingest(memory_sink.batches)  # the drain, later
    row.refresh_from_db()
    assert row.first_seen == first_visit
    assert signed_up <= row.last_seen < signed_up + dt.timedelta(seconds=1)
    assert row.page_views == Event.objects.filter(visitor=row, name="page_view").count() >= 1
