"""Intent scoring: signals, points, caps, thresholds, decay, and the current page first."""

import datetime as dt
import logging

import pytest
import time_machine

from personalize.models import Intent, IntentSignal
from tests.intents.conftest import add_signal, scores

pytestmark = pytest.mark.urls("tests.intents.urls")

START = dt.datetime(2025, 6, 11, 9, 0, tzinfo=dt.UTC)


def test_the_current_page_counts_before_it_renders(client, deal):
    response = client.get("/deals/")
    assert b"no deal" in response.content  # 6 points: below the threshold of 10
    response = client.get("/deals/")
    assert b"<p>deal" in response.content  # 12 points, on the page that earned them
    assert b"strongest=deal-seeking" in response.content


def test_points_are_capped_per_signal(client, deal):
    for _ in range(5):
        result = scores(client, "/deals/")
    assert result == {"deal-seeking": 12.0}


def test_arrival_signals_count_once_per_arrival(client, deal):
    url = "/?utm_source=newsletter&utm_medium=email&utm_campaign=summer-sale"
    assert scores(client, url) == {"deal-seeking": 13.0}  # campaign 10 + medium 3
    # browsing on inside the same visit is not a new arrival
    assert scores(client, "/clubs/", HTTP_REFERER="http://testserver/") == {"deal-seeking": 13.0}


def test_search_terms_from_an_engine_and_from_the_site(client, deal):
    engine = scores(client, "/", HTTP_REFERER="https://duckduckgo.com/?q=cheap+golf+clubs")
    assert engine == {"deal-seeking": 10.0}
    other = client.__class__()
    assert scores(other, "/search/?q=Cheap+drivers") == {"deal-seeking": 10.0}
    assert scores(other, "/search/?q=premium+drivers") == {"deal-seeking": 10.0}


def test_query_parameter_signal(client, deal):
    assert scores(client, "/clubs/?sort=price_asc") == {"deal-seeking": 4.0}
    assert scores(client, "/clubs/?sort=name") == {"deal-seeking": 4.0}
    assert scores(client, "/clubs/?sort=price_desc") == {"deal-seeking": 8.0}


def test_event_signal_through_track(client, deal):
    import personalize

    response = client.get("/")
    request = response.wsgi_request
    personalize.track(request, "coupon_copied")
    personalize.track(request, "coupon_copied")
    assert request.visitor.intent_scores == {"deal-seeking": 5.0}


def test_min_count_counts_views_of_the_same_page(client, concerns):
    for expected in (0.0, 0.0, 10.0, 10.0):
        assert scores(client, "/clubs/beginner-set/") == {"decided-with-concerns": expected}
    other = client.__class__()
    for path in ("/clubs/a/", "/clubs/b/", "/clubs/c/"):  # three products, once each
        assert scores(other, path) == {"decided-with-concerns": 0.0}


@pytest.mark.parametrize(
    ("min_count", "words"),
    [(2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (21, "21st"), (22, "22nd")],
)
def test_a_page_signal_from_the_nth_time_says_it_in_english(min_count, words):
    signal = IntentSignal(
        kind="page_path",
        operator="starts_with",
        pattern="/clubs/",
        min_count=min_count,
        points=10,
        cap=0,
    )
    assert signal.describe() == (
        f'views a page whose path starts with "/clubs/" for the {words} time or more: +10 points'
    )


def test_intent_is_the_strongest_active_one_and_scores_list_all(client, deal, concerns):
    for _ in range(2):
        client.get("/deals/")
    for _ in range(3):
        client.get("/clubs/beginner-set/")
    response = client.get("/help/returns/")
    visitor = response.wsgi_request.visitor
    assert visitor.intent_scores == {"deal-seeking": 12.0, "decided-with-concerns": 16.0}
    assert visitor.active_intents == ["decided-with-concerns", "deal-seeking"]
    assert visitor.intent == "decided-with-concerns"
    assert visitor.has_intent("deal-seeking")
    assert b"<p>deal concerns strongest=decided-with-concerns" in response.content


def test_no_intent_below_threshold_or_when_switched_off(client, deal):
    response = client.get("/deals/")
    visitor = response.wsgi_request.visitor
    assert visitor.intent is None
    assert visitor.active_intents == []
    assert visitor.intent_scores == {"deal-seeking": 6.0}
    Intent.objects.update(is_active=False)
    from personalize.engine.snapshot import bump_version

    bump_version()
    response = client.get("/deals/")
    assert response.wsgi_request.visitor.intent_scores == {}
    assert b"strongest=none" in response.content


def test_scores_decay_with_the_half_life(client, deal):
    with time_machine.travel(START, tick=False) as traveller:
        client.get("/deals/")
        assert scores(client, "/deals/") == {"deal-seeking": 12.0}
        traveller.shift(dt.timedelta(hours=24))  # one half-life
        assert scores(client, "/") == {"deal-seeking": 6.0}
        traveller.shift(dt.timedelta(hours=48))
        assert scores(client, "/") == {"deal-seeking": 1.5}
        # a fresh signal adds to what is left, within the cap
        assert scores(client, "/deals/") == {"deal-seeking": 7.5}
        traveller.shift(dt.timedelta(days=30))
        response = client.get("/")
        assert response.wsgi_request.visitor.intent_scores == {"deal-seeking": 0.0}
        assert b"strongest=none" in response.content


def test_negative_signals_take_points_away_within_their_cap(client, deal):
    intent, _ = deal
    add_signal(intent, kind="page_path", operator="equals", pattern="/members/", points=-8, cap=8)
    client.get("/deals/")
    client.get("/deals/")
    assert scores(client, "/members/") == {"deal-seeking": 4.0}
    assert scores(client, "/members/") == {"deal-seeking": 4.0}  # at most 8 taken away
    fresh = client.__class__()
    assert scores(fresh, "/members/") == {"deal-seeking": 0.0}  # never below zero


def test_a_stored_invalid_pattern_never_fires_and_the_page_still_renders(client, deal, caplog):
    _, signals = deal
    IntentSignal.objects.filter(pk=signals["deals"].pk).update(operator="regex", pattern="([")
    from personalize.engine.snapshot import bump_version

    bump_version()
    with caplog.at_level(logging.ERROR, logger="personalize"):
        for _ in range(3):
            response = client.get("/deals/")
            assert response.status_code == 200
    assert response.wsgi_request.visitor.intent_scores == {"deal-seeking": 0.0}
    assert b"strongest=none" in response.content
    unusable = [r for r in caplog.records if "unusable pattern" in r.getMessage()]
    assert len(unusable) == 1
    # the other signals still work
    assert scores(client, "/clubs/?sort=price") == {"deal-seeking": 4.0}


def test_untracked_visitors_are_scored_for_the_page_but_nothing_is_kept(client, deal, settings):
    settings.PERSONALIZE_CONSENT_MODE = "required"
    first = scores(client, "/?utm_campaign=sale")
    assert first == {"deal-seeking": 10.0}
    assert scores(client, "/") == {"deal-seeking": 0.0}
    assert "personalize_vid" not in client.cookies
