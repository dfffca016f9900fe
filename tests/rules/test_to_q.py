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
    DeviceRule,
    LanguageRule,
    LocationRule,
    OSRule,
    RecencyRule,
    SampleRule,
    TraitRule,
    UserRule,
    VisitCountRule,
)

NOW = dt.datetime(2025, 6, 11, 12, tzinfo=dt.UTC)


@pytest.fixture
def visitors(db):
    coaches = Group.objects.create(name="Coaches")
    staff = User.objects.create_user("staff", is_staff=True)
    coach = User.objects.create_user("coach")
    coach.groups.add(coaches)
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
    UserRule(condition="authenticated"),
    UserRule(condition="staff"),
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
        if rule.test(context_for_visitor(visitor, now=NOW))
    }
    assert in_database == in_python
    assert in_database, "each case selects somebody"
    assert len(in_database) < len(visitors), "and leaves somebody out"


@pytest.mark.parametrize(
    "rule",
    [
        BrowserRule(browsers=["Chrome"], version_operator="gte", version=100),
        LanguageRule(languages="en", first_choice_only=False),
        TraitRule(key="company", operator="contains", value="golf"),
        RecencyRule(days=7),
        SampleRule(percentage=10),
    ],
    ids=lambda rule: type(rule).__name__,
)
def test_rules_that_need_python_say_so(rule):
    assert rule.to_q(NOW) is None
