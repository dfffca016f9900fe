"""services.ingest: the single write path, exact under redelivery."""

from __future__ import annotations

import uuid

import pytest

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
