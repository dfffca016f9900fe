"""Demographic rules: traits and the user account."""

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from personalize.engine.context import ANONYMOUS, UserFacts
from personalize.engine.evaluate import evaluate_segment
from personalize.engine.snapshot import get_snapshot
from personalize.models import Segment
from personalize.rules import TraitRule, UserRule
from tests.rules.conftest import both, field_errors, make_ctx, make_profile


def with_traits(**traits):
    return make_ctx(make_profile(traits=traits))


# -- TraitRule ------------------------------------------------------------------------------
def test_trait_rule_text_operators():
    ctx = with_traits(company="Fairway Golf Ltd", occupation="Teacher", newsletter=True)
    assert TraitRule(key="company", operator="contains", value="golf").evaluate(ctx)
    assert TraitRule(key="occupation", operator="equals", value="teacher").evaluate(ctx)
    assert TraitRule(key="occupation", operator="in", value="nurse, teacher").evaluate(ctx)
    assert TraitRule(key="company", operator="regex", value=r"\bLtd$").evaluate(ctx)
    assert TraitRule(key="newsletter", operator="equals", value="true").evaluate(ctx)
    assert not TraitRule(key="newsletter", operator="equals", value="false").evaluate(ctx)


def test_trait_rule_number_operators():
    ctx = with_traits(age=34, income="55000", score=7.0, vip=True, band="high")
    assert TraitRule(key="age", operator="gte", value="30").evaluate(ctx)
    assert not TraitRule(key="age", operator="lt", value="30").evaluate(ctx)
    assert TraitRule(key="income", operator="gt", value="50000").evaluate(ctx)  # numeric text
    assert TraitRule(key="score", operator="eq", value="7").evaluate(ctx)
    assert TraitRule(key="score", operator="equals", value="7").evaluate(ctx)  # 7.0 reads as 7
    # text that is not a number, and true/false, never compare as numbers
    assert both(TraitRule(key="band", operator="gte", value="1"), ctx) == (False, True)
    assert not TraitRule(key="vip", operator="eq", value="1").evaluate(ctx)


def test_trait_rule_missing_trait():
    ctx = with_traits(first_name="Jeff", empty="")
    for operator, value in (("equals", "x"), ("exists", ""), ("gte", "0"), ("lt", "0")):
        assert both(TraitRule(key="age", operator=operator, value=value), ctx) == (False, True)
    assert not TraitRule(key="empty", operator="exists").evaluate(ctx)  # empty text = not set
    assert TraitRule(key="first_name", operator="exists").evaluate(ctx)
    assert not TraitRule(key="first_name", operator="exists").evaluate(make_ctx())


def test_trait_rule_unusual_stored_values_do_not_match():
    ctx = with_traits(tags=["a", "b"], nested={"x": 1})  # written by older code
    assert not TraitRule(key="tags", operator="contains", value="a").evaluate(ctx)
    assert not TraitRule(key="nested", operator="gte", value="0").evaluate(ctx)


def test_trait_rule_clean():
    assert "key" in field_errors(TraitRule(key="1st", operator="exists"))
    assert "key" in field_errors(TraitRule(key="first name", operator="exists"))
    assert "key" in field_errors(TraitRule(key="", operator="exists"))
    assert field_errors(TraitRule(key="age", operator="gte", value="abc")) == {
        "value": ["Enter a number to compare with."]
    }
    assert "value" in field_errors(TraitRule(key="company", operator="equals", value=""))
    assert "value" in field_errors(TraitRule(key="company", operator="regex", value="[z-a]"))
    rule = TraitRule(key=" age ", operator="gte", value=" 18 ")
    assert field_errors(rule) == {}
    assert (rule.key, rule.value) == ("age", "18")


def test_trait_rule_describe():
    assert TraitRule(key="age", operator="gte", value="18").describe() == (
        'Trait "age" is at least 18'
    )
    assert TraitRule(key="company", operator="contains", value="golf").describe() == (
        'Trait "company" contains "golf"'
    )
    assert TraitRule(key="company", operator="exists", negate=True).describe() == (
        'NOT trait "company" is present'
    )


@given(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=600)),
    st.sampled_from(["equals", "contains", "in", "glob", "exists", "gte", "lt", "eq"]),
)
def test_trait_rule_never_raises(value, operator):
    rule = TraitRule(
        key="x", operator=operator, value="5" if operator in ("gte", "lt", "eq") else "a"
    )
    assert isinstance(rule.evaluate(with_traits(x=value)), bool)


# -- UserRule -------------------------------------------------------------------------------
def facts(**kwargs):
    groups = frozenset(kwargs.pop("groups", ()))
    return UserFacts(is_authenticated=True, groups_loader=lambda: groups, **kwargs)


def test_user_rule_conditions():
    member = make_ctx(user=facts(groups={"Coaches", "Members"}))
    staff = make_ctx(user=facts(is_staff=True))
    root = make_ctx(user=facts(is_staff=True, is_superuser=True))
    anonymous = make_ctx(user=ANONYMOUS)
    assert UserRule(condition="authenticated").evaluate(member)
    assert both(UserRule(condition="authenticated"), anonymous) == (False, True)
    assert UserRule(condition="staff").evaluate(staff)
    assert not UserRule(condition="staff").evaluate(member)
    assert UserRule(condition="superuser").evaluate(root)
    assert not UserRule(condition="superuser").evaluate(staff)
    assert UserRule(condition="group", groups="Members, VIP").evaluate(member)
    assert not UserRule(condition="group", groups="VIP").evaluate(member)
    assert not UserRule(condition="group", groups="Members").evaluate(anonymous)
    assert not UserRule(condition="group", groups="").evaluate(member)


def test_user_rule_reads_groups_only_when_needed():
    calls = []

    def loader():
        calls.append(1)
        return frozenset({"Members"})

    ctx = make_ctx(user=UserFacts(is_authenticated=True, groups_loader=loader))
    assert UserRule(condition="authenticated").evaluate(ctx)
    assert calls == []
    assert UserRule(condition="group", groups="Members").evaluate(ctx)
    assert calls == [1]


@pytest.mark.django_db
def test_user_rule_clean():
    Group.objects.create(name="Members")
    assert field_errors(UserRule(condition="group", groups=" ")) == {
        "groups": ["Name at least one group."]
    }
    assert field_errors(UserRule(condition="group", groups="Members, Ghosts")) == {
        "groups": ["No group named Ghosts."]
    }
    rule = UserRule(condition="group", groups=" Members ,")
    assert field_errors(rule) == {}
    assert rule.groups == "Members"
    assert field_errors(UserRule(condition="staff")) == {}


def test_user_rule_describe():
    assert UserRule(condition="authenticated").describe() == "Is logged in"
    assert UserRule(condition="staff", negate=True).describe() == "NOT is a logged-in staff member"
    assert UserRule(condition="group", groups="Members, VIP").describe() == (
        'Is a logged-in user in group "Members" or "VIP"'
    )


@pytest.mark.django_db
def test_user_rule_through_requests_caches_group_names(client):
    members = Group.objects.create(name="Members")
    user = User.objects.create_user("jeff", password="pw")
    segment = Segment.objects.create(name="Members", slug="members")
    UserRule.objects.create(segment=segment, condition="group", groups="Members")
    client.force_login(user)

    def in_members():
        response = client.get("/guide/")
        return evaluate_segment(response.wsgi_request.visitor.ctx, "members")

    assert in_members() is False
    user.groups.add(members)  # the cached names are forgotten at once
    assert in_members() is True
    get_snapshot()  # warm
    with CaptureQueriesContext(connection) as queries:
        client.get("/guide/").wsgi_request.visitor.in_segment("members")
    assert not [q for q in queries.captured_queries if "auth_group" in q["sql"]]
    user.groups.remove(members)
    assert in_members() is False
