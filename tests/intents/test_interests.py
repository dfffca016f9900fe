"""Interests: topic scores from {% interest %} tags and topic mappings, fading with time."""

import datetime as dt

import pytest
import time_machine

from personalize.models import InterestRule, Segment, TopicMapping

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.intents.urls")]

START = dt.datetime(2025, 6, 11, 9, 0, tzinfo=dt.UTC)


def interests(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.wsgi_request.visitor.interests


def test_interest_tag_counts_each_topic_once_per_page_view(client):
    assert interests(client, "/guide/") == {"golf": 1.0, "beginner": 1.0}
    assert interests(client, "/guide/") == {"golf": 2.0, "beginner": 2.0}


def test_topic_mappings_count_the_pages_they_match(client):
    TopicMapping.objects.create(operator="starts_with", path="/clubs/", topics="golf, equipment")
    TopicMapping.objects.create(operator="glob", path="/clubs/*-set/", topics="sets", points=2)
    assert interests(client, "/clubs/") == {"golf": 1.0, "equipment": 1.0}
    result = interests(client, "/clubs/beginner-set/")
    assert result == {"golf": 2.0, "equipment": 2.0, "sets": 2.0}
    assert interests(client, "/deals/") == result  # no mapping for this page


def test_a_page_counts_once_for_a_topic_from_both_a_mapping_and_a_tag(client):
    TopicMapping.objects.create(operator="equals", path="/guide/", topics="golf, lessons")
    assert interests(client, "/guide/") == {"golf": 1.0, "lessons": 1.0, "beginner": 1.0}


def test_tags_mappings_and_rules_name_a_topic_the_same_way(client):
    """{% interest "Short Game" %}, a mapping to "SHORT game!" and a rule on "short game" all
    mean the topic "short-game"."""
    TopicMapping.objects.create(operator="equals", path="/guide/", topics="SHORT game!, Golf")
    assert TopicMapping.objects.get().topic_list == ["short-game", "golf"]
    segment = Segment.objects.create(name="Short game fans", slug="short-game-fans")
    InterestRule.objects.create(segment=segment, topic="short game", operator="gte", score=2)
    first = client.get("/guide/?topic=Short+Game")
    assert first.wsgi_request.visitor.interests == {"golf": 1.0, "short-game": 1.0, "beginner": 1.0}
    second = client.get("/guide/?topic=short_game").wsgi_request.visitor
    assert second.interests["short-game"] == 2.0  # one point per page view, tag or mapping
    assert second.interests["short_game"] == 1.0
    assert second.in_segment("short-game-fans")


def test_interests_fade_with_the_half_life(client, settings):
    settings.PERSONALIZE_PROFILE_TTL = 90 * 86400  # keep the cached profile for the whole test
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(4):
            client.get("/guide/")
        traveller.shift(dt.timedelta(days=30))  # the default half-life
        assert interests(client, "/") == {"golf": 2.0, "beginner": 2.0}
        # the setting applies to the whole history: 4 points, 40 days, 10-day half-life
        settings.PERSONALIZE_INTEREST_HALF_LIFE_DAYS = 10
        traveller.shift(dt.timedelta(days=10))
        assert interests(client, "/") == {"golf": 0.25, "beginner": 0.25}
        client.get("/guide/")  # a new view adds to what is left
        assert interests(client, "/") == {"golf": 1.25, "beginner": 1.25}


def test_interest_rule_in_a_segment(client):
    segment = Segment.objects.create(name="Keen golfers", slug="keen-golfers")
    InterestRule.objects.create(segment=segment, topic="golf", operator="gte", score=3)
    visitor = None
    for _ in range(3):
        response = client.get("/guide/")
        visitor = response.wsgi_request.visitor
    assert visitor.in_segment("keen-golfers")
    other = client.__class__().get("/guide/").wsgi_request.visitor
    assert not other.in_segment("keen-golfers")


def test_a_stored_unusable_mapping_is_skipped(client):
    TopicMapping.objects.create(operator="starts_with", path="/clubs/", topics="golf")
    TopicMapping.objects.create(operator="starts_with", path="/clubs/", topics="equipment")
    TopicMapping.objects.filter(topics="golf").update(operator="regex", path="((")
    from personalize.engine.snapshot import bump_version

    bump_version()
    assert interests(client, "/clubs/") == {"equipment": 1.0}
