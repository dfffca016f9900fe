"""``to_q``: rules that can be answered from ``Visitor`` columns agree with Python evaluation.

Static segments and size estimates push these down to the database; a rule whose ``Q`` and
``test`` disagreed would put different visitors on an e-mail list than on the site. Runs on
SQLite by default and on PostgreSQL with ``DATABASE_URL``.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User

from personalize.engine.offline import context_for_visitor
from personalize.models import Visitor
from personalize.rules import (
    BrowserRule,
    DateRangeRule,
    DayOfWeekRule,
    DeviceRule,
    LandingPageRule,
    LanguageRule,
    LocationRule,
    OSRule,
    QueryParamRule,
    RecencyRule,
    SampleRule,
    TimeOfDayRule,
    TraitRule,
    UserRule,
    VisitCountRule,
)

NOW = dt.datetime(2025, 6, 11, 12, tzinfo=dt.UTC)


@pytest.fixture
def visitors(db):
    coaches = Group.objects.create(name="Coaches")
    staff = User.objects.create_user("staff", is_staff=True, is_superuser=True)
    coach = User.objects.create_user("coach")
    coach.groups.add(coaches)
    # a deactivated account is logged out for rules, whatever its flags and groups
    gone = User.objects.create_user("gone", is_active=False, is_staff=True, is_superuser=True)
    gone.groups.add(coaches)
    rows = [
        dict(
            visit_count=1,
            device_type="mobile",
            browser="Safari",
            os="iOS",
            country="GB",
            language="en-gb",
            traits={"company": "Fairway"},
        ),
        dict(
            visit_count=3,
            device_type="desktop",
            browser="Chrome",
            os="Windows",
            country="US",
            language="en",
            traits={"company": ""},
            user=staff,
        ),
        dict(
            visit_count=7,
            device_type="tablet",
            browser="Firefox",
            os="Android",
            country="FR",
            language="fr-fr",
            traits={},
            user=coach,
        ),
        dict(
            visit_count=0,
            device_type="desktop",
            browser="",
            os="",
            country="",
            language="",
            traits={"age": 40},
        ),
        dict(visit_count=2, device_type="mobile", browser="Chrome", os="iOS", user=gone),
    ]
    return [Visitor.objects.create(last_seen=NOW, **row) for row in rows]


RULES = [
    VisitCountRule(operator="gte", count=3),
    VisitCountRule(operator="eq", count=1),
    VisitCountRule(operator="lt", count=1),
    DeviceRule(device_types=["mobile", "tablet"]),
    LocationRule(countries="GB, FR"),
    BrowserRule(browsers=["Chrome", "Safari"]),
    OSRule(systems=["Android"]),
    LanguageRule(languages="en"),
    LanguageRule(languages="fr-fr, de"),
    TraitRule(key="company", operator="exists"),
    TraitRule(key="age", operator="exists"),
    TraitRule(key="company", operator="equals", value="FAIRWAY"),
    TraitRule(key="age", operator="gte", value="18"),
    UserRule(condition="authenticated"),
    UserRule(condition="staff"),
    UserRule(condition="superuser"),
    UserRule(condition="group", groups="Coaches"),
]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.describe())
def test_to_q_agrees_with_python(visitors, rule):
    q = rule.to_q(NOW)
    assert q is not None
    in_database = set(Visitor.objects.filter(q).values_list("pk", flat=True))
    in_python = {
        visitor.pk
        for visitor in Visitor.objects.select_related("user")
        if rule.evaluate(context_for_visitor(visitor, now=NOW))
    }
    assert in_database == in_python
    assert in_database, "each case selects somebody"
    assert len(in_database) < len(visitors), "and leaves somebody out"
    negated = set(Visitor.objects.filter(~q).values_list("pk", flat=True))
    assert negated == {visitor.pk for visitor in visitors} - in_python


# -- rules that read only the request or the clock: everyone or nobody -----------------------
# NOW is Wednesday 2025-06-11 12:00 UTC: 13:00 in London, Thursday 00:00 in Auckland.
# Each case: the rule, whether it selects everyone, and whether its negation does.
CONSTANT_RULES = [
    (TimeOfDayRule(start=dt.time(11), end=dt.time(13), time_zone="UTC"), True, False),
    (TimeOfDayRule(start=dt.time(13), end=dt.time(14), time_zone="Europe/London"), True, False),
    (TimeOfDayRule(start=dt.time(22), end=dt.time(2), time_zone="Europe/London"), False, True),
    (DayOfWeekRule(days=["wed"], time_zone="UTC"), True, False),
    (DayOfWeekRule(days=["thu"], time_zone="Pacific/Auckland"), True, False),
    (DayOfWeekRule(days=["sat", "sun"], time_zone="UTC"), False, True),
    (DateRangeRule(start_date=dt.date(2025, 6, 1), end_date=dt.date(2025, 6, 30)), True, False),
    (DateRangeRule(end_date=dt.date(2025, 6, 10), time_zone="UTC"), False, True),
    (  # the start is included
        DateRangeRule(
            start_date=dt.date(2025, 6, 11), start_time=dt.time(13), time_zone="Europe/London"
        ),
        True,
        False,
    ),
    # an unusable time zone: nobody, negated or not
    (TimeOfDayRule(start=dt.time(0), end=dt.time(23), time_zone="Nowhere/Land"), False, False),
    # nothing to compare (a half-filled rule): anywhere
    (LocationRule(), True, False),
    # offline there is no current request, hence no query string
    (QueryParamRule(parameter="q", operator="exists"), False, True),
    (QueryParamRule(parameter="sort", operator="equals", value="price"), False, True),
]


@pytest.mark.parametrize(
    ("rule", "everyone", "negated_everyone"),
    CONSTANT_RULES,
    ids=[case[0].describe() for case in CONSTANT_RULES],
)
def test_rules_of_the_request_or_the_clock_select_everyone_or_nobody(
    visitors, rule, everyone, negated_everyone
):
    all_pks = {visitor.pk for visitor in visitors}
    for negate, expected in ((False, everyone), (True, negated_everyone)):
        rule.negate = negate
        q = rule.to_q(NOW)  # the condition itself: negate is applied to the Q, as rule_q does
        in_database = set(Visitor.objects.filter(~q if negate else q).values_list("pk", flat=True))
        in_python = {
            visitor.pk
            for visitor in Visitor.objects.select_related("user")
            if rule.evaluate(context_for_visitor(visitor, now=NOW))
        }
        assert in_database == in_python
        assert in_python == (all_pks if expected else set())
    rule.negate = False


@pytest.mark.parametrize(
    "rule",
    [
        BrowserRule(browsers=["Chrome"], version_operator="gte", version=100),
        LanguageRule(languages="en", first_choice_only=False),
        TraitRule(key="company", operator="regex", value="golf"),
        RecencyRule(days=7),
        SampleRule(percentage=10),
        LandingPageRule(path="/guide/"),
    ],
    ids=lambda rule: type(rule).__name__,
)
def test_rules_that_need_python_say_so(rule):
    assert rule.to_q(NOW) is None


# -- TraitRule: every operator, on every kind of value a trait can hold ---------------------
TRAIT_VALUES = [
    "Fairway Golf",
    "fairway golf",
    "",
    "  ",
    "42",
    " 7.5 ",
    "1e3",
    "-3",
    "forty",
    "1_000",
    "NaN",
    "Infinity",
    "12345678901234567890",
    42,
    40.0,
    7.25,
    -3,
    0,
    0.30000000000000004,
    True,
    False,
    None,
    ["golf"],
    {"a": 1},
]

TRAIT_RULES = [
    *(
        TraitRule(key="x", operator=operator, value=value)
        for operator, value in [
            ("equals", "fairway golf"),
            ("equals", "42"),
            ("equals", "40"),
            ("equals", "40.0"),
            ("equals", "7.25"),
            ("equals", "true"),
            ("equals", "FALSE"),
            ("equals", "0.30000000000000004"),
            ("contains", "golf"),
            ("contains", "2"),
            ("contains", "."),
            ("starts_with", "fair"),
            ("starts_with", "4"),
            ("starts_with", "-"),
            ("ends_with", "GOLF"),
            ("ends_with", "5"),
            ("ends_with", "ue"),
            ("in", "42, true, forty, 0"),
            ("in", "Fairway Golf, 7.25, 1e3"),
            ("glob", "fair*"),
            ("glob", "4?"),
            ("glob", "*.*"),
            ("glob", "t*e"),
            ("exists", ""),
        ]
    ),
    *(
        TraitRule(key="x", operator=operator, value=value)
        for operator in ("gte", "gt", "lte", "lt", "eq")
        for value in ("42", "7.5", "0", "-3", "1000", "0.3")
    ),
]


@pytest.fixture
def trait_holders(db):
    visitors = [
        Visitor.objects.create(last_seen=NOW, traits={"x": value}) for value in TRAIT_VALUES
    ]
    visitors.append(Visitor.objects.create(last_seen=NOW, traits={}))
    visitors.append(Visitor.objects.create(last_seen=NOW, traits={"other": "42"}))
    return visitors


@pytest.mark.parametrize("rule", TRAIT_RULES, ids=lambda rule: rule.describe())
def test_trait_rule_to_q_reads_values_like_python(trait_holders, rule):
    q = rule.to_q(NOW)
    in_python = {
        visitor.pk
        for visitor in Visitor.objects.all()
        if rule.evaluate(context_for_visitor(visitor, now=NOW))
    }
    assert set(Visitor.objects.filter(q).values_list("pk", flat=True)) == in_python
    # negating the Q selects exactly the other visitors (no SQL NULL in between)
    everyone = set(Visitor.objects.values_list("pk", flat=True))
    assert set(Visitor.objects.filter(~q).values_list("pk", flat=True)) == everyone - in_python


def test_trait_rule_cases_are_not_trivial(trait_holders):
    matched = [Visitor.objects.filter(rule.to_q(NOW)).count() for rule in TRAIT_RULES]
    assert all(count < len(trait_holders) for count in matched)
    assert sum(1 for count in matched if count) > len(TRAIT_RULES) * 3 // 4
