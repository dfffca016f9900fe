"""Behavioral rules: pages viewed, visits, events, recency."""

import datetime as dt

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from personalize.profile import MAX_DAYS
from personalize.rules import EventRule, PageVisitRule, RecencyRule, VisitCountRule
from personalize.rules.behavioral import days_since_previous_visit
from tests.rules.conftest import NOW, both, field_errors, make_ctx, make_profile, model_errors

DAY = 86400
TS = NOW.timestamp()


def browsed(*views):
    """A profile with page views: (path, days ago) pairs."""
    profile = make_profile()
    for path, days_ago in views:
        profile.record_page_view(path, TS - days_ago * DAY)
    return profile


# -- PageVisitRule --------------------------------------------------------------------------
def test_page_visit_rule_counts_matching_views():
    profile = browsed(("/clubs/beginner-set/", 0), ("/clubs/beginner-set/", 0), ("/deals/", 0))
    ctx = make_ctx(profile)
    assert PageVisitRule(path_operator="starts_with", path="/clubs/").evaluate(ctx)
    assert PageVisitRule(path_operator="starts_with", path="/clubs/", count=2).evaluate(ctx)
    assert not PageVisitRule(path_operator="starts_with", path="/clubs/", count=3).evaluate(ctx)
    exactly_once = PageVisitRule(path_operator="equals", path="/deals/", count_operator="eq")
    assert exactly_once.evaluate(ctx)
    never = PageVisitRule(path_operator="starts_with", path="/help/", count_operator="lt")
    assert never.evaluate(ctx)  # fewer than 1 view of /help/: never viewed
    assert both(PageVisitRule(path_operator="starts_with", path="/help/"), ctx) == (False, True)


def test_page_visit_rule_within_days_and_case_sensitivity():
    profile = browsed(("/clubs/", 40), ("/clubs/", 10), ("/clubs/", 0))
    ctx = make_ctx(profile)
    rule = PageVisitRule(path_operator="equals", path="/clubs/", count=2, within_days=30)
    assert rule.evaluate(ctx)
    rule.within_days = 7
    assert not rule.evaluate(ctx)
    rule.within_days = None
    rule.count = 3
    assert rule.evaluate(ctx)
    assert not PageVisitRule(path_operator="equals", path="/CLUBS/").evaluate(ctx)


@pytest.mark.parametrize(
    "rule", [PageVisitRule(path="/clubs/"), EventRule(event="purchase")], ids=type
)
def test_windows_are_limited_to_the_days_profiles_keep(rule):
    rule.within_days = MAX_DAYS
    assert "within_days" not in model_errors(rule)
    rule.within_days = MAX_DAYS + 1
    assert model_errors(rule)["within_days"] == [
        f"Ensure this value is less than or equal to {MAX_DAYS}."
    ]


def test_page_visit_rule_with_no_history():
    assert both(PageVisitRule(path_operator="glob", path="*"), make_ctx()) == (False, True)


def test_page_visit_rule_clean_and_describe():
    assert "path" in field_errors(PageVisitRule(path_operator="regex", path="(a*)*b"))
    assert "path" in field_errors(PageVisitRule(path_operator="equals", path=""))
    rule = PageVisitRule(path_operator="starts_with", path="/clubs/", count=3, within_days=7)
    assert rule.describe() == (
        'Viewed a page whose path starts with "/clubs/" at least 3 times in the last 7 days'
    )
    assert PageVisitRule(path_operator="equals", path="/", within_days=1).describe() == (
        'Viewed a page whose path is "/" at least 1 time in the last day'
    )


# -- VisitCountRule -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("operator", "count", "visits", "expected"),
    [
        ("gte", 2, 2, True),
        ("gte", 2, 1, False),
        ("gt", 2, 2, False),
        ("lte", 1, 1, True),
        ("lt", 1, 0, True),
        ("eq", 1, 1, True),
        ("eq", 1, 3, False),
    ],
)
def test_visit_count_rule(operator, count, visits, expected):
    ctx = make_ctx(make_profile(visit_count=visits))
    assert both(VisitCountRule(operator=operator, count=count), ctx) == (expected, not expected)


def test_visit_count_rule_describe():
    assert VisitCountRule(operator="gte", count=2).describe() == "Made at least 2 visits"
    assert VisitCountRule(operator="eq", count=1, negate=True).describe() == (
        "NOT made exactly 1 visit"
    )


# -- EventRule ------------------------------------------------------------------------------
def shopper(*purchases):
    """A profile with purchases: (value, days ago) pairs."""
    profile = make_profile()
    for value, days_ago in purchases:
        profile.record_event("purchase", value, TS - days_ago * DAY)
    return profile


def test_event_rule_count_sum_and_average():
    ctx = make_ctx(shopper((649, 0), (299, 3)))
    assert EventRule(event="purchase", aggregate="count", value=2).evaluate(ctx)
    assert not EventRule(event="purchase", aggregate="count", value=3).evaluate(ctx)
    assert EventRule(event="purchase", aggregate="sum", operator="eq", value=948).evaluate(ctx)
    assert EventRule(event="purchase", aggregate="avg", operator="gte", value=474).evaluate(ctx)
    assert not EventRule(event="purchase", aggregate="avg", operator="gte", value=500).evaluate(ctx)


def test_event_rule_window():
    ctx = make_ctx(shopper((649, 40), (449, 1)))
    recent_avg = EventRule(event="purchase", aggregate="avg", value=500, within_days=30)
    assert not recent_avg.evaluate(ctx)  # only the 449 purchase is recent
    recent_avg.within_days = None
    assert recent_avg.evaluate(ctx)  # (649 + 449) / 2 = 549
    recent_count = EventRule(event="purchase", aggregate="count", value=2, within_days=30)
    assert not recent_count.evaluate(ctx)


def test_event_rule_missing_events():
    ctx = make_ctx()
    assert both(EventRule(event="purchase", aggregate="count", value=1), ctx) == (False, True)
    # no purchases: the average is unknown, so "average below 500" does not match either
    assert not EventRule(event="purchase", aggregate="avg", operator="lt", value=500).evaluate(ctx)
    assert EventRule(event="purchase", aggregate="count", operator="eq", value=0).evaluate(ctx)


def test_event_rule_clean_and_describe():
    assert "event" in field_errors(EventRule(event="  "))
    assert EventRule(event="purchase", aggregate="count", value=1).describe() == (
        'Triggered "purchase" at least 1 time'
    )
    assert EventRule(event="purchase", aggregate="avg", value=500, within_days=30).describe() == (
        '"purchase" values average at least 500 in the last 30 days'
    )
    assert EventRule(event="purchase", aggregate="sum", operator="gt", value=1000).describe() == (
        '"purchase" values add up to more than 1000'
    )


# -- RecencyRule ----------------------------------------------------------------------------
def returning(gap_days: float, *, visits=2):
    """A visitor in a visit that started now, whose previous visit ended ``gap_days`` ago."""
    return make_profile(
        visit_count=visits,
        visit_started=int(TS),
        last_seen=int(TS),
        prev_visit=int(TS - gap_days * DAY),
    )


def test_recency_rule_in_a_visit_counts_whole_days_since_the_previous_visit():
    ctx = make_ctx(returning(8.5))
    assert days_since_previous_visit(ctx) == 8
    assert RecencyRule(operator="gte", days=7).evaluate(ctx)
    assert RecencyRule(operator="eq", days=8).evaluate(ctx)
    assert not RecencyRule(operator="lt", days=8).evaluate(ctx)
    assert RecencyRule(operator="lte", days=1).evaluate(make_ctx(returning(1.5)))


def test_recency_rule_is_stable_for_the_whole_visit():
    profile = returning(6.9)
    later = NOW + dt.timedelta(minutes=25)
    profile.last_seen = int(later.timestamp())  # still browsing 25 minutes later
    assert not RecencyRule(operator="gte", days=7).evaluate(make_ctx(profile, now=later))


def test_recency_rule_first_time_visitor_has_no_previous_visit():
    first = make_profile(visit_count=1, visit_started=int(TS), last_seen=int(TS))
    ctx = make_ctx(first)
    assert days_since_previous_visit(ctx) is None
    for operator in ("gte", "gt", "lte", "lt", "eq"):
        assert both(RecencyRule(operator=operator, days=0), ctx) == (False, True)
    assert days_since_previous_visit(make_ctx()) is None  # nothing recorded at all


def test_recency_rule_outside_a_visit_measures_from_the_last_visit():
    lapsed = make_profile(
        visit_count=1, visit_started=int(TS - 45 * DAY), last_seen=int(TS - 45 * DAY)
    )
    assert days_since_previous_visit(make_ctx(lapsed)) == 45
    assert RecencyRule(operator="gte", days=30).evaluate(make_ctx(lapsed))


@override_settings(PERSONALIZE_VISIT_TIMEOUT=60)
def test_recency_rule_follows_the_visit_timeout():
    profile = returning(3)
    profile.last_seen = int(TS - 120)  # idle for longer than the one-minute visit timeout
    assert days_since_previous_visit(make_ctx(profile)) == 0


def test_recency_rule_describe():
    assert RecencyRule(operator="gte", days=30).describe() == (
        "Came back after at least 30 days away"
    )
    assert RecencyRule(operator="lt", days=1, negate=True).describe() == (
        "NOT came back after less than 1 day away"
    )


@given(
    visits=st.integers(0, 5),
    last=st.integers(0, 2_000_000_000),
    prev=st.integers(0, 2_000_000_000),
    started=st.integers(0, 2_000_000_000),
)
def test_recency_never_raises_and_is_never_negative(visits, last, prev, started):
    profile = make_profile(
        visit_count=visits, last_seen=last, prev_visit=prev, visit_started=started
    )
    days = days_since_previous_visit(make_ctx(profile))
    assert days is None or days >= 0
