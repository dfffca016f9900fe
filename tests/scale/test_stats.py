"""Daily statistics: exact per day, and recomputing a day replaces it."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from personalize.models import (
    DeviceRule,
    Event,
    Membership,
    Segment,
    SegmentDailyStat,
    VariantDailyStat,
    Visitor,
)
from personalize.services import stats

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 15)


def at(hour, minute=0, day=DAY):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _visitor(**fields):
    return Visitor.objects.create(**fields)


def _event(visitor, name, when, **fields):
    return Event.objects.create(
        visitor=visitor, name=name, timestamp=when, idempotency_key=uuid.uuid4().hex, **fields
    )


def _row(slot, variant, day=DAY):
    return VariantDailyStat.objects.get(date=day, slot=slot, variant=variant)


@pytest.fixture
def traffic(db):
    a, b, c = _visitor(), _visitor(), _visitor()
    # a: sees the upsell twice, clicks, then buys twice
    _event(a, "impression", at(9), slot="home-hero", variant="upsell")
    _event(a, "impression", at(15), slot="home-hero", variant="upsell")
    _event(a, "click", at(9, 1), slot="home-hero", variant="upsell")
    _event(a, "purchase", at(9, 5), value=Decimal("499.00"))
    _event(a, "purchase", at(16), value=Decimal("100.50"))
    # b: bought before seeing the upsell: not a conversion of it
    _event(b, "purchase", at(8), value=Decimal("50"))
    _event(b, "impression", at(10), slot="home-hero", variant="upsell")
    # c: in the control group, converts
    _event(c, "impression", at(11), slot="home-hero", variant="control")
    _event(c, "conversion", at(12))
    # the next day does not count
    _event(c, "impression", at(1, day=DAY + dt.timedelta(days=1)), slot="home-hero", variant="x")
    return a, b, c


def test_variant_figures(traffic):
    result = stats.aggregate_day(DAY)
    assert result.variants == 2
    upsell = _row("home-hero", "upsell")
    assert (upsell.impressions, upsell.visitors, upsell.clicks) == (3, 2, 1)
    assert (upsell.conversions, upsell.conversion_value) == (1, Decimal("599.50"))
    assert upsell.conversion_rate == 0.5
    control = _row("home-hero", "control")
    assert (control.impressions, control.visitors, control.conversions) == (1, 1, 1)
    assert control.conversion_value == Decimal("0.00")


def test_recomputing_a_day_replaces_it(traffic):
    stats.aggregate_day(DAY)
    a = traffic[0]
    _event(a, "impression", at(20), slot="home-promo", variant="app-promo")
    stats.aggregate_day(DAY)
    stats.aggregate_day(DAY)
    assert VariantDailyStat.objects.filter(date=DAY).count() == 3
    assert _row("home-hero", "upsell").impressions == 3


def test_conversion_events_are_configurable(traffic, settings):
    settings.PERSONALIZE_CONVERSION_EVENTS = ["conversion"]
    stats.aggregate_day(DAY)
    assert _row("home-hero", "upsell").conversions == 0
    assert _row("home-hero", "control").conversions == 1
    settings.PERSONALIZE_CONVERSION_EVENTS = []
    stats.aggregate_day(DAY)
    assert _row("home-hero", "control").conversions == 0


def test_days_follow_the_configured_time_zone(db, settings):
    settings.PERSONALIZE_TIME_ZONE = "Europe/London"  # UTC+1 in June
    visitor = _visitor()
    _event(visitor, "impression", at(23, 30, DAY - dt.timedelta(days=1)), slot="s", variant="v")
    stats.aggregate_day(DAY)
    assert _row("s", "v").impressions == 1
    assert stats.day_bounds(DAY)[0] == at(23, 0, DAY - dt.timedelta(days=1))


def test_variant_figures_cost_one_query(traffic, settings, django_assert_num_queries):
    start, end = stats.day_bounds(DAY)
    with django_assert_num_queries(1):
        rows = stats.variant_rows(None, start, end)
    assert rows[("home-hero", "upsell")] == {
        "impressions": 3,
        "visitors": 2,
        "clicks": 1,
        "conversions": 1,
        "value": Decimal("599.50"),
    }
    with django_assert_num_queries(1):
        assert list(stats.variant_rows("home-promo", start, end)) == []
    settings.PERSONALIZE_CONVERSION_EVENTS = []
    with django_assert_num_queries(1):
        rows = stats.variant_rows("home-hero", start, end)
    assert rows[("home-hero", "control")]["conversions"] == 0
    assert rows[("home-hero", "upsell")]["impressions"] == 3


def test_the_api_and_the_daily_statistics_agree(traffic, settings, admin_client):
    settings.PERSONALIZE_TIME_ZONE = "Europe/London"  # UTC+1 in June: the day starts at 23:00
    a = traffic[0]
    _event(a, "impression", at(23, 30, DAY - dt.timedelta(days=1)), slot="home-hero", variant="x")
    _event(a, "impression", at(23, 30), slot="home-hero", variant="upsell")  # the next day
    stats.aggregate_day(DAY)
    body = admin_client.get(
        "/personalize/api/stats/", {"since": DAY.isoformat(), "until": DAY.isoformat()}
    ).json()
    served = {
        (slot["slot"], v["variant"]): (
            v["impressions"],
            v["visitors"],
            v["clicks"],
            v["conversions"],
        )
        for slot in body["slots"]
        for v in slot["variants"]
    }
    stored = {
        (row.slot, row.variant): (row.impressions, row.visitors, row.clicks, row.conversions)
        for row in VariantDailyStat.objects.filter(date=DAY)
    }
    assert served == stored
    # 23:30 UTC the day before is the day in London (and a bought later); 01:00 UTC after is not
    assert served[("home-hero", "x")] == (1, 1, 0, 1)
    assert served[("home-hero", "upsell")] == (3, 2, 1, 1)


def test_segment_figures(traffic):
    a, b, c = traffic
    Visitor.objects.filter(pk__in=[a.pk, b.pk]).update(device_type="mobile")
    mobile = Segment.objects.create(name="Mobile", slug="mobile")
    DeviceRule.objects.create(segment=mobile, device_types=["mobile"])
    vip = Segment.objects.create(name="VIP", slug="vip", kind="static", member_count=2)
    Membership.objects.create(segment=vip, visitor=c)
    Membership.objects.create(segment=vip, visitor=_visitor())  # a member, inactive today
    Segment.objects.create(name="Off", slug="off", is_active=False)
    result = stats.aggregate_day(DAY)
    assert result.segments == 2
    assert SegmentDailyStat.objects.get(segment=mobile).visitors == 2
    assert (SegmentDailyStat.objects.get(segment=vip).visitors, vip.member_count) == (1, 2)
    assert SegmentDailyStat.objects.get(segment=vip).members == 2
    assert SegmentDailyStat.objects.get(segment=mobile).members is None


def test_segment_figures_read_rules_once_however_many_segments(traffic):
    """The rules come from the definitions loaded for the aggregation, not again per segment."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rule_table = DeviceRule._meta.db_table

    def rule_reads() -> int:
        with CaptureQueriesContext(connection) as queries:
            stats.aggregate_day(DAY)
        return sum(rule_table in query["sql"] for query in queries)

    def add_segment(n: int) -> None:
        segment = Segment.objects.create(name=f"Mobile {n}", slug=f"mobile-{n}")
        DeviceRule.objects.create(segment=segment, device_types=["mobile"])

    add_segment(0)
    one = rule_reads()
    for n in range(1, 5):
        add_segment(n)
    assert rule_reads() == one


def test_aggregate_recent_covers_yesterday_and_today(db, time_machine):
    time_machine.move_to(at(12), tick=False)
    results = stats.aggregate_recent()
    assert [r.date for r in results] == [DAY - dt.timedelta(days=1), DAY]
