"""Writes for a visitor come from the site's own pages only: a page elsewhere that gets the
browser to send its visitor cookie (SameSite=None, an old browser, a sibling subdomain) must
not write into that visitor's profile."""

import json

import pytest
from django.test import Client

from personalize.models import Event, Visitor
from tests.api.conftest import ORIGIN, visitor_id

pytestmark = pytest.mark.django_db

EVENTS = "/personalize/api/events/"
CONSENT = "/personalize/api/visitor/consent/"
ME = "/personalize/api/visitor/"
DECISIONS = "/personalize/api/decisions/"

WRITES = [
    ("POST", EVENTS, {"events": [{"id": "x", "name": "page_view", "path": "/deals/"}]}),
    ("POST", CONSENT, {"consent": "denied"}),
    ("DELETE", ME, None),
]
HOSTILE = {
    "another origin": (
        {"HTTP_ORIGIN": "https://evil.example"},
        "Requests from another origin are not accepted.",
    ),
    "an opaque origin": ({"HTTP_ORIGIN": "null"}, "Requests from another origin"),
    "a cross-site fetch": (
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": ORIGIN},
        "Cross-site requests are not accepted (Sec-Fetch-Site: cross-site).",
    ),
    "a sibling subdomain": (
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_REFERER": "https://blog.fairway.test/"},
        "must come from a page of this site",
    ),
    "another site's page": (
        {"HTTP_REFERER": "https://evil.example/page"},
        "must come from a page of this site",
    ),
    "nothing at all": ({}, "must come from a page of this site: send an Origin header."),
}


@pytest.fixture
def victim(demo, browser):
    """A known visitor (one page view), and a client carrying the same cookie."""
    browser.page("/")
    attacker = Client()
    attacker.cookies = browser.cookies
    return visitor_id(browser), attacker


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
@pytest.mark.parametrize("hostile", list(HOSTILE))
def test_writes_from_elsewhere_are_403_and_change_nothing(victim, method, url, body, hostile):
    vid, attacker = victim
    headers, message = HOSTILE[hostile]
    events = Event.objects.count()
    data = json.dumps(body) if body is not None else ""
    response = attacker.generic(method, url, data, content_type="text/plain", **headers)
    assert response.status_code == 403
    assert response.json()["error"] == "cross_site"
    assert message in response.json()["detail"]
    assert Event.objects.count() == events
    assert Visitor.objects.get(pk=vid).consent == "unknown"
    assert not response.cookies


@pytest.mark.parametrize(
    "hostile", ["a sibling subdomain", "another site's page", "nothing at all"]
)
def test_counting_a_page_view_is_a_write(victim, hostile):
    vid, attacker = victim
    headers, message = HOSTILE[hostile]
    query = {"slots": "home-hero", "path": "/deals/", "track": "1"}
    response = attacker.get(DECISIONS, query, **headers)
    assert response.status_code == 403
    assert message in response.json()["detail"]
    assert Visitor.objects.get(pk=vid).page_views == 1
    assert attacker.get(DECISIONS, {"slots": "home-hero"}, **headers).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin"},  # a current browser: fetch() from our page
        {"HTTP_REFERER": f"{ORIGIN}/deals/"},  # an older browser
        {"HTTP_ORIGIN": ORIGIN},  # a headless front-end's server
    ],
)
def test_the_sites_own_pages_may_write(demo, browser, headers):
    query = {"slots": "home-hero", "path": "/deals/", "track": "1"}
    assert browser.get(DECISIONS, query, **headers).status_code == 200
    assert Event.objects.filter(name="page_view", path="/deals/").count() == 1
    response = browser.generic(
        "POST", EVENTS, json.dumps(WRITES[0][2]), content_type="text/plain", **headers
    )
    assert response.status_code == 202


@pytest.mark.parametrize(
    "origin",
    ["http://[::1", "https://[not-an-address]", "https://[::1]x", "https://a.fairway.test"],
)
def test_malformed_origins_are_compared_with_wildcard_trusted_origins_safely(
    victim, settings, origin
):
    settings.CSRF_TRUSTED_ORIGINS = ["http://*.fairway.test"]  # (https is not trusted)
    vid, attacker = victim
    body = json.dumps(WRITES[0][2])
    response = attacker.post(EVENTS, body, content_type="text/plain", HTTP_ORIGIN=origin)
    assert response.status_code == 403
    assert response.json()["error"] == "cross_site"
    assert Visitor.objects.get(pk=vid).page_views == 1


def test_a_wildcard_trusted_origin_may_write(demo, browser, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.fairway.test"]
    response = browser.generic(
        "POST", EVENTS, json.dumps(WRITES[0][2]), content_type="text/plain",
        HTTP_ORIGIN="https://shop.fairway.test",
    )  # fmt: skip
    assert response.status_code == 202
