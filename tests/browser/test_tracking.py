"""What the script reports, and what it must not: impressions, page views, privacy, CSP."""

import pytest

from personalize.models import Event, Visitor
from tests.browser.conftest import eventually

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_impressions_are_counted_once_a_visit(live_demo, tab):
    for _ in range(3):
        tab.open("/offers/?utm_medium=email")
    tab.page.reload()
    tab.settle()
    impressions = Event.objects.filter(name="impression")
    shown = list(impressions.values_list("slot", "variant"))
    assert len(shown) == len(set(shown))  # each slot's variant once, however often shown
    assert ("home-promo", "newsletter-welcome") in shown
    assert Event.objects.filter(name="page_view", path="/offers/").count() == 4
    assert len(tab.api_calls("decisions/")) == 4  # one a page
    assert tab.errors == []


@pytest.mark.parametrize("path", ["/clubs/", "/help/shipping/", "/deals/"])
def test_pages_without_personalize_markup_make_no_api_call(live_demo, tab, path):
    tab.open(path, 300)
    assert tab.page.locator("script[data-personalize-decisions]").count() == 1
    assert tab.page.locator("[data-personalize-slot]").count() == 0
    tab.page.click("main", position={"x": 5, "y": 5})  # clicks outside slots are not sent
    tab.page.wait_for_timeout(300)
    assert tab.api_calls() == []
    assert tab.errors == []


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
)


def test_a_strict_script_src_policy_is_enough(live_demo, tab):
    """No inline script anywhere: ``script-src 'self'`` lets the script do all its work."""

    def with_policy(route):
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": CSP}
        )

    tab.page.route(lambda url: "/personalize/" not in url and "/static/" not in url, with_policy)
    tab.page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = tab.open("/offers/?utm_medium=email")
    assert response.headers["content-security-policy"] == CSP
    assert tab.slots()["home-promo"] == "newsletter-welcome"
    with tab.page.expect_navigation():
        tab.page.click('[data-personalize-slot="home-promo"] a')
    tab.open("/")
    assert tab.slots()["home-promo"] == "newsletter-welcome"
    assert tab.page.evaluate("window.__violations") == []
    assert tab.errors == []
    clicked = Event.objects.filter(name="click", variant="newsletter-welcome")
    assert eventually(clicked.exists)
    assert clicked.count() == 1


def test_a_visitor_who_sends_gpc_is_not_tracked_by_the_script_either(live_demo, tab_factory):
    tab = tab_factory(extra_http_headers={"Sec-GPC": "1"})
    tab.open("/offers/?utm_medium=email")
    assert len(tab.api_calls("decisions/")) == 1
    tab.page.route("**/personalize/api/decisions/**", lambda route: route.abort())
    tab.open("/offers/")  # the default content: its links are sent by beacons
    with tab.page.expect_navigation():
        tab.page.click('[data-personalize-slot="home-promo"] a[href="/deals/"]')
    tab.settle(300)
    assert eventually(lambda: tab.api_calls("events/"))  # the click's beacon, refused
    assert all(request.headers.get("sec-gpc") == "1" for request in tab.api_calls())
    assert not Visitor.objects.exists()
    assert not Event.objects.exists()
    assert tab.page.context.cookies() == []


def test_once_told_the_visitor_is_not_tracked_the_script_sends_nothing(live_demo, tab_factory):
    tab = tab_factory(extra_http_headers={"Sec-GPC": "1"})
    tab.open("/t/shared/?utm_medium=email")  # a client-side slot and a server-side one
    assert tab.slots() == {"home-promo": "newsletter-welcome", "footer-note": "default"}
    with tab.page.expect_navigation():
        tab.page.click('[data-personalize-slot="footer-note"] a')
    tab.settle(300)
    assert [request.url for request in tab.api_calls()] == [
        tab.base + "/personalize/api/decisions/?slots=home-promo"
        "&path=%2Ft%2Fshared%2F%3Futm_medium%3Demail&track=1"
    ]
    assert not Event.objects.exists()
