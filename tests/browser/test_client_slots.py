"""Client-side slots of a page served whole from a shared cache (the demo's /offers/)."""

import pytest

from personalize.models import Event, Visitor
from tests.browser.conftest import eventually
from tests.conftest import IPHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_offers_shows_a_newsletter_reader_their_variant(live_demo, tab):
    tab.page.add_init_script(
        "document.addEventListener('personalize:decided',"
        " e => { window.__decided = Object.keys(e.detail.slots).sort(); });"
    )
    response = tab.open("/offers/?utm_medium=email")
    assert "public" in response.headers["cache-control"]
    assert "set-cookie" not in response.headers
    assert tab.slots() == {"home-hero": "default", "home-promo": "newsletter-welcome"}
    assert tab.page.evaluate("window.__decided") == ["home-hero", "home-promo"]
    assert len(tab.api_calls("decisions/")) == 1
    assert tab.errors == []


def test_offers_shows_a_phone_user_the_app(live_demo, tab_factory):
    tab = tab_factory(user_agent=IPHONE)
    tab.open("/offers/")
    assert tab.slots()["home-promo"] == "app-promo"
    assert len(tab.api_calls("decisions/")) == 1
    assert tab.errors == []


def test_a_new_visitor_of_a_shared_page_stays_one_visitor(live_demo, tab):
    """The decision request (which sets the visitor cookie) and the impressions of the page's
    server-side slots come from one browser: they must land on one visitor."""
    tab.open("/t/shared/?utm_medium=email")
    assert tab.slots() == {"home-promo": "newsletter-welcome", "footer-note": "default"}
    assert eventually(lambda: Event.objects.count() == 3)
    assert Visitor.objects.count() == 1
    assert Event.objects.values("visitor").distinct().count() == 1
    events = sorted(Event.objects.values_list("name", "slot", "variant"))
    assert events == [
        ("impression", "footer-note", "default"),
        ("impression", "home-promo", "newsletter-welcome"),
        ("page_view", "", ""),
    ]
    assert tab.errors == []


def test_the_markup_swapped_in_is_what_the_server_renders(live_demo, tab):
    tab.open("/?utm_medium=email")  # rendered by the server for this visitor
    served = {key: tab.slot_html(key) for key in tab.slots()}
    served_variants = tab.slots()
    tab.open("/offers/")  # the same slots, filled in the browser
    filled = tab.slots()
    assert filled["home-promo"] == served_variants["home-promo"] == "newsletter-welcome"
    same = [key for key in filled if filled[key] == served_variants[key]]
    assert "home-promo" in same
    for key in same:
        assert tab.slot_html(key) == served[key], key
    assert tab.errors == []


def held_decisions(tab):
    """Decision requests are held (never answered) as an endpoint that hangs would."""
    held = []
    tab.page.route("**/personalize/api/decisions/**", lambda route: held.append(route))
    return held


def test_a_decision_endpoint_that_hangs_leaves_the_default_past_the_timeout(live_demo, tab):
    held = held_decisions(tab)
    failed = []
    tab.page.on("requestfailed", lambda request: failed.append(request.url))
    tab.page.goto(tab.base + "/offers/?utm_medium=email")
    default_html = tab.slot_html("home-promo")
    tab.page.wait_for_timeout(3500)  # {% personalize_js %}'s timeout is 2.5 s
    assert len(held) == 1
    assert [url for url in failed if "/decisions/" in url], "aborted at the timeout"
    assert tab.slots() == {"home-hero": "default", "home-promo": "default"}
    assert tab.slot_html("home-promo") == default_html
    assert len(tab.api_calls("decisions/")) == 1  # never retried
    assert tab.errors == []


@pytest.mark.parametrize("failure", ["500", "network", "not json"])
def test_a_failing_decision_endpoint_leaves_the_default(live_demo, tab, failure):
    def fail(route):
        if failure == "500":
            route.fulfill(status=500, body="oops")
        elif failure == "network":
            route.abort()
        else:
            route.fulfill(status=200, body="<html>", content_type="application/json")

    tab.page.route("**/personalize/api/decisions/**", fail)
    tab.open("/offers/?utm_medium=email", 300)
    assert tab.slots() == {"home-hero": "default", "home-promo": "default"}
    assert "Members' prices" in tab.slot_html("home-promo")
    assert len(tab.api_calls("decisions/")) == 1
    # only the browser's own report of the failed request, nothing thrown by the script
    assert not [line for line in tab.errors if "Failed to load resource" not in line]
