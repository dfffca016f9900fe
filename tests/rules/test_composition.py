"""Composition rules: segment membership (with cycles), intents, stable random samples."""

import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personalize.engine.evaluate import evaluate_segment
from personalize.engine.snapshot import get_snapshot
from personalize.models import Intent, IntentSignal, PageVisitRule, Segment
from personalize.rules import IntentRule, SampleRule, SegmentRule
from tests.rules.conftest import (
    NOW,
    both,
    field_errors,
    form_errors,
    make_ctx,
    make_profile,
    segment_admin_post,
)

TS = NOW.timestamp()


def segment(slug, **fields):
    return Segment.objects.create(name=slug.title(), slug=slug, **fields)


# -- SegmentRule ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_segment_rule_member_and_not_member():
    clubs = segment("clubs")
    PageVisitRule.objects.create(segment=clubs, path_operator="starts_with", path="/clubs/")
    fans = segment("fans")
    SegmentRule.objects.create(segment=fans, other_segment=clubs)
    strangers = segment("strangers")
    SegmentRule.objects.create(segment=strangers, other_segment=clubs, negate=True)
    snapshot = get_snapshot()

    visitor = make_profile()
    visitor.record_page_view("/clubs/", TS)
    assert evaluate_segment(make_ctx(visitor, snapshot=snapshot), "fans")
    assert not evaluate_segment(make_ctx(visitor, snapshot=snapshot), "strangers")
    assert not evaluate_segment(make_ctx(snapshot=snapshot), "fans")
    assert evaluate_segment(make_ctx(snapshot=snapshot), "strangers")


@pytest.mark.django_db
def test_segment_rule_to_an_inactive_or_unprepared_segment_does_not_match():
    off = segment("off", is_active=False)
    PageVisitRule.objects.create(segment=off, path_operator="glob", path="*")
    rule = SegmentRule.objects.create(segment=segment("on"), other_segment=off)
    visitor = make_profile()
    visitor.record_page_view("/", TS)
    assert not evaluate_segment(make_ctx(visitor, snapshot=get_snapshot()), "on")
    assert both(SegmentRule(other_segment=off), make_ctx()) == (False, True)  # never prepared
    assert rule.describe() == 'Is a member of segment "Off"'


@pytest.mark.django_db
def test_segment_rule_clean_rejects_itself_and_cycles():
    a, b, c = segment("a"), segment("b"), segment("c")
    SegmentRule.objects.create(segment=b, other_segment=a)
    SegmentRule.objects.create(segment=c, other_segment=b)
    assert field_errors(SegmentRule(segment=a, other_segment=a)) == {
        "other_segment": ["A segment cannot contain itself."]
    }
    errors = field_errors(SegmentRule(segment=a, other_segment=c))  # a -> c -> b -> a
    assert errors == {
        "other_segment": ["This would make a cycle: that segment already depends on this one."]
    }
    assert field_errors(SegmentRule(segment=c, other_segment=a)) == {}  # a diamond is fine


@pytest.mark.django_db
def test_segment_admin_form_shows_the_cycle_error(admin_client):
    a, b = segment("a"), segment("b")
    SegmentRule.objects.create(segment=b, other_segment=a)
    response = segment_admin_post(admin_client, a, [(SegmentRule, {"other_segment": b.pk})])
    assert response.status_code == 200  # the form again, not a redirect
    assert form_errors(response) == [
        "This would make a cycle: that segment already depends on this one."
    ]
    assert not SegmentRule.objects.filter(segment=a).exists()

    response = segment_admin_post(admin_client, a, [(SegmentRule, {"other_segment": a.pk})])
    assert form_errors(response) == ["A segment cannot contain itself."]

    c = segment("c")
    response = segment_admin_post(admin_client, a, [(SegmentRule, {"other_segment": c.pk})])
    assert response.status_code == 302
    assert SegmentRule.objects.filter(segment=a, other_segment=c).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("match", ["all", "any"])
def test_a_cycle_stored_through_the_orm_evaluates_as_not_matching(match):
    a, b = segment("a", match=match), segment("b", match=match)
    SegmentRule.objects.create(segment=a, other_segment=b)  # clean() bypassed
    SegmentRule.objects.create(segment=b, other_segment=a)
    c = segment("c")
    SegmentRule.objects.create(segment=c, other_segment=c)
    snapshot = get_snapshot()
    for slug in ("a", "b", "c"):
        assert evaluate_segment(make_ctx(snapshot=snapshot), slug) is False
    ctx = make_ctx(snapshot=snapshot)
    assert [evaluate_segment(ctx, slug) for slug in ("b", "a", "c")] == [False, False, False]


@pytest.mark.django_db
def test_a_cycle_does_not_break_the_page(client):
    from personalize.models import Slot, Variant

    a, b = segment("a"), segment("b")
    SegmentRule.objects.create(segment=a, other_segment=b)
    SegmentRule.objects.create(segment=b, other_segment=a)
    slot = Slot.objects.create(key="home-hero", name="Hero")
    Variant.objects.create(slot=slot, name="A", slug="for-a", segment=a, priority=10)
    response = client.get("/")
    assert response.status_code == 200
    assert b'data-personalize-slot="home-hero" data-personalize-variant="default"' in (
        response.content
    )


# -- IntentRule -----------------------------------------------------------------------------
@pytest.fixture
def intents(db):
    deal = Intent.objects.create(slug="deal-seeking", name="Deal seeking", threshold=10)
    deal_page = IntentSignal.objects.create(
        intent=deal, kind="page_path", operator="starts_with", pattern="/deals/", points=6, cap=12
    )
    calm = Intent.objects.create(slug="calm", name="Calm", threshold=5)
    calm_page = IntentSignal.objects.create(
        intent=calm, kind="page_path", operator="starts_with", pattern="/help/", points=6, cap=30
    )
    return {"deal": (deal, deal_page), "calm": (calm, calm_page)}


def scored(snapshot, **points):
    """A context whose visitor earned ``points`` per signal key."""
    profile = make_profile()
    for key, value in points.items():
        profile.add_intent_points(key, value, 0, 86400, TS)
    return make_ctx(profile, snapshot=snapshot)


def test_intent_rule_active_strongest_and_score(intents):
    deal, deal_page = intents["deal"]
    calm, calm_page = intents["calm"]
    snapshot = get_snapshot()
    ctx = scored(snapshot, **{deal_page.key: 12, calm_page.key: 6})
    assert IntentRule(intent=deal).evaluate(ctx)
    assert IntentRule(intent=calm).evaluate(ctx)
    assert IntentRule(intent=deal, condition="strongest").evaluate(ctx)
    assert not IntentRule(intent=calm, condition="strongest").evaluate(ctx)
    assert IntentRule(intent=calm, condition="score", operator="eq", score=6).evaluate(ctx)
    assert not IntentRule(intent=deal, condition="score", operator="gte", score=13).evaluate(ctx)


def test_intent_rule_below_threshold_and_without_scores(intents):
    deal, deal_page = intents["deal"]
    snapshot = get_snapshot()
    below = scored(snapshot, **{deal_page.key: 6})
    assert both(IntentRule(intent=deal), below) == (False, True)
    assert not IntentRule(intent=deal, condition="strongest").evaluate(below)
    assert IntentRule(intent=deal, condition="score", operator="lt", score=10).evaluate(below)
    nothing = make_ctx(snapshot=snapshot)
    assert IntentRule(intent=deal, condition="score", operator="eq", score=0).evaluate(nothing)
    assert not IntentRule(intent=deal, condition="strongest").evaluate(nothing)


def test_intent_rule_switched_off_intent_matches_nobody(intents):
    deal, deal_page = intents["deal"]
    Intent.objects.filter(pk=deal.pk).update(is_active=False)
    from personalize.engine.snapshot import bump_version

    bump_version()
    ctx = scored(get_snapshot(), **{deal_page.key: 12})
    assert both(IntentRule(intent=deal), ctx) == (False, True)
    assert not IntentRule(intent=deal, condition="score", operator="lt", score=1).evaluate(ctx)


def test_intent_rule_follows_a_staff_preview(intents):
    deal, _ = intents["deal"]
    ctx = make_ctx(snapshot=get_snapshot())
    ctx.forced_intents = ["deal-seeking"]
    assert IntentRule(intent=deal).evaluate(ctx)


def test_intent_rule_clean_and_describe(intents):
    deal, _ = intents["deal"]
    assert field_errors(IntentRule(intent=deal, condition="score")) == {
        "score": ["Enter the score to compare with."]
    }
    assert field_errors(IntentRule(intent=deal, condition="active")) == {}
    assert IntentRule(intent=deal).describe() == 'Has the intent "Deal seeking"'
    assert IntentRule(intent=deal, condition="strongest").describe() == (
        '"Deal seeking" is their strongest intent'
    )
    assert IntentRule(intent=deal, condition="score", operator="gt", score=4.5).describe() == (
        '"Deal seeking" intent scores more than 4.5'
    )


# -- SampleRule -----------------------------------------------------------------------------
IDS = [uuid.UUID(int=n * 7919 + 17).hex for n in range(4000)]


def share(rule, ids=IDS) -> float:
    return sum(rule.evaluate(make_ctx(make_profile(visitor_id=vid))) for vid in ids) / len(ids)


@pytest.mark.parametrize("percentage", [0, 10, 33.33, 50, 100])
def test_sample_rule_takes_the_given_share(percentage):
    rule = SampleRule(percentage=Decimal(str(percentage)), salt="fixed")
    assert abs(share(rule) - percentage / 100) < 0.03


def test_sample_rule_is_stable_and_salts_are_independent():
    first = SampleRule(percentage=50, salt="one")
    ctxs = [make_ctx(make_profile(visitor_id=vid)) for vid in IDS[:500]]
    picks = [first.evaluate(ctx) for ctx in ctxs]
    assert picks == [first.evaluate(ctx) for ctx in ctxs]
    second = SampleRule(percentage=50, salt="two")
    both_in = sum(a and second.evaluate(ctx) for a, ctx in zip(picks, ctxs, strict=True))
    assert 0.15 < both_in / len(ctxs) < 0.35  # about a quarter: independent draws
    assert both(first, ctxs[0]) in ((True, False), (False, True))


def test_sample_rule_untracked_visitors_are_never_in_a_sample():
    untracked = make_ctx(make_profile(visitor_id=""))
    assert both(SampleRule(percentage=100, salt="s"), untracked) == (False, True)
    assert both(SampleRule(percentage=50, salt="t"), untracked) == (False, True)


@settings(max_examples=50)
@given(
    st.uuids(), st.decimals(min_value=0, max_value=100, places=2), st.text(min_size=1, max_size=32)
)
def test_sample_rule_grows_with_the_percentage(visitor, percentage, salt):
    ctx = make_ctx(make_profile(visitor_id=visitor.hex))
    smaller = SampleRule(percentage=percentage, salt=salt)
    larger = SampleRule(percentage=min(Decimal(100), percentage + 10), salt=salt)
    assert not smaller.evaluate(ctx) or larger.evaluate(ctx)


def test_sample_rule_new_rules_get_their_own_salt_and_clean():
    assert SampleRule().salt != SampleRule().salt
    assert field_errors(SampleRule(percentage=10, salt="  ")) == {
        "salt": ["Enter a salt (any short text)."]
    }
    assert SampleRule(percentage=Decimal("12.50")).describe() == (
        "Is in a stable random 12.5% sample of visitors"
    )
