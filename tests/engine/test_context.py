"""The engine Context: one answer for "has this intent?", and traces of the rules evaluated."""

import datetime as dt

import pytest

from personalize.engine import intent as intent_engine
from personalize.engine.context import Context
from personalize.engine.evaluate import evaluate_segment
from personalize.engine.explain import explain_intent, explain_segment
from personalize.engine.snapshot import get_snapshot
from personalize.models import IntentRule, Rule, UTMRule
from personalize.profile import Profile
from tests.factories import IntentFactory, SegmentFactory, SignalFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)


def ctx_for(utm=None):
    profile = Profile.new("a" * 32, NOW.timestamp())
    profile.source = {"medium": "email", "utm": utm or {}}
    return Context(profile, now=NOW, snapshot=get_snapshot())


@pytest.fixture
def deals():
    intent = IntentFactory(slug="deals", threshold=5)
    signal = SignalFactory(intent=intent, points=10, cap=10)
    return intent, signal


def give_points(ctx, signal, points=10):
    ctx.profile.add_intent_points(signal.key, points, 10, 3600, NOW.timestamp())
    ctx.forget_intents()


def test_has_intent_follows_the_scores_and_is_computed_once(deals, monkeypatch):
    _intent, signal = deals
    ctx = ctx_for()
    calls = []
    real = intent_engine.active_intents
    monkeypatch.setattr(intent_engine, "active_intents", lambda c: calls.append(1) or real(c))
    assert not ctx.has_intent("deals")
    give_points(ctx, signal)
    assert ctx.has_intent("deals")
    assert not ctx.has_intent("inspiration")
    assert ctx.active_intents() == ["deals"]
    assert len(calls) == 2  # once before the points, once after: memoized in between


def test_a_preview_forces_the_intents(deals):
    ctx = ctx_for()
    ctx.forced_intents = ["inspiration"]
    assert ctx.has_intent("inspiration")
    assert not ctx.has_intent("deals")


def test_intent_rule_explain_and_the_template_tag_share_has_intent(deals, rf, monkeypatch):
    intent, _signal = deals
    rule = IntentRule(intent=intent)
    ctx = ctx_for()
    monkeypatch.setattr(Context, "has_intent", lambda self, slug: slug == "deals")
    assert rule.evaluate(ctx)
    assert explain_intent(ctx, "deals")["active"] is True

    from personalize.visitor import CurrentVisitor

    request = rf.get("/")
    request.COOKIES = {}
    visitor = CurrentVisitor(request)
    assert visitor.has_intent("deals")
    assert not visitor.has_intent("inspiration")
    assert visitor.used


def test_explanations_report_the_traces_of_the_evaluation(monkeypatch):
    segment = SegmentFactory(slug="spring-or-sale", match="any")
    first = UTMRule.objects.create(segment=segment, parameter="utm_campaign", value="spring")
    second = UTMRule.objects.create(segment=segment, parameter="utm_campaign", value="sale")
    evaluations = []
    real = UTMRule.evaluate_condition

    def counted(self, context):
        evaluations.append(self.pk)
        return real(self, context)

    monkeypatch.setattr(UTMRule, "evaluate_condition", counted)
    # segments run what the snapshot compiled: here the (counted) evaluate_condition itself
    monkeypatch.setattr(UTMRule, "compile_condition", Rule.compile_condition)
    ctx = ctx_for(utm={"utm_campaign": "spring"})
    assert evaluate_segment(ctx, "spring-or-sale")
    assert ctx.rule_traces == {first.pk: True}  # "any": the first match decided
    explanation = explain_segment(ctx, "spring-or-sale")
    assert [rule["matched"] for rule in explanation["rules"]] == [True, False]
    assert evaluations == [first.pk, second.pk]  # the first rule is not evaluated again
    assert ctx.rule_traces == {first.pk: True, second.pk: False}


def test_explaining_a_segment_without_rules_says_so():
    SegmentFactory(slug="empty")
    explanation = explain_segment(ctx_for(), "empty")
    assert explanation["member"] is False
    assert explanation["rules"] == []
    assert explanation["why"] == "No rules: nobody matches."
