"""``Rule.to_q(now)``: the SQL form selects exactly the visitors the Python form matches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from personalize.engine.evaluate import evaluate_rule
from personalize.engine.offline import ROW_FIELDS, contexts_for_rows, offline_snapshot
from personalize.models import (
    DateRangeRule,
    DayOfWeekRule,
    DeviceRule,
    EventRule,
    LocationRule,
    Membership,
    PageVisitRule,
    QueryParamRule,
    RecencyRule,
    ReferrerRule,
    Segment,
    SegmentRule,
    TimeOfDayRule,
    UTMRule,
    VisitCountRule,
    Visitor,
)
from personalize.rules.matching import glob_regex, match_text
from personalize.rules.sql import window_start
from personalize.services.segments import rule_q
from tests.scale.helpers import stored_visitor

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
EMAIL = {"medium": "email", "utm": {"utm_medium": "email", "utm_campaign": "Spring-Sale"}}
SEARCH = {"medium": "search", "source": "google"}
SOCIAL = {"medium": "social", "source": "facebook", "utm": {"utm_source": "fb"}}


@pytest.fixture
def population(db):
    """Visitors with varied histories, stored both as events and as profiles."""
    return [
        stored_visitor(now=NOW),
        stored_visitor(now=NOW, pages=[("/clubs/", 0)], source=SEARCH),
        stored_visitor(
            now=NOW,
            pages=[("/clubs/beginner-set/", 1), ("/clubs/beginner-set/", 3), ("/deals/", 0)],
            events=[("purchase", 499, 2)],
            source=EMAIL,
            device_type="mobile",
            country="GB",
            region="ENG",
            city="London",
            visits=3,
        ),
        stored_visitor(
            now=NOW,
            pages=[("/clubs/tour-set/", 20), ("/Clubs/", 0), ("/guide/", 0)],
            events=[("purchase", 800, 15), ("purchase", 300, 1), ("ebook_download", None, 0)],
            first_source=EMAIL,
            source=SOCIAL,
            device_type="tablet",
            country="IE",
            visits=2,
        ),
        stored_visitor(
            now=NOW,
            pages=[("/clubs/beginner-set/", 40), ("/help/returns/", 5)],
            events=[("purchase", 200, 40)],
            source=SOCIAL,
            country="gb",
            city="london",
            visits=5,
        ),
        stored_visitor(
            now=NOW,
            pages=[("/compare/", d) for d in (0, 0, 1, 2, 3)],
            source={"medium": "email", "utm": {"utm_medium": "Email"}},
            device_type="mobile",
            country="FR",
        ),
    ]


def _parity(rule, population, *, separates=True):
    """SQL and Python select the same visitors; unless ``separates`` is False (a rule that
    selects everyone or nobody, checked by its caller), some but not all of them, so that the
    comparison could catch either side selecting too much or too little."""
    snapshot = offline_snapshot()
    rule.prepare_for(snapshot)
    condition = rule_q(rule, NOW)
    assert condition is not None, f"{rule.describe()} should push down"
    in_sql = set(Visitor.objects.filter(condition).values_list("pk", flat=True))
    rows = list(Visitor.objects.values(*ROW_FIELDS))
    contexts = contexts_for_rows(rows, snapshot=snapshot, now=NOW)
    in_python = {
        row["pk"] for row, ctx in zip(rows, contexts, strict=True) if evaluate_rule(rule, ctx)
    }
    assert in_sql == in_python, rule.describe()
    if separates:
        assert 0 < len(in_sql) < len(population), f"{rule.describe()}: {len(in_sql)} selected"
    return in_sql


def _segment(**kwargs):
    return Segment.objects.create(
        name=kwargs.get("slug", "s"), slug=kwargs.pop("slug", "s"), **kwargs
    )


PAGE_RULES = [
    dict(path_operator="starts_with", path="/clubs/"),
    dict(path_operator="starts_with", path="/clubs/", count_operator="gte", count=2),
    dict(path_operator="equals", path="/clubs/beginner-set/", count_operator="gte", count=2),
    dict(path_operator="contains", path="set", count_operator="eq", count=1),
    dict(path_operator="ends_with", path="/", count_operator="lt", count=3),
    dict(path_operator="in", path="/deals/, /compare/"),
    dict(path_operator="glob", path="/clubs/*-set/"),
    dict(path_operator="glob", path="/c?mpare/", count_operator="gt", count=4),
    dict(path_operator="exists", path="", count_operator="lte", count=2),
    dict(path_operator="starts_with", path="/clubs/", within_days=7),
    dict(
        path_operator="starts_with", path="/compare/", count_operator="gte", count=3, within_days=2
    ),
    dict(path_operator="starts_with", path="/clubs/", count_operator="eq", count=0),
]


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize("fields", PAGE_RULES)
def test_page_visit_rule(population, fields, negate):
    rule = PageVisitRule(segment=_segment(), negate=negate, **fields)
    _parity(rule, population)


def test_page_visit_rule_is_case_sensitive_like_python(population):
    rule = PageVisitRule(segment=_segment(), path_operator="equals", path="/clubs/")
    assert len(_parity(rule, population)) == 1  # "/Clubs/" does not count


def test_page_visit_regex_stays_in_python(population):
    rule = PageVisitRule(segment=_segment(), path_operator="regex", path=r"^/clubs/\w+")
    assert rule.to_q(NOW) is None


EVENT_RULES = [
    dict(event="purchase", aggregate="count", operator="gte", value=Decimal(1)),
    dict(event="purchase", aggregate="count", operator="gte", value=Decimal(2)),
    dict(event="purchase", aggregate="count", operator="lt", value=Decimal(1)),
    dict(event="purchase", aggregate="count", operator="gte", value=Decimal("1.5")),
    dict(event="purchase", aggregate="count", operator="eq", value=Decimal(0)),
    dict(event="purchase", aggregate="sum", operator="gte", value=Decimal(1000)),
    dict(event="purchase", aggregate="sum", operator="lte", value=Decimal(300)),
    dict(event="purchase", aggregate="avg", operator="gte", value=Decimal(500)),
    dict(event="purchase", aggregate="avg", operator="lt", value=Decimal(500)),
    dict(event="purchase", aggregate="count", operator="gte", value=Decimal(1), within_days=7),
    dict(event="purchase", aggregate="sum", operator="gt", value=Decimal(0), within_days=30),
    dict(event="ebook_download", aggregate="count", operator="gt", value=Decimal(0)),
    dict(event="ebook_download", aggregate="avg", operator="eq", value=Decimal(0)),
]


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize("fields", EVENT_RULES)
def test_event_rule(population, fields, negate):
    _parity(EventRule(segment=_segment(), negate=negate, **fields), population)


def test_big_spenders_select_the_right_visitors(population):
    rule = EventRule(
        segment=_segment(), event="purchase", aggregate="avg", operator="gte", value=500
    )
    assert _parity(rule, population) == {population[3]}  # (800 + 300) / 2 = 550


UTM_RULES = [
    dict(parameter="utm_medium", operator="equals", value="email"),
    dict(parameter="utm_medium", operator="equals", value="email", scope="first"),
    dict(parameter="utm_campaign", operator="contains", value="sale"),
    dict(parameter="utm_source", operator="exists", value=""),
    dict(parameter="utm_medium", operator="in", value="EMAIL, newsletter"),
    dict(parameter="utm_campaign", operator="glob", value="spring-*"),
    dict(parameter="utm_medium", operator="starts_with", value="em"),
]


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize("fields", UTM_RULES)
def test_utm_rule(population, fields, negate):
    _parity(UTMRule(segment=_segment(), negate=negate, **fields), population)


def test_utm_parameters_not_stored_on_events_stay_in_python():
    rule = UTMRule(parameter="utm_term", operator="equals", value="x")
    assert rule.to_q(NOW) is None


REFERRER_RULES = [
    dict(medium="search"),
    dict(medium="email", scope="first"),
    dict(medium="social", source_name="facebook"),
    dict(source_name="google"),
]


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize("fields", REFERRER_RULES)
def test_referrer_rule(population, fields, negate):
    _parity(ReferrerRule(segment=_segment(), negate=negate, **fields), population)


def test_referrer_host_stays_in_python():
    assert ReferrerRule(host_operator="is", host="golf.com").to_q(NOW) is None


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize(
    ("rule_type", "fields"),
    [
        (VisitCountRule, dict(operator="gte", count=3)),
        (VisitCountRule, dict(operator="eq", count=1)),
        (DeviceRule, dict(device_types=["mobile", "tablet"])),
        (LocationRule, dict(countries="GB")),
        (LocationRule, dict(countries="GB, IE", cities="London")),
        (LocationRule, dict(regions="eng, sct")),
    ],
)
def test_visitor_row_rules(population, rule_type, fields, negate):
    _parity(rule_type(segment=_segment(), negate=negate, **fields), population)


@pytest.mark.parametrize("negate", [False, True])
def test_query_parameter_rules_select_nobody_offline(population, negate):
    rule = QueryParamRule(segment=_segment(), parameter="q", operator="exists", negate=negate)
    assert _parity(rule, population, separates=False) == (set(population) if negate else set())


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize(
    ("rule_type", "fields", "now_matches"),
    [
        (DayOfWeekRule, dict(days=["mon"], time_zone="Europe/London"), True),  # NOW: a Monday
        (TimeOfDayRule, dict(start=dt.time(9), end=dt.time(12), time_zone="UTC"), False),
        (DateRangeRule, dict(start_date=dt.date(2026, 6, 1), time_zone="UTC"), True),
    ],
)
def test_clock_rules_select_everyone_or_nobody(population, rule_type, fields, now_matches, negate):
    rule = rule_type(segment=_segment(), negate=negate, **fields)
    selected = _parity(rule, population, separates=False)
    assert selected == (set(population) if now_matches != negate else set())


def test_segment_rule_on_a_static_segment_reads_memberships(population):
    other = _segment(slug="vip", kind="static")
    Membership.objects.create(segment=other, visitor_id=population[2])
    rule = SegmentRule.objects.create(segment=_segment(slug="outer"), other_segment=other)
    assert _parity(rule, population) == {population[2]}


def test_segment_rule_on_a_dynamic_segment_inlines_its_rules(population):
    other = _segment(slug="mobile", match="any")
    DeviceRule.objects.create(segment=other, device_types=["mobile"])
    LocationRule.objects.create(segment=other, countries="IE")
    rule = SegmentRule.objects.create(segment=_segment(slug="outer"), other_segment=other)
    assert _parity(rule, population) == {population[2], population[3], population[5]}


def test_segment_rule_on_an_inactive_segment_matches_nobody(population):
    other = _segment(slug="off", is_active=False)
    DeviceRule.objects.create(segment=other, device_types=["mobile"])
    rule = SegmentRule.objects.create(segment=_segment(slug="outer"), other_segment=other)
    assert _parity(rule, population, separates=False) == set()


def test_segment_rule_on_a_python_only_segment_stays_in_python(population):
    other = _segment(slug="q")
    RecencyRule.objects.create(segment=other, operator="gte", days=7)
    rule = SegmentRule.objects.create(segment=_segment(slug="outer"), other_segment=other)
    assert rule.to_q(NOW) is None


def test_glob_regex_escapes_everything_but_wildcards():
    assert glob_regex("/a.b/*?") == r"^\/a\.b\/.*.$"
    assert glob_regex("**x") == "^.*x$"
    assert match_text("glob", "/a.b/xyz", "/a.b/*?", case_sensitive=True)
    assert not match_text("glob", "/aXb/xyz", "/a.b/*?", case_sensitive=True)
    assert match_text("glob", "(x) [y]+$", "(?) [y]+$", case_sensitive=True)


def test_window_start_matches_the_profile_window():
    assert window_start(NOW, None) is None
    assert window_start(NOW, 1) == dt.datetime(2026, 6, 15, tzinfo=dt.UTC)
    assert window_start(NOW, 7) == dt.datetime(2026, 6, 9, tzinfo=dt.UTC)
