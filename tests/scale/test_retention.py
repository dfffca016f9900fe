"""The retention purge, tested by travelling in time."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.cache import caches
from django.utils import timezone

from personalize.engine.snapshot import MEMBERSHIP_VERSION_KEY
from personalize.models import (
    ErasedVisitor,
    Event,
    Membership,
    Segment,
    SegmentDailyStat,
    VariantDailyStat,
    Visitor,
)
from personalize.profile import Profile
from personalize.services import privacy, retention
from personalize.services.ingest import ingest
from personalize.store import get_store, profile_key
from tests.scale.helpers import batch, event

pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 1, 10, 12, tzinfo=dt.UTC)


def test_events_and_idle_visitors_past_retention_go(time_machine, settings):
    settings.PERSONALIZE_RETENTION_DAYS = 30
    settings.PERSONALIZE_PURGE_CHUNK_SIZE = 2  # several chunks
    time_machine.move_to(START, tick=False)
    old, regular, customer = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ingest([batch(v, *[event() for _ in range(3)]) for v in (old, regular, customer)])
    Visitor.objects.filter(pk=customer).update(email="jeff@example.com", profile={"n": 3})
    segment = Segment.objects.create(name="L", slug="l", kind="static")
    Membership.objects.create(segment=segment, visitor_id=old)

    time_machine.move_to(START + dt.timedelta(days=20), tick=False)
    ingest([batch(regular, event(ts=timezone.now().timestamp()))])
    assert retention.purge().events == 0

    time_machine.move_to(START + dt.timedelta(days=31), tick=False)
    result = retention.purge()
    assert result.events == 9
    assert result.visitors == 1  # the idle anonymous one
    assert result.profiles_cleared == 1
    assert not Visitor.objects.filter(pk=old).exists()
    assert not Membership.objects.exists()
    assert Event.objects.filter(visitor_id=regular).count() == 1  # the recent one stays
    customer_row = Visitor.objects.get(pk=customer)
    assert (customer_row.email, customer_row.profile) == ("jeff@example.com", {})
    assert retention.purge().as_dict() == retention.PurgeResult().as_dict()  # idempotent


def test_tombstones_and_stats_have_their_own_periods(time_machine, settings):
    settings.PERSONALIZE_RETENTION_DAYS = 30
    settings.PERSONALIZE_STATS_RETENTION_DAYS = 90
    time_machine.move_to(START, tick=False)
    privacy.erase_visitor(uuid.uuid4())
    segment = Segment.objects.create(name="S", slug="s")
    SegmentDailyStat.objects.create(date=START.date(), segment=segment, visitors=1)
    VariantDailyStat.objects.create(date=START.date(), slot="s", variant="v")

    time_machine.move_to(START + dt.timedelta(days=31), tick=False)
    result = retention.purge()
    assert (result.tombstones, result.stats) == (1, 0)
    assert not ErasedVisitor.objects.exists()

    time_machine.move_to(START + dt.timedelta(days=91), tick=False)
    assert retention.purge().stats == 2


def test_purged_profiles_leave_the_cache_one_delete_many_per_chunk(
    time_machine, settings, monkeypatch
):
    settings.PERSONALIZE_RETENTION_DAYS = 30
    settings.PERSONALIZE_PURGE_CHUNK_SIZE = 2
    settings.PERSONALIZE_PROFILE_TTL = 365 * 24 * 3600  # cached profiles outlive retention
    time_machine.move_to(START, tick=False)
    idle = [uuid.uuid4() for _ in range(3)]
    customer, regular = uuid.uuid4(), uuid.uuid4()
    everyone = [*idle, customer, regular]
    ingest([batch(vid, event()) for vid in everyone])
    Visitor.objects.filter(pk=customer).update(email="jeff@example.com", profile={"n": 3})
    store = get_store()
    for vid in everyone:
        store.save(Profile.new(vid.hex, START.timestamp()))

    time_machine.move_to(START + dt.timedelta(days=20), tick=False)
    ingest([batch(regular, event(ts=timezone.now().timestamp()))])
    time_machine.move_to(START + dt.timedelta(days=31), tick=False)
    cache = caches["default"]
    calls = []
    delete_many = cache.delete_many
    monkeypatch.setattr(cache, "delete_many", lambda keys: calls.append(keys) or delete_many(keys))
    result = retention.purge()
    assert (result.visitors, result.profiles_cleared) == (3, 1)
    purged = {*idle, customer}
    assert sorted(len(keys) for keys in calls) == [1, 1, 2]  # two chunks of idle ones, the customer
    assert {key for keys in calls for key in keys} == {profile_key(vid.hex) for vid in purged}
    assert [vid for vid in everyone if cache.get(profile_key(vid.hex)) is not None] == [regular]


def test_a_purged_visitor_detaches_merged_profiles_and_announces_its_memberships(
    time_machine, settings, django_capture_on_commit_callbacks
):
    settings.PERSONALIZE_RETENTION_DAYS = 30
    time_machine.move_to(START, tick=False)
    idle, recent = uuid.uuid4(), uuid.uuid4()
    ingest([batch(idle, event())])
    segment = Segment.objects.create(name="L", slug="l", kind="static")
    Membership.objects.create(segment=segment, visitor_id=idle)
    time_machine.move_to(START + dt.timedelta(days=31), tick=False)
    ingest([batch(recent, event(ts=timezone.now().timestamp()))])
    Visitor.objects.filter(pk=recent).update(merged_into=idle)
    version = caches["default"].get(MEMBERSHIP_VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.purge().visitors == 1
    assert Visitor.objects.get().merged_into is None  # the recent profile stays, on its own
    assert caches["default"].get(MEMBERSHIP_VERSION_KEY) != version  # profiles re-read theirs
