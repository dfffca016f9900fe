"""Rebuilding static segments: SQL push-down, Python chunks, diffs, counts, version bump."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import caches
from django.core.management import call_command

from personalize.engine.snapshot import MEMBERSHIP_VERSION_KEY
from personalize.models import (
    DeviceRule,
    EventRule,
    Membership,
    PageVisitRule,
    ReferrerRule,
    Segment,
    SegmentRule,
    Visitor,
)
from personalize.services import segments
from tests.scale.helpers import stored_visitor

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def _members(segment) -> set:
    return set(Membership.objects.filter(segment=segment).values_list("visitor_id", flat=True))


@pytest.fixture
def shoppers(db):
    return {
        "beginner": stored_visitor(
            now=NOW, pages=[("/clubs/beginner-set/", 1)], device_type="mobile"
        ),
        "buyer": stored_visitor(
            now=NOW,
            pages=[("/clubs/", 2), ("/clubs/beginner-set/", 1)],
            events=[("purchase", 499, 1)],
            source={"medium": "search", "source": "google", "referrer_host": "google.com"},
        ),
        "browser": stored_visitor(now=NOW, pages=[("/inspiration/", 0)], device_type="mobile"),
        "idle": stored_visitor(now=NOW),
    }


def _static(slug="list", **kwargs):
    return Segment.objects.create(name=slug, slug=slug, kind="static", **kwargs)


def test_rules_that_push_down_rebuild_in_sql(shoppers, django_assert_max_num_queries):
    segment = _static()
    PageVisitRule.objects.create(segment=segment, path_operator="starts_with", path="/clubs/")
    with django_assert_max_num_queries(20):
        result = segments.rebuild_segment(segment.pk, now=NOW)
    assert result.in_sql
    assert result.evaluated == 0
    assert _members(segment) == {shoppers["beginner"], shoppers["buyer"]}
    segment.refresh_from_db()
    assert (segment.member_count, segment.rebuilt_at) == (2, NOW)
    assert (result.added, result.removed, result.members) == (2, 0, 2)


def test_a_rebuild_applies_the_difference(shoppers):
    segment = _static()
    rule = DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    segments.rebuild_segment(segment.pk, now=NOW)
    assert _members(segment) == {shoppers["beginner"], shoppers["browser"]}
    kept = Membership.objects.get(segment=segment, visitor_id=shoppers["beginner"])
    rule.device_types = ["mobile", "desktop"]
    rule.save()
    Visitor.objects.filter(pk=shoppers["browser"]).update(device_type="tablet")
    result = segments.rebuild_segment(segment.pk, now=NOW)
    assert _members(segment) == {shoppers["beginner"], shoppers["buyer"], shoppers["idle"]}
    assert (result.added, result.removed) == (2, 1)
    assert Membership.objects.get(segment=segment, visitor_id=shoppers["beginner"]).pk == kept.pk


def test_mixed_rules_are_evaluated_in_python_in_chunks(shoppers, settings):
    settings.PERSONALIZE_REBUILD_CHUNK_SIZE = 1
    segment = _static()
    PageVisitRule.objects.create(segment=segment, path_operator="starts_with", path="/clubs/")
    ReferrerRule.objects.create(segment=segment, host_operator="is", host="google.com")
    result = segments.rebuild_segment(segment.pk, now=NOW)
    assert not result.in_sql
    assert result.evaluated == 2  # only the visitors the SQL part lets through
    assert _members(segment) == {shoppers["buyer"]}


def test_match_any_with_python_rules(shoppers, settings):
    settings.PERSONALIZE_REBUILD_CHUNK_SIZE = 3
    segment = _static(match="any")
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    ReferrerRule.objects.create(segment=segment, host_operator="ends_with", host="google.com")
    Membership.objects.create(segment=segment, visitor_id=shoppers["idle"])  # stale
    result = segments.rebuild_segment(segment.pk, now=NOW)
    assert result.evaluated == 4
    assert _members(segment) == {shoppers["beginner"], shoppers["browser"], shoppers["buyer"]}
    assert result.removed == 1


def test_negated_rules(shoppers):
    segment = _static()
    EventRule.objects.create(
        segment=segment, event="purchase", aggregate="count", operator="gte", value=1, negate=True
    )
    segments.rebuild_segment(segment.pk, now=NOW)
    assert _members(segment) == set(shoppers.values()) - {shoppers["buyer"]}


def test_no_rules_means_no_members(shoppers):
    segment = _static()
    Membership.objects.create(segment=segment, visitor_id=shoppers["idle"])
    result = segments.rebuild_segment(segment.pk, now=NOW)
    assert _members(segment) == set()
    assert (result.removed, result.members) == (1, 0)


def test_merged_visitors_are_not_members(shoppers):
    segment = _static()
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    Visitor.objects.filter(pk=shoppers["browser"]).update(merged_into=shoppers["beginner"])
    segments.rebuild_segment(segment.pk, now=NOW)
    assert _members(segment) == {shoppers["beginner"]}


def test_segment_rule_loops_fall_back_to_python_without_hanging(shoppers):
    first = _static("first")
    second = Segment.objects.create(name="second", slug="second")
    SegmentRule.objects.create(segment=first, other_segment=second)
    SegmentRule.objects.create(segment=second, other_segment=first)
    result = segments.rebuild_segment(first.pk, now=NOW)
    assert _members(first) == set()
    assert result.members == 0


def test_dynamic_segments_have_no_list():
    segment = Segment.objects.create(name="live", slug="live")
    with pytest.raises(segments.SegmentNotStatic, match="dynamic"):
        segments.rebuild_segment(segment.pk)


def test_rebuild_bumps_the_membership_version(shoppers, django_capture_on_commit_callbacks):
    cache = caches["default"]
    cache.set(MEMBERSHIP_VERSION_KEY, "before")
    segment = _static()
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    with django_capture_on_commit_callbacks(execute=True):
        segments.rebuild_segment(segment.pk, now=NOW)
    assert cache.get(MEMBERSHIP_VERSION_KEY) != "before"
    cache.set(MEMBERSHIP_VERSION_KEY, "unchanged")
    with django_capture_on_commit_callbacks(execute=True):
        segments.rebuild_segment(segment.pk, now=NOW)  # nothing changed: no bump
    assert cache.get(MEMBERSHIP_VERSION_KEY) == "unchanged"


def test_rebuild_all_static_segments(shoppers):
    mobile = _static("mobile")
    DeviceRule.objects.create(segment=mobile, device_types=["mobile"])
    inactive = _static("inactive", is_active=False)
    DeviceRule.objects.create(segment=inactive, device_types=["mobile"])
    out = io.StringIO()
    call_command("personalize_rebuild_segment", "--all", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("mobile: ")
    assert "inactive" not in out.getvalue()
    assert Membership.objects.filter(segment=inactive).count() == 0


def test_count_members_among_a_base(shoppers):
    dynamic = Segment.objects.create(name="m", slug="m")
    DeviceRule.objects.create(segment=dynamic, device_types=["mobile"])
    base = Visitor.objects.filter(pk__in=[shoppers["beginner"], shoppers["buyer"]])
    snapshot = segments.offline_snapshot()
    assert segments.count_members(dynamic, base, snapshot=snapshot, now=NOW) == 1


def test_match_any_with_only_python_rules(shoppers):
    segment = _static(match="any")
    ReferrerRule.objects.create(segment=segment, host_operator="is", host="google.com")
    result = segments.rebuild_segment(segment.pk, now=NOW)
    assert result.evaluated == 4
    assert _members(segment) == {shoppers["buyer"]}


def test_a_visitor_who_withdrew_consent_leaves_every_list(
    shoppers, django_capture_on_commit_callbacks
):
    from personalize.services.consent import record_consent

    segment = _static()
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    segments.rebuild_segment(segment.pk, now=NOW)
    assert _members(segment) == {shoppers["beginner"], shoppers["browser"]}
    version = caches["default"].get(MEMBERSHIP_VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        assert record_consent(shoppers["browser"], granted=False)
    assert _members(segment) == {shoppers["beginner"]}  # at once, not at the next rebuild
    assert caches["default"].get(MEMBERSHIP_VERSION_KEY) != version
    segments.rebuild_segment(segment.pk, now=NOW)
    assert _members(segment) == {shoppers["beginner"]}  # and no rebuild puts them back
    record_consent(shoppers["browser"], granted=True)
    segments.rebuild_segment(segment.pk, now=NOW)
    assert _members(segment) == {shoppers["beginner"], shoppers["browser"]}
