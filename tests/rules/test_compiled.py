"""Compiled checks: what segment evaluation runs answers exactly like ``Rule.evaluate``."""

from types import SimpleNamespace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from personalize.rules import (
    DeviceRule,
    PageVisitRule,
    QueryParamRule,
    ReferrerRule,
    SegmentRule,
    TimeOfDayRule,
    UTMRule,
)
from personalize.rules.base import Rule, compile_check
from personalize.rules.matching import NumberOperator, TextOperator, compare_number, number_matcher
from personalize.tracking.devices import Device
from personalize.tracking.referrer import classify
from tests.rules.conftest import NOW, both, compiled, make_ctx, make_profile

DAY = 86400

# Patterns for every operator, a few unusable ones among them (stored around validation).
patterns = st.sampled_from(
    ["spring", "Spring", "spr", "ing", "spring,sale", "s*g", "^s.r", "(", ""]
)
text_operators = st.sampled_from([*TextOperator.values, "no-such-operator"])
subjects = st.one_of(st.none(), st.sampled_from(["spring", "SPRING", "sale", "", "spring sale"]))


def agree(rule, ctx) -> None:
    """``rule`` and its negation answer the same compiled as evaluated (or both raise)."""
    for negate in (False, True):
        rule.negate = negate
        try:
            expected = rule.evaluate(ctx)
        except Exception:
            with pytest.raises(Exception):  # noqa: B017 - whatever the reference raises
                compiled(rule, ctx)
        else:
            assert compiled(rule, ctx) == expected, (rule.__dict__, negate)


def visit(query=None, referrer="", first=None, **profile_fields):
    source = classify(referrer, query or {}, request_host="fairway.test")
    profile = make_profile(source=source.as_dict(), **profile_fields)
    if first is not None:
        profile.first_source = classify("", first, request_host="fairway.test").as_dict()
    return make_ctx(profile, query=query or {})


@given(
    operator=text_operators,
    value=patterns,
    campaign=subjects,
    first=subjects,
    scope=st.sampled_from(["visit", "first"]),
)
def test_utm_rule(operator, value, campaign, first, scope):
    query = {"utm_campaign": campaign} if campaign is not None else {}
    first_query = {"utm_campaign": first} if first is not None else None
    ctx = visit(query, first=first_query)
    rule = UTMRule(parameter="utm_campaign", operator=operator, value=value, scope=scope)
    agree(rule, ctx)


@given(operator=text_operators, value=patterns, subject=subjects)
def test_query_param_rule(operator, value, subject):
    ctx = make_ctx(query={"ref": subject} if subject is not None else {})
    agree(QueryParamRule(parameter="ref", operator=operator, value=value), ctx)


@given(
    medium=st.sampled_from(["", "search", "social", "referral", "direct"]),
    source_name=st.sampled_from(["", "google", "facebook"]),
    host_operator=st.sampled_from(["", "is", "ends_with"]),
    host=st.sampled_from(["", "golfdigest.com", "news.golfdigest.com", "google.com"]),
    referrer=st.sampled_from(
        [
            "",
            "https://www.google.com/",
            "https://news.golfdigest.com/a",
            "https://notgolfdigest.com/",
            "https://l.facebook.com/",
        ]
    ),
    scope=st.sampled_from(["visit", "first"]),
)
# The host cases the random draw seldom combines (about one draw in 450 each): a longer host
# that merely ends with the same letters is not a subdomain; a subdomain is one for "ends with"
# only.
@example("", "", "ends_with", "golfdigest.com", "https://notgolfdigest.com/", "visit")
@example("", "", "ends_with", "golfdigest.com", "https://news.golfdigest.com/a", "visit")
@example("", "", "is", "golfdigest.com", "https://news.golfdigest.com/a", "visit")
def test_referrer_rule(medium, source_name, host_operator, host, referrer, scope):
    rule = ReferrerRule(
        medium=medium, source_name=source_name, host_operator=host_operator, host=host, scope=scope
    )
    agree(rule, visit(referrer=referrer))


@given(
    path_operator=text_operators,
    path=st.sampled_from(["/clubs/", "/CLUBS/", "/clubs/*", "(", "/deals/"]),
    count_operator=st.sampled_from([*NumberOperator.values, "zz"]),
    count=st.integers(0, 4),
    within_days=st.sampled_from([None, 0, 1, 7]),
    views=st.lists(
        st.tuples(st.sampled_from(["/clubs/a/", "/deals/", "/Clubs/b/"]), st.integers(0, 10)),
        max_size=5,
    ),
)
# Views inside and outside the window, which the random draw seldom pairs with a path that
# matches them and a count they decide.
@example("starts_with", "/clubs/", "gte", 1, 7, [("/clubs/a/", 10)])
@example("glob", "/clubs/*", "eq", 1, 1, [("/clubs/a/", 0), ("/clubs/a/", 2)])
def test_page_visit_rule(path_operator, path, count_operator, count, within_days, views):
    profile = make_profile()
    for page, days_ago in views:
        profile.record_page_view(page, NOW.timestamp() - days_ago * DAY)
    rule = PageVisitRule(
        path_operator=path_operator,
        path=path,
        count_operator=count_operator,
        count=count,
        within_days=within_days,
    )
    agree(rule, make_ctx(profile))


@pytest.mark.parametrize("device_types", [["mobile"], ["desktop", "tablet"], [], None])
@pytest.mark.parametrize("device_type", ["mobile", "desktop", "tablet", ""])
def test_device_rule(device_types, device_type):
    agree(DeviceRule(device_types=device_types), make_ctx(device=Device(type=device_type)))


@pytest.mark.parametrize("known", [True, False])
@pytest.mark.parametrize("member", [True, False])
def test_segment_rule(known, member):
    snapshot = SimpleNamespace(segment_slugs={7: "fans"} if known else {}, segments={})
    ctx = make_ctx(snapshot=snapshot)
    ctx.segment_results["fans"] = member
    agree(SegmentRule(other_segment_id=7), ctx)


@given(actual=st.integers(-3, 3), expected=st.sampled_from([0, 1, 2.5, "2", "x", None]))
def test_number_matcher_answers_like_compare_number(actual, expected):
    for operator in NumberOperator.values:
        assert number_matcher(operator, expected)(actual) == compare_number(
            operator, actual, expected
        )


def test_a_time_rule_keeps_its_own_evaluate():
    """An unknown time zone matches nobody, negated or not: the rule's ``evaluate`` decides."""
    rule = TimeOfDayRule(time_zone="Mars/Olympus_Mons", negate=True)
    ctx = make_ctx()
    assert both(rule, ctx) == (False, False)
    assert compile_check(rule) == (rule.evaluate, False)


class _Type:
    """A stand-in rule type with Rule's ``evaluate`` and a compiled condition of its own."""

    evaluate = Rule.evaluate
    negate = False

    def evaluate_condition(self, ctx):
        return "reference"

    def compile_condition(self):
        return lambda ctx: "compiled"


class _Overriding(_Type):
    """A subclass that changes the condition but not how it compiles."""

    def evaluate_condition(self, ctx):
        return "override"


class _Plain:
    """A type with only ``evaluate_condition``, as third-party types are written."""

    evaluate = Rule.evaluate
    compile_condition = Rule.compile_condition
    negate = True

    def evaluate_condition(self, ctx):
        return None  # not a bool: ``None != True`` is what evaluate answers


def test_a_subclass_overriding_evaluate_condition_is_not_hidden_by_a_compiled_condition():
    condition, negate = compile_check(_Type())
    assert (condition(None), negate) == ("compiled", False)
    condition, _negate = compile_check(_Overriding())
    assert condition(None) == "override"
    plain = _Plain()
    condition, negate = compile_check(plain)
    assert condition == plain.evaluate_condition
    assert bool(condition(None) != negate) is True  # as ``evaluate`` answers
