"""Offline contexts: one builder, and the answers the request path and SQL give."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.test import RequestFactory

from personalize.engine.offline import (
    ROW_FIELDS,
    context_for_row,
    context_for_visitor,
    contexts_for_rows,
    profile_from_row,
)
from personalize.engine.snapshot import get_snapshot
from personalize.engine.users import user_facts
from personalize.models import Membership, Visitor
from personalize.rules import DeviceRule, UserRule
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 11, 12, tzinfo=dt.UTC)


@pytest.fixture
def accounts(db):
    coaches = Group.objects.create(name="Coaches")
    staff = User.objects.create_user("staff", is_staff=True)
    staff.groups.add(coaches)
    retired = User.objects.create_user("retired", is_staff=True, is_active=False)
    retired.groups.add(coaches)
    boss = User.objects.create_superuser("boss", "boss@example.com", "pw")
    plain = User.objects.create_user("plain")
    return {"staff": staff, "retired": retired, "boss": boss, "plain": plain}


def facts(user):
    return (user.is_authenticated, user.is_staff, user.is_superuser, user.user_id, user.groups)


def offline_contexts(visitor):
    """Both ways offline evaluation sees a visitor: its model instance, and its row."""
    row = Visitor.objects.values(*ROW_FIELDS).get(pk=visitor.pk)
    [from_row] = contexts_for_rows([row], snapshot=get_snapshot(), now=NOW)
    return context_for_visitor(visitor, now=NOW), from_row


def test_an_account_tells_rules_the_same_online_and_offline(accounts):
    expected = {
        "staff": (True, True, False, accounts["staff"].pk, frozenset({"Coaches"})),
        "retired": (False, False, False, None, frozenset()),  # inactive: no account
        "boss": (True, True, True, accounts["boss"].pk, frozenset()),
        "plain": (True, False, False, accounts["plain"].pk, frozenset()),
    }
    for name, user in accounts.items():
        visitor = Visitor.objects.create(user=user)
        request = RequestFactory().get("/")
        request.user = user
        assert facts(user_facts(request)) == expected[name], name
        for ctx in offline_contexts(visitor):
            assert facts(ctx.user) == expected[name], name


def test_a_visitor_without_an_account_is_anonymous_offline(db):
    for ctx in offline_contexts(Visitor.objects.create()):
        assert facts(ctx.user) == (False, False, False, None, frozenset())


def test_an_unknown_device_stays_unknown_offline(db):
    visitor = Visitor.objects.create(device_type="", browser="", os="")
    for ctx in offline_contexts(visitor):
        assert ctx.device.type == ""
        assert not DeviceRule(device_types=["desktop"]).evaluate(ctx)
    mobile = Visitor.objects.create(device_type="mobile", browser="Safari", os="iOS")
    for ctx in offline_contexts(mobile):
        assert (ctx.device.type, ctx.device.browser, ctx.device.os) == ("mobile", "Safari", "iOS")


@pytest.mark.parametrize(
    "rule",
    [
        UserRule(condition="authenticated"),
        UserRule(condition="staff"),
        UserRule(condition="superuser"),
        UserRule(condition="group", groups="Coaches"),
        DeviceRule(device_types=["desktop"]),
    ],
    ids=lambda rule: rule.describe(),
)
def test_sql_and_both_offline_builders_agree(accounts, rule):
    for index, user in enumerate([None, *accounts.values()]):
        Visitor.objects.create(user=user, device_type="desktop" if index % 2 else "")
    in_database = set(Visitor.objects.filter(rule.to_q(NOW)).values_list("pk", flat=True))
    rows = list(Visitor.objects.values(*ROW_FIELDS))
    from_rows = contexts_for_rows(rows, snapshot=get_snapshot(), now=NOW)
    assert {row["pk"] for row, ctx in zip(rows, from_rows, strict=True) if rule.evaluate(ctx)} == (
        in_database
    )
    from_instances = {
        visitor.pk
        for visitor in Visitor.objects.select_related("user")
        if rule.evaluate(context_for_visitor(visitor, now=NOW))
    }
    assert from_instances == in_database
    assert 0 < len(in_database) < len(rows)


def test_a_chunk_of_rows_costs_two_queries(accounts, django_assert_num_queries):
    static = SegmentFactory(slug="list", kind="static")
    for user in accounts.values():
        Membership.objects.create(segment=static, visitor=Visitor.objects.create(user=user))
    rows = list(Visitor.objects.values(*ROW_FIELDS))
    snapshot = get_snapshot()
    with django_assert_num_queries(2):  # the chunk's memberships, and its accounts
        contexts = contexts_for_rows(rows, snapshot=snapshot, now=NOW)
    assert [ctx.profile.static for ctx in contexts] == [["list"]] * 4


def test_the_row_is_the_record_of_traits_account_and_visits():
    vid = uuid.uuid4()
    stored = {"id": vid.hex, "n": 2, "tr": {"first_name": "Jeff"}, "u": None}
    row = {"pk": vid, "profile": stored, "traits": {"company": "Fairway"}, "user_id": 7}
    row["visit_count"] = 5
    profile = profile_from_row(row)
    assert profile.id == vid.hex
    assert profile.traits == {"company": "Fairway", "first_name": "Jeff"}
    assert (profile.user_id, profile.visit_count) == (7, 5)
    ctx = context_for_row(row, snapshot=None, now=NOW)
    assert ctx.profile.traits == profile.traits
    assert ctx.path == ""
