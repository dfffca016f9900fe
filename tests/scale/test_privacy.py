"""Erasure: everything goes, and nothing queued can bring the visitor back."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core import signing
from django.core.cache import caches
from django.db import DatabaseError
from django.test import Client

from personalize.models import ErasedVisitor, Event, Membership, Segment, Visitor
from personalize.profile import Profile
from personalize.services import privacy
from personalize.services.ingest import ingest
from personalize.store import get_store, profile_key
from personalize.visitor import COOKIE_SALT
from tests.scale.helpers import batch, event
from tests.services.conftest import cookie_id, linked_unverified

pytestmark = pytest.mark.django_db


def _stored(vid, *events):
    ingest([batch(vid, *(events or [event()]))])


def test_erasure_removes_profile_events_memberships_and_cache(django_capture_on_commit_callbacks):
    vid, other = uuid.uuid4(), uuid.uuid4()
    _stored(vid, event(), event("purchase", value="10"))
    _stored(other)
    segment = Segment.objects.create(name="L", slug="l", kind="static")
    Membership.objects.create(segment=segment, visitor_id=vid)
    get_store().save(Profile.new(vid.hex, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy.erase_visitor(vid) is True
    assert not Visitor.objects.filter(pk=vid).exists()
    assert not Event.objects.filter(visitor_id=vid).exists()
    assert not Membership.objects.exists()
    assert caches["default"].get(profile_key(vid.hex)) is None
    assert Event.objects.filter(visitor_id=other).count() == 1  # nobody else is touched
    assert privacy.is_erased(vid)
    assert not ErasedVisitor.objects.filter(id_hash=vid.hex).exists()  # only a hash is kept


def test_merged_profiles_are_erased_with_it():
    person, phone, tablet = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for vid in (person, phone, tablet):
        _stored(vid)
    Visitor.objects.filter(pk__in=[phone, tablet]).update(merged_into=person)
    privacy.erase_visitor(person)
    assert not Visitor.objects.exists()
    assert all(privacy.is_erased(v) for v in (person, phone, tablet))
    result = ingest([batch(phone, event())])  # a late event of a merged browser
    assert result.skipped == 1
    assert not Visitor.objects.exists()


@pytest.mark.parametrize("given", ["phone", "tablet_of_phone"])
def test_erasing_a_merged_browser_erases_the_whole_person(given):
    person, phone, tablet, stranger = (uuid.uuid4() for _ in range(4))
    for vid in (person, phone, tablet, stranger):
        _stored(vid)
    Visitor.objects.filter(pk=phone).update(merged_into=person)
    Visitor.objects.filter(pk=tablet).update(merged_into=phone)  # merged before phone was
    assert privacy.erase_visitor(phone if given == "phone" else tablet) is True
    assert list(Visitor.objects.values_list("pk", flat=True)) == [stranger]
    assert all(privacy.is_erased(v) for v in (person, phone, tablet))
    assert not privacy.is_erased(stranger)


def test_erasing_twice_is_harmless():
    vid = uuid.uuid4()
    _stored(vid)
    assert privacy.erase_visitor(vid) is True
    assert privacy.erase_visitor(vid) is False
    assert ErasedVisitor.objects.count() == 1


def test_a_queued_event_processed_later_does_not_revive(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 1, tzinfo=dt.UTC), tick=False)
    vid = uuid.uuid4()
    queued = batch(vid, event(), country="GB")
    _stored(vid)
    privacy.erase_visitor(vid)
    time_machine.move_to(dt.datetime(2026, 3, 2, tzinfo=dt.UTC), tick=False)
    ingest([queued])
    assert not Visitor.objects.filter(pk=vid).exists()
    assert not Event.objects.exists()


@pytest.mark.redis
def test_erasure_end_to_end_with_the_buffer(buffered, time_machine):
    """Events in the buffer when the erasure runs are dropped when the worker drains them."""
    from personalize.services import buffer

    time_machine.move_to(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=True)
    vid = uuid.uuid4()
    buffered.emit(batch(vid, event(new_visit=True)))
    buffer.drain()
    assert Visitor.objects.filter(pk=vid).exists()
    buffered.emit(batch(vid, event(), event("purchase", value="20")))  # still queued
    privacy.erase_visitor(vid)
    time_machine.move_to(dt.datetime(2026, 3, 1, 13, tzinfo=dt.UTC), tick=True)
    result = buffer.drain()
    assert (result.events, result.skipped) == (0, 2)
    assert not Visitor.objects.filter(pk=vid).exists()
    assert not Event.objects.filter(visitor_id=vid).exists()


# -- a browser still carrying an erased id ------------------------------------------------------
@pytest.fixture
def page(settings, memory_sink):
    """A page asking about a segment; the sink collects batches, so each query is the load's."""
    settings.ROOT_URLCONF = "tests.scale.urls"
    return memory_sink


def _carrying(value: str) -> Client:
    browser = Client(HTTP_ACCEPT="text/html")
    signer = signing.get_cookie_signer(
        salt=signing._cookie_signer_salt("personalize_vid", COOKIE_SALT)
    )
    browser.cookies["personalize_vid"] = signer.sign(value)
    return browser


@pytest.mark.parametrize("flag", ["", ":u"])
def test_a_browser_carrying_an_erased_id_gets_a_fresh_one(page, flag, django_assert_num_queries):
    erased = uuid.uuid4().hex
    _stored(erased)
    privacy.erase_visitor(erased)
    browser = _carrying(erased + flag)
    browser.get("/vip/")  # builds the snapshot
    page.batches.clear()
    browser = _carrying(erased + flag)
    with django_assert_num_queries(2):  # the profile row, then the tombstone: both miss
        response = browser.get("/vip/")
    renewed = cookie_id(browser)
    assert "personalize_vid" in response.cookies
    assert renewed != erased
    assert not linked_unverified(browser)  # the fresh id is this browser's own
    assert [each["visitor"]["id"] for each in page.batches] == [renewed]
    assert caches["default"].get(profile_key(erased)) is None
    assert caches["default"].get(profile_key(renewed)) is not None
    with django_assert_num_queries(0):  # warm again: no tombstone query
        again = browser.get("/vip/")
    assert "personalize_vid" not in again.cookies
    ingest(page.batches)
    assert not Visitor.objects.filter(pk=erased).exists()
    assert Visitor.objects.filter(pk=renewed).exists()


def test_an_unknown_id_that_was_not_erased_is_kept(page, django_assert_num_queries):
    """E.g. a buffered visitor whose row is not written yet and whose cached profile expired."""
    kept = uuid.uuid4().hex
    browser = _carrying(kept)
    browser.get("/vip/")  # builds the snapshot
    caches["default"].delete(profile_key(kept))
    page.batches.clear()
    with django_assert_num_queries(2):
        response = browser.get("/vip/")
    assert "personalize_vid" not in response.cookies
    assert [each["visitor"]["id"] for each in page.batches] == [kept]


def test_unreadable_tombstones_store_nothing(page, monkeypatch):
    vid = uuid.uuid4().hex

    def down(visitor_id):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(privacy, "is_erased", down)
    response = _carrying(vid).get("/vip/")
    assert response.status_code == 200
    assert "regular" in response.content.decode()
    assert "personalize_vid" not in response.cookies
    assert page.batches == []
    assert caches["default"].get(profile_key(vid)) is None
