"""One helper per job, shared by the middleware, the consent code and the API."""

import pytest
from django.test import RequestFactory

from personalize.api.permissions import origin_of
from personalize.conf import cookie_options, is_excluded
from personalize.models import Event, Slot
from personalize.services import slots
from personalize.shared_page import SharedPageVisitor
from personalize.tracking.headers import MAX_REFERRER, clean_referrer
from personalize.visitor import CurrentVisitor
from tests.api.conftest import visitor_id

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://fairway.test/clubs/?a=1#top", "https://fairway.test"),
        ("http://testserver:8000/", "http://testserver:8000"),
        ("/clubs/", ""),
        ("fairway.test/clubs/", ""),
        ("", ""),
        ("http://[::1", ""),  # not a URL at all
    ],
)
def test_origin_of(url, origin):
    assert origin_of(url) == origin


def test_clean_referrer_cuts_and_cleans():
    assert clean_referrer("https://a.example/\x00x") == "https://a.example/x"
    assert len(clean_referrer("https://a.example/?q=" + "x" * 5000)) == MAX_REFERRER
    assert clean_referrer(None) == ""


def test_excluded_paths_are_the_same_for_pages_and_the_api(demo, browser, settings):
    settings.PERSONALIZE_EXCLUDED_PATHS = ["/members/"]
    assert is_excluded("/members/area/")
    assert not is_excluded("/clubs/")
    browser.page("/members/")  # the middleware skips it: no visitor
    assert visitor_id(browser) is None
    response = browser.beacon(
        "/personalize/api/events/",
        {
            "events": [
                {"id": "p", "name": "page_view", "path": "/members/x/"},
                {"id": "s", "name": "signup"},
            ]
        },
    )
    assert response.status_code == 202  # the page view is set aside, the rest is kept
    assert response.json()["accepted"] == 1
    assert "PERSONALIZE_EXCLUDED_PATHS" in str(response.json()["rejected"]["0"]["path"])
    assert list(Event.objects.values_list("name", flat=True)) == ["signup"]
    browser.get(
        "/personalize/api/decisions/",
        {"slots": "home-hero", "path": "/members/x/", "track": "1"},
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert not Event.objects.filter(name="page_view").exists()


def test_every_cookie_gets_the_same_attributes(demo, browser, settings):
    settings.PERSONALIZE_COOKIE_DOMAIN = "testserver"
    settings.PERSONALIZE_COOKIE_PATH = "/"
    settings.PERSONALIZE_COOKIE_SECURE = True
    settings.PERSONALIZE_COOKIE_SAMESITE = "Strict"
    assert cookie_options() == {
        "max_age": 365 * 24 * 3600,
        "domain": "testserver",
        "path": "/",
        "secure": True,
        "httponly": True,
        "samesite": "Strict",
    }
    visitor = browser.page("/").cookies["personalize_vid"]
    consent = browser.post_json(
        "/personalize/api/visitor/consent/", {"consent": "granted"}
    ).cookies["personalize_consent"]
    for morsel in (visitor, consent):
        assert (morsel["domain"], morsel["path"], morsel["samesite"]) == (
            "testserver",
            "/",
            "Strict",
        )
        assert morsel["secure"]
        assert morsel["httponly"]
    forgotten = browser.delete_same_origin("/personalize/api/visitor/").cookies["personalize_vid"]
    assert forgotten.value == ""
    assert (forgotten["domain"], forgotten["path"], forgotten["samesite"]) == (
        "testserver",
        "/",
        "Strict",
    )


def test_api_views_are_never_page_views():
    from personalize.api.views import DecisionView, SegmentViewSet
    from personalize.middleware import PAGE_VIEW_ATTRIBUTE

    assert getattr(DecisionView.as_view(), PAGE_VIEW_ATTRIBUTE) is False
    assert getattr(SegmentViewSet.as_view({"get": "list"}), PAGE_VIEW_ATTRIBUTE) is False


def test_both_kinds_of_visitor_register_unknown_slots_through_one_function(demo, monkeypatch):
    calls = []
    monkeypatch.setattr(
        slots,
        "register_unknown_slot",
        lambda key, snapshot=None, path="": calls.append((key, snapshot, path)),
    )
    request = RequestFactory().get("/clubs/")
    current = CurrentVisitor(request)
    current.decide("brand-new")
    SharedPageVisitor(request).decide("brand-new")
    assert [(key, path) for key, _snapshot, path in calls] == [
        ("brand-new", "/clubs/"),  # and the page it is used on
        ("brand-new", "/clubs/"),
    ]
    assert calls[0][1] is current.ctx.snapshot  # the definitions it decided with, not reloaded


def test_register_unknown_slot_uses_the_snapshot_given(demo, monkeypatch):
    from personalize.engine import snapshot as snapshots

    current = snapshots.get_snapshot()

    def no_reload():
        raise AssertionError("the snapshot given must be used")

    monkeypatch.setattr(snapshots, "get_snapshot", no_reload)
    slots.register_unknown_slot("home-hero", snapshot=current)
    slots.register_unknown_slot("side-banner", snapshot=current)
    assert not Slot.objects.get(key="home-hero").auto_registered
    assert Slot.objects.get(key="side-banner").auto_registered
