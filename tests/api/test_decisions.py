import re

import pytest

from personalize.models import Event, Visitor
from tests.api.conftest import visitor_id

URL = "/personalize/api/decisions/"
pytestmark = pytest.mark.django_db


def decide(browser, **params):
    return browser.get(URL, params, HTTP_SEC_FETCH_SITE="same-origin", HTTP_ACCEPT="*/*")


def test_new_visitor_gets_defaults_a_cookie_and_no_store(demo, browser):
    response = decide(browser, slots="home-hero,home-promo", path="/offers/")
    assert response.status_code == 200
    body = response.json()
    assert set(body["slots"]) == {"home-hero", "home-promo"}
    hero = body["slots"]["home-hero"]
    assert hero["variant"] == "default"
    assert hero["control"] is False
    assert "Find the clubs that fit your game" in hero["html"]
    assert hero["cta"] == {"label": "Browse golf club sets", "url": hero["cta"]["url"]}
    assert re.fullmatch(r"/personalize/go/\d+/", hero["cta"]["url"])
    assert body["tracked"] is True
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control
    assert visitor_id(browser) is not None


def test_track_counts_the_page_view_before_deciding(demo, browser):
    response = decide(
        browser,
        slots="home-hero",
        path="/offers/?utm_campaign=summer-sale",
        referrer="https://news.example.com/story",
        track="1",
        include="intent",
    )
    body = response.json()
    assert body["slots"]["home-hero"]["variant"] == "deal-hero"
    assert body["intent"] == "deal-seeking"
    vid = visitor_id(browser)
    views = Event.objects.filter(visitor_id=vid, name="page_view")
    assert [(e.path, e.referrer, e.utm_campaign) for e in views] == [
        ("/offers/", "https://news.example.com/story", "summer-sale")
    ]
    impressions = Event.objects.filter(visitor_id=vid, name="impression")
    assert [(e.slot, e.variant) for e in impressions] == [("home-hero", "deal-hero")]
    assert Visitor.objects.get(pk=vid).page_views == 1


def test_without_track_the_path_counts_for_rules_but_no_page_view(demo, browser):
    body = decide(
        browser, slots="home-promo", path="/offers/?utm_medium=email", include="segments"
    ).json()
    # the page's campaign is how this new visitor arrived: newsletter-readers matches
    assert body["slots"]["home-promo"]["variant"] == "newsletter-welcome"
    assert "newsletter-readers" in body["segments"]
    assert not Event.objects.filter(name="page_view").exists()
    assert Event.objects.filter(name="impression").count() == 1


def test_impressions_are_counted_once_a_visit(demo, browser, django_assert_num_queries):
    decide(browser, slots="home-hero,home-promo", path="/offers/")
    assert Event.objects.filter(name="impression").count() == 2
    with django_assert_num_queries(0):
        response = decide(browser, slots="home-hero,home-promo", path="/offers/")
    assert response.status_code == 200
    assert Event.objects.filter(name="impression").count() == 2


def test_each_visitor_gets_their_own_variant(demo, browser, other_browser):
    decide(browser, slots="home-hero", path="/deals/", track="1")
    deal = decide(browser, slots="home-hero", path="/deals/", track="1").json()
    fresh = decide(other_browser, slots="home-hero", path="/").json()
    assert deal["slots"]["home-hero"]["variant"] == "deal-hero"
    assert fresh["slots"]["home-hero"]["variant"] == "default"
    assert visitor_id(browser) != visitor_id(other_browser)


def test_markup_is_what_the_server_side_tag_renders(demo, browser):
    page = browser.page("/").content.decode()
    inner = re.search(
        r'<section data-personalize-slot="home-hero" data-personalize-variant="default">'
        r"(.*?)</section>",
        page,
        re.S,
    ).group(1)
    body = decide(browser, slots="home-hero", path="/").json()
    assert body["slots"]["home-hero"]["html"] == inner


def test_slot_without_variants_answers_the_template_default(demo, browser):
    from personalize.models import Slot

    Slot.objects.create(key="sidebar", name="Sidebar")
    body = decide(browser, slots="sidebar").json()
    assert body["slots"]["sidebar"] == {
        "variant": "default",
        "control": False,
        "html": None,
        "title": None,
        "body": None,
        "image": None,
        "image_alt": None,
        "cta": None,
    }


def test_control_group_is_reported(demo, browser):
    from personalize.models import Slot

    Slot.objects.filter(key="home-hero").update(control_percentage=100)
    from personalize.engine.snapshot import bump_version

    bump_version()
    body = decide(browser, slots="home-hero", path="/deals/", track="1").json()
    assert body["slots"]["home-hero"]["variant"] == "control"
    assert body["slots"]["home-hero"]["control"] is True
    assert Event.objects.get(name="impression").variant == "control"


def test_stale_slot_keys_are_reported_and_the_other_slots_answered(demo, browser):
    path = "/offers/?utm_campaign=summer-sale"
    response = decide(browser, slots="nope,home-hero,missing", path=path, track="1")
    assert response.status_code == 200
    body = response.json()
    assert body["unknown_slots"] == ["nope", "missing"]
    assert list(body["slots"]) == ["home-hero"]
    assert body["slots"]["home-hero"]["variant"] == "deal-hero"
    assert sorted(Event.objects.values_list("name", "slot")) == [
        ("impression", "home-hero"),
        ("page_view", ""),
    ]
    from personalize.models import Slot

    assert not Slot.objects.filter(key__in=["nope", "missing"]).exists()  # never registered
    assert "unknown_slots" not in decide(browser, slots="home-hero").json()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "slots"),
        ({"slots": ""}, "slots"),
        ({"slots": "home hero"}, "slots"),
        ({"slots": "a\x00b"}, "slots"),
        ({"slots": ",".join(f"s{i}" for i in range(21))}, "slots"),
        ({"slots": "home-hero", "path": "https://evil.example/"}, "path"),
        ({"slots": "home-hero", "path": "//evil.example/"}, "path"),
        ({"slots": "home-hero", "path": "/a\x00b"}, "path"),
        ({"slots": "home-hero", "path": "/a%00b"}, "path"),
        ({"slots": "home-hero", "path": "/" + "a" * 600}, "path"),
        ({"slots": "home-hero", "track": "1"}, "path"),
        ({"slots": "home-hero", "track": "maybe"}, "track"),
    ],
)
def test_bad_queries_are_400_with_the_field(demo, browser, params, field):
    response = decide(browser, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["fields"]
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
    ],
)
def test_cross_site_requests_are_403(demo, headers):
    from django.test import Client

    response = Client().get(URL, {"slots": "home-hero", "path": "/", "track": "1"}, **headers)
    assert response.status_code == 403
    assert response.json()["error"] == "cross_site"
    assert not Event.objects.exists()


def test_visitor_without_consent_is_not_tracked(demo, browser, settings):
    settings.PERSONALIZE_CONSENT_MODE = "required"
    response = decide(browser, slots="home-hero", path="/deals/", track="1")
    assert response.status_code == 200
    assert response.json()["tracked"] is False
    assert visitor_id(browser) is None
    assert not Event.objects.exists()


def test_staff_preview_works_through_the_api(demo, superuser, browser):
    browser.force_login(superuser)
    body = decide(
        browser, slots="home-hero", personalize_preview="variant:home-hero=reassurance-hero"
    ).json()
    assert body["slots"]["home-hero"]["variant"] == "reassurance-hero"
    assert not Event.objects.exists()


def test_a_variant_that_fails_to_render_answers_the_default(demo, browser):
    from personalize.models import Variant

    Variant.objects.filter(slot__key="home-hero", slug="default").update(
        template_name="missing/template.html"
    )
    from personalize.engine.snapshot import bump_version

    bump_version()
    body = decide(browser, slots="home-hero", path="/").json()
    assert body["slots"]["home-hero"]["variant"] == "default"
    assert body["slots"]["home-hero"]["html"] is None
    assert Event.objects.get(name="impression").variant == "default"


def test_definitions_unavailable_answer_defaults(demo, browser, monkeypatch):
    from personalize.engine import snapshot

    def broken():
        raise RuntimeError("database down")

    monkeypatch.setattr(snapshot, "get_snapshot", broken)
    response = decide(browser, slots="home-hero,whatever", path="/")
    assert response.status_code == 200
    assert response.json()["slots"]["whatever"]["variant"] == "default"


def test_an_over_long_referrer_is_cut_not_refused(demo, browser):
    referrer = "https://www.google.com/search?q=golf&" + "x" * 3000
    response = decide(browser, slots="home-hero", path="/", referrer=referrer, track="1")
    assert response.status_code == 200, response.content
    view = Event.objects.get(name="page_view")
    assert (view.referrer, view.medium) == ("https://www.google.com/search", "search")


def test_impressions_force_no_profile_copy(demo, browser, memory_sink, settings):
    decide(browser, slots="home-hero", path="/")
    assert "profile" in memory_sink.batches[-1]["visitor"]  # a new visitor's first copy
    decide(browser, slots="home-promo", path="/")
    batch = memory_sink.batches[-1]
    assert [event["name"] for event in batch["events"]] == ["impression"]
    assert "profile" not in batch["visitor"]  # within PERSONALIZE_PROFILE_SYNC_INTERVAL
    settings.PERSONALIZE_PROFILE_SYNC_INTERVAL = 0
    decide(browser, slots="home-promo,home-hero", path="/offers/", track="1")
    assert "profile" in memory_sink.batches[-1]["visitor"]  # the copy is due


def test_the_default_answer_is_the_slots_only(demo, browser, monkeypatch):
    from personalize import visitor

    def no_segments(ctx):
        raise AssertionError("segments are evaluated only when asked for")

    monkeypatch.setattr(visitor, "matching_segments", no_segments)
    body = decide(browser, slots="home-hero", path="/").json()
    assert set(body) == {"slots", "tracked"}


def test_segments_and_intent_are_included_when_asked(demo, browser):
    path = "/offers/?utm_medium=email&utm_campaign=summer-sale"
    body = decide(
        browser, slots="home-hero", path=path, track="1", include="segments, intent"
    ).json()
    assert set(body) == {"slots", "tracked", "segments", "intent", "intent_scores"}
    assert "newsletter-readers" in body["segments"]
    assert body["intent"] == "deal-seeking"
    assert body["intent_scores"]["deal-seeking"] >= 10
    assert set(decide(browser, slots="home-hero", include="intent").json()) == {
        "slots",
        "tracked",
        "intent",
        "intent_scores",
    }


@pytest.mark.parametrize("include", ["traits", "segments,everything", "segments;intent"])
def test_unknown_include_values_are_400(demo, browser, include):
    response = decide(browser, slots="home-hero", include=include)
    assert response.status_code == 400
    message = response.json()["fields"]["include"][0]
    assert message.startswith("Cannot include")
    assert message.endswith("choose from: segments, intent.")
    assert not Event.objects.exists()
