import json
import uuid

import pytest
from django.test import Client

from personalize.models import Event, Visitor
from tests.api.conftest import ORIGIN, visitor_id
from tests.conftest import clear_cache

URL = "/personalize/api/events/"
pytestmark = pytest.mark.django_db


def click(event_id="e1", **fields):
    return {
        "id": event_id,
        "name": "click",
        "slot": "home-hero",
        "variant": "default",
        "path": "/offers/",
        **fields,
    }


def test_a_beacon_records_clicks_and_custom_events(demo, browser):
    response = browser.beacon(
        URL,
        {
            "events": [
                click(properties={"target": "/clubs/"}),
                {
                    "id": "e2",
                    "name": "newsletter_signup",
                    "value": "12.50",
                    "properties": {"list": "weekly"},
                    "path": "/offers/?utm_medium=email",
                },
            ]
        },
    )
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 2, "duplicates": 0, "tracked": True}
    vid = visitor_id(browser)
    assert vid
    stored = {event.name: event for event in Event.objects.filter(visitor_id=vid)}
    assert (stored["click"].slot, stored["click"].variant, stored["click"].path) == (
        "home-hero",
        "default",
        "/offers/",
    )
    assert stored["click"].properties == {"target": "/clubs/"}
    assert str(stored["newsletter_signup"].value) == "12.50"
    assert stored["newsletter_signup"].path == "/offers/"
    assert "no-store" in response["Cache-Control"]


def test_json_bodies_are_accepted_too(demo, browser):
    response = browser.post_json(URL, {"events": [click()]})
    assert response.status_code == 202
    assert Event.objects.filter(name="click").count() == 1


def test_a_page_view_from_a_cached_page_counts_like_a_page(demo, browser):
    for event_id in ("p1", "p2"):
        response = browser.beacon(
            URL,
            {
                "events": [
                    {
                        "id": event_id,
                        "name": "page_view",
                        "path": "/deals/",
                        "referrer": "https://www.google.com/search?q=golf",
                    }
                ]
            },
        )
        assert response.status_code == 202
    vid = visitor_id(browser)
    views = Event.objects.filter(visitor_id=vid, name="page_view").order_by("timestamp")
    assert [view.path for view in views] == ["/deals/", "/deals/"]
    assert views[0].referrer == "https://www.google.com/search"
    assert views[0].medium == "search"
    assert Visitor.objects.get(pk=vid).page_views == 2
    # the two views of /deals/ made the visitor a deal seeker, as server-rendered pages would
    decision = browser.get(
        "/personalize/api/decisions/",
        {"slots": "home-hero", "include": "intent"},
        HTTP_SEC_FETCH_SITE="same-origin",
    ).json()
    assert decision["intent"] == "deal-seeking"


def test_events_without_a_path_take_the_sending_page(demo, browser):
    event = click()
    del event["path"]
    browser.beacon(URL, {"events": [event]}, HTTP_REFERER=f"{ORIGIN}/clubs/?level=beginner")
    assert Event.objects.get(name="click").path == "/clubs/"


def test_the_same_event_id_is_stored_once(demo, browser):
    batch = {"events": [click("same"), click("same")]}
    first = browser.beacon(URL, batch).json()
    assert first == {"accepted": 1, "duplicates": 1, "tracked": True}
    again = browser.beacon(URL, {"events": [click("same")]}).json()
    assert again == {"accepted": 0, "duplicates": 1, "tracked": True}
    assert Event.objects.filter(name="click").count() == 1


def test_event_ids_are_namespaced_by_visitor(demo, browser, other_browser):
    browser.beacon(URL, {"events": [click("shared-id")]})
    browser.beacon(URL, {"events": [click("other")]})  # browser now has a cookie
    other_browser.beacon(URL, {"events": [click("shared-id")]})
    assert Event.objects.filter(name="click").count() == 3
    keys = set(Event.objects.values_list("idempotency_key", flat=True))
    assert "shared-id" not in keys
    assert len(keys) == 3


def test_ids_already_stored_are_duplicates_even_when_the_cache_forgot(demo, browser):
    browser.beacon(URL, {"events": [click("one")]})
    browser.beacon(URL, {"events": [click("two")]})
    from django.core.cache import cache

    clear_cache(cache)  # the claims are gone; the profile too: the stored keys still count
    result = browser.beacon(URL, {"events": [click("two")]}).json()
    assert result["duplicates"] == 1
    assert Event.objects.filter(name="click").count() == 2


def test_impressions_count_once_a_visit(demo, browser):
    impression = {"name": "impression", "slot": "home-hero", "variant": "deal-hero"}
    first = browser.beacon(URL, {"events": [{"id": "i1", **impression}]}).json()
    second = browser.beacon(URL, {"events": [{"id": "i2", **impression}]}).json()
    assert first["accepted"] == 1
    assert second == {"accepted": 0, "duplicates": 1, "tracked": True}
    assert Event.objects.filter(name="impression").count() == 1


def test_visitor_without_consent_stores_nothing(demo, browser, settings):
    settings.PERSONALIZE_CONSENT_MODE = "required"
    response = browser.beacon(URL, {"events": [click()]})
    assert response.status_code == 202
    assert response.json() == {"accepted": 0, "duplicates": 0, "tracked": False}
    assert not Event.objects.exists()
    assert visitor_id(browser) is None


def test_global_privacy_control_is_honoured(demo, browser):
    response = browser.beacon(URL, {"events": [click()]}, HTTP_SEC_GPC="1")
    assert response.json()["tracked"] is False
    assert not Event.objects.exists()


def test_an_erased_visitor_is_never_stored_again(demo, browser):
    from personalize.services.privacy import erase_visitor

    browser.beacon(URL, {"events": [click("a")]})
    erased = visitor_id(browser)
    erase_visitor(erased)
    browser.beacon(URL, {"events": [click("b")]})  # the browser still carries the erased id
    renewed = visitor_id(browser)
    assert renewed != erased
    assert list(Visitor.objects.values_list("pk", flat=True)) == [uuid.UUID(renewed)]
    assert list(Event.objects.values_list("visitor_id", flat=True)) == [uuid.UUID(renewed)]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"name": "click", "slot": "home-hero"}, "slot"),
        ({"name": "impression", "variant": "default"}, "slot"),
        ({"name": "page_view"}, "path"),
        ({"name": "page_view", "path": "http://evil.example/"}, "path"),
        ({"name": "page_view", "path": "/", "value": 3}, "value"),
        ({"name": "bad name!"}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": "signup", "value": "lots"}, "value"),
        ({"name": "signup", "value": 1e15}, "value"),
        ({"name": "signup", "value": "1e1000000"}, "value"),
        ({"name": "signup", "value": True}, "value"),
        ({"name": "signup", "properties": {"nested": {"a": 1}}}, "properties"),
        ({"name": "signup", "properties": {f"k{i}": i for i in range(21)}}, "properties"),
        ({"name": "signup", "properties": "text"}, "properties"),
        ({"name": "signup", "id": "has spaces"}, "id"),
        ({"name": "signup", "id": "x" * 65}, "id"),
        ({"name": "signup", "visitor_id": "0" * 32}, "visitor_id"),
        ({"name": "signup", "segments": ["big-spenders"]}, "segments"),
        ({"name": "signup", "ts": 0}, "ts"),
        ({"name": "signup", "referrer": "https://x.example/"}, "referrer"),
    ],
)
def test_invalid_events_are_400_per_field_and_store_nothing(demo, browser, event, field):
    response = browser.beacon(URL, {"events": [click("ok"), event]})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid"
    assert list(body["fields"]["events"]) == ["1"]  # errors are keyed by position
    assert field in body["fields"]["events"]["1"]
    assert not Event.objects.exists()
    assert visitor_id(browser) is None


def test_restricted_event_names(demo, browser, settings):
    settings.PERSONALIZE_API_EVENT_NAMES = ["newsletter_signup"]
    assert browser.beacon(URL, {"events": [{"name": "newsletter_signup"}]}).status_code == 202
    response = browser.beacon(URL, {"events": [{"name": "purchase", "value": 9999}]})
    assert response.status_code == 400
    assert "name" in response.json()["fields"]["events"]["0"]


@pytest.mark.parametrize(
    "body",
    [
        {"events": []},
        {"events": "nope"},
        {},
        [],
        '"text"',
        {"events": [click()], "visitor": {"id": "0" * 32}},
        {"events": [click()], "segments": ["big-spenders"]},
        {"events": [{"name": "page_view", "path": "/a/"}, {"name": "page_view", "path": "/b/"}]},
    ],
)
def test_malformed_batches_are_400(demo, browser, body):
    response = browser.beacon(URL, body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert not Event.objects.exists()


def test_batches_over_the_cap_are_413(demo, browser, settings):
    settings.PERSONALIZE_API_MAX_BATCH = 3
    response = browser.beacon(URL, {"events": [click(f"e{i}") for i in range(4)]})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert not Event.objects.exists()


def test_a_missing_origin_is_403(demo):
    response = Client().post(URL, json.dumps({"events": [click()]}), content_type="text/plain")
    assert response.status_code == 403
    assert response.json()["error"] == "cross_site"
    assert not Event.objects.exists()


def test_a_same_origin_referer_stands_in_for_origin(demo):
    response = Client().post(
        URL,
        json.dumps({"events": [click()]}),
        content_type="text/plain",
        HTTP_REFERER=f"{ORIGIN}/offers/",
    )
    assert response.status_code == 202


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_ORIGIN": ORIGIN, "HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_REFERER": "https://evil.example/page"},
    ],
)
def test_cross_site_posts_are_403_and_store_nothing(demo, headers):
    response = Client().post(
        URL, json.dumps({"events": [click()]}), content_type="text/plain", **headers
    )
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_trusted_origins_may_post(demo, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.fairway.test"]
    response = Client().post(
        URL,
        json.dumps({"events": [click()]}),
        content_type="text/plain",
        HTTP_ORIGIN="https://shop.fairway.test",
    )
    assert response.status_code == 202


def test_stored_keys_are_hmacs_of_visitor_and_event_id(demo, browser):
    from django.utils.crypto import salted_hmac

    browser.beacon(URL, {"events": [click("first")]})  # a new visitor
    browser.beacon(URL, {"events": [click("second")]})  # the same, known by its cookie
    vid = visitor_id(browser)

    def hmac(event_id):
        message = f"{vid}\x1f{event_id}"
        return salted_hmac("personalize.api.event-id", message, algorithm="sha256").hexdigest()

    stored = set(Event.objects.values_list("idempotency_key", flat=True))
    assert stored == {hmac("first"), hmac("second")}
    assert all(len(key) == 64 for key in stored)


def test_an_over_long_referrer_is_cut_not_refused(demo, browser):
    referrer = "https://www.google.com/search?q=golf+clubs&" + "x" * 5000
    page_view = {"id": "p", "name": "page_view", "path": "/deals/", "referrer": referrer}
    response = browser.beacon(URL, {"events": [page_view]})
    assert response.status_code == 202, response.content
    stored = Event.objects.get(name="page_view")
    assert stored.referrer == "https://www.google.com/search"
    assert (stored.medium, stored.source) == ("search", "google")
    path_only = "https://news.example.com/" + "a" * 5000
    browser.beacon(URL, {"events": [{**page_view, "id": "q", "referrer": path_only}]})
    longest = Event._meta.get_field("referrer").max_length
    assert len(Event.objects.get(referrer__startswith="https://news").referrer) == longest


def test_reported_page_views_and_impressions_force_no_profile_copy(
    demo, browser, memory_sink, monkeypatch
):
    from personalize.store import ProfileStore

    saves = []
    save = ProfileStore.save
    monkeypatch.setattr(
        ProfileStore,
        "save",
        lambda store, profile: saves.append(profile.id) or save(store, profile),
    )
    impression = {"name": "impression", "slot": "home-hero", "variant": "default", "path": "/"}
    browser.beacon(URL, {"events": [{"id": "p1", "name": "page_view", "path": "/"}]})
    assert "profile" in memory_sink.batches[-1]["visitor"]  # a new visitor's first copy
    browser.beacon(
        URL,
        {
            "events": [
                {"id": "p2", "name": "page_view", "path": "/deals/"},
                {"id": "i1", **impression},
            ]
        },
    )
    batch = memory_sink.batches[-1]
    assert [event["name"] for event in batch["events"]] == ["page_view", "impression"]
    assert "profile" not in batch["visitor"]  # within PERSONALIZE_PROFILE_SYNC_INTERVAL
    sent, saves[:] = len(memory_sink.batches), []
    response = browser.beacon(URL, {"events": [{"id": "i2", **impression}]})
    assert response.json()["duplicates"] == 1  # already seen this visit: nothing changed
    assert len(memory_sink.batches) == sent
    assert saves == []


def test_a_sink_that_cannot_store_answers_503_and_the_retry_is_accepted(demo, browser, monkeypatch):
    from django.db import OperationalError

    from personalize.services import ingest

    browser.beacon(URL, {"events": [click("first")]})  # a known visitor: its ids are claimed
    vid = visitor_id(browser)
    working = ingest.ingest

    def down(*args, **kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr(ingest, "ingest", down)
    batch = {"events": [{"id": "p", "name": "page_view", "path": "/deals/"}, click("c")]}
    response = browser.beacon(URL, batch)
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "unavailable"
    assert "send them again in 5 seconds" in body["detail"]
    assert body["retry_after"] == int(response["Retry-After"]) == 5
    monkeypatch.setattr(ingest, "ingest", working)
    retry = browser.beacon(URL, batch)
    assert retry.status_code == 202
    assert retry.json() == {"accepted": 2, "duplicates": 0, "tracked": True}
    assert Event.objects.filter(visitor_id=vid).count() == 3
    assert Visitor.objects.get(pk=vid).page_views == 1  # the refused attempt counted nothing
    assert browser.beacon(URL, batch).json()["duplicates"] == 2


def test_a_buffer_that_is_down_answers_503_and_keeps_nothing(demo, browser, settings, use_sink):
    from django.core.cache import cache

    from personalize.api.intake import idempotency_key
    from tests.scale.helpers import free_port

    browser.beacon(URL, {"events": [click("first")]})  # a known visitor: its ids are claimed
    vid = visitor_id(browser)
    settings.PERSONALIZE_BUFFER_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.PERSONALIZE_BUFFER_RETRY_INTERVAL = 30
    sink = use_sink("personalize.sinks.BufferedSink")
    for _attempt in range(2):  # the second one meets the open circuit breaker
        response = browser.beacon(URL, {"events": [click("c")]})
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
    assert sink.pending == 0  # nothing set aside in memory: the client sends it again
    assert sink.stats.get("refused") == 2
    assert sink.stats.get("dropped") == 0
    assert cache.get(f"personalize:event-id:{idempotency_key(vid, 'c')}") is None


def test_a_visitor_that_cannot_be_loaded_answers_503(demo, browser, monkeypatch):
    from personalize import visitor

    def broken():
        raise RuntimeError("definitions unavailable")

    monkeypatch.setattr(visitor, "get_snapshot", broken)
    response = browser.beacon(URL, {"events": [click()]})
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert not Event.objects.exists()


def test_beacons_run_no_query_with_the_buffered_sink(
    demo, browser, buffered_sink, django_assert_num_queries
):
    from personalize.engine.snapshot import get_snapshot

    get_snapshot()  # definitions in memory, as in a running process
    page = "/deals/"
    batch = {
        "events": [
            {"id": "p", "name": "page_view", "path": page, "referrer": "https://www.google.com/"},
            {"id": "i", "name": "impression", "slot": "home-hero", "variant": "deal-hero"},
            click("c"),
        ]
    }
    with django_assert_num_queries(0):
        first = browser.beacon(URL, batch)  # a new visitor
    assert first.json() == {"accepted": 3, "duplicates": 0, "tracked": True}
    with django_assert_num_queries(0):
        again = browser.beacon(URL, {"events": [click("d"), click("c")]})  # known by its cookie
    assert again.json() == {"accepted": 1, "duplicates": 1, "tracked": True}
    assert [len(batch["events"]) for batch in buffered_sink()] == [3, 1]
    assert not Event.objects.exists()  # stored by the drain, not by the request


def test_events_of_stale_slots_or_variants_are_reported_and_the_rest_stored(demo, browser):
    batch = {
        "events": [
            click("a"),
            click("b", slot="deleted-slot"),
            {"id": "c", "name": "impression", "slot": "home-hero", "variant": "deleted"},
            {"id": "d", "name": "signup", "slot": "home-hero", "variant": "deal-hero"},
        ]
    }
    response = browser.beacon(URL, batch)
    assert response.status_code == 202
    assert response.json() == {
        "accepted": 2,
        "duplicates": 0,
        "tracked": True,
        "rejected": {
            "1": {"slot": ["No slot has this key."]},
            "2": {"variant": ["This slot has no such variant."]},
        },
    }
    assert sorted(Event.objects.values_list("name", flat=True)) == ["click", "signup"]
    # a set-aside event's id is not taken: the same id with a slot that exists is accepted
    again = browser.beacon(URL, {"events": [click("b")]})
    assert again.json() == {"accepted": 1, "duplicates": 0, "tracked": True}
