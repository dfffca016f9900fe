"""Psychographic rules: interest scores, which fade with time."""

import pytest

from personalize.rules import InterestRule
from personalize.rules.matching import topic_slug
from tests.rules.conftest import NOW, both, field_errors, make_ctx, make_profile

DAY = 86400
TS = NOW.timestamp()


def interested(**scores):
    """A profile with interest points earned ``days`` ago: topic=(points, days ago)."""
    profile = make_profile()
    for topic, (points, days_ago) in scores.items():
        profile.add_interest(topic, points, TS - days_ago * DAY)
    return profile


def test_interest_rule_compares_the_score():
    ctx = make_ctx(interested(golf=(5, 0), travel=(1, 0)))
    assert InterestRule(topic="golf", operator="gte", score=5).evaluate(ctx)
    assert not InterestRule(topic="golf", operator="gt", score=5).evaluate(ctx)
    assert InterestRule(topic="travel", operator="lt", score=2).evaluate(ctx)
    assert both(InterestRule(topic="travel", score=3), ctx) == (False, True)


def test_interest_rule_unknown_topic_scores_zero():
    ctx = make_ctx()
    assert both(InterestRule(topic="golf", operator="gte", score=1), ctx) == (False, True)
    assert InterestRule(topic="golf", operator="lte", score=2).evaluate(ctx)
    assert InterestRule(topic="golf", operator="eq", score=0).evaluate(ctx)


def test_interest_rule_decays_with_the_interest_half_life(settings):
    ctx = make_ctx(interested(golf=(8, 30)))  # 8 points, one default half-life (30 days) ago
    assert InterestRule(topic="golf", operator="eq", score=4).evaluate(ctx)
    settings.PERSONALIZE_INTEREST_HALF_LIFE_DAYS = 15
    assert InterestRule(topic="golf", operator="eq", score=2).evaluate(ctx)
    settings.PERSONALIZE_INTEREST_HALF_LIFE_DAYS = 0  # 0: interests never fade
    assert InterestRule(topic="golf", operator="eq", score=8).evaluate(ctx)


@pytest.mark.parametrize("topic", ["", "  ", "!?", "x" * 65])
def test_interest_rule_clean_rejects_what_names_no_topic(topic):
    assert list(field_errors(InterestRule(topic=topic, score=1))) == ["topic"]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        (" Golf ", "golf"),
        ("Golf Clubs", "golf-clubs"),
        ("-golf!", "golf"),
        ("short_game", "short_game"),
        ("Café Crème", "café-crème"),
        ("x" * 64, "x" * 64),
    ],
)
def test_interest_rule_names_its_topic_like_every_topic(text, slug):
    rule = InterestRule(topic=text, score=1)
    assert field_errors(rule) == {}
    assert rule.topic == topic_slug(text) == slug
    # stored without clean(): evaluated under the same name all the same
    ctx = make_ctx(interested(**{slug: (2, 0)}))
    assert InterestRule(topic=text, operator="eq", score=2).evaluate(ctx)


def test_interest_rule_clean_normalizes_and_describes():
    rule = InterestRule(topic=" Golf ", operator="gte", score=3)
    assert field_errors(rule) == {}
    assert rule.topic == "golf"
    assert rule.describe() == 'Interest in "golf" scores at least 3'
    assert InterestRule(topic="travel", operator="lt", score=1.5, negate=True).describe() == (
        'NOT interest in "travel" scores less than 1.5'
    )
