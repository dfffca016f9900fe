"""Clicks inside slots are recorded, and the links still go where they lead."""

import pytest

from personalize.models import Event
from tests.browser.conftest import eventually

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def clicks():
    return list(Event.objects.filter(name="click").values_list("slot", "variant", "path"))


def test_a_variants_call_to_action_is_counted_by_the_click_through(live_demo, tab):
    tab.open("/offers/?utm_medium=email")
    link = tab.page.locator('[data-personalize-slot="home-promo"] a')
    assert link.get_attribute("href").startswith("/personalize/go/")
    with tab.page.expect_navigation():
        link.click()
    tab.settle()
    assert tab.page.url == tab.base + "/clubs/"
    assert eventually(clicks)
    assert clicks() == [("home-promo", "newsletter-welcome", "/offers/")]
    assert tab.api_calls("events/") == []  # the endpoint counted it: no beacon besides
    assert tab.errors == []


def test_a_link_in_the_default_content_is_counted_by_a_beacon(live_demo, tab):
    tab.page.route("**/personalize/api/decisions/**", lambda route: route.abort())
    tab.open("/offers/")
    assert tab.slots()["home-promo"] == "default"
    with tab.page.expect_navigation():
        tab.page.click('[data-personalize-slot="home-promo"] a[href="/deals/"]')
    tab.settle()
    assert tab.page.url == tab.base + "/deals/"
    assert eventually(clicks)
    assert clicks() == [("home-promo", "default", "/offers/")]


def test_a_prefetched_call_to_action_is_still_counted_when_clicked(live_demo, tab):
    """Speculation Rules that prefetch every link (as some sites and platforms add) fetch the
    click-through link too: the click must still reach the server."""
    tab.open("/offers/?utm_medium=email")
    tab.page.evaluate(
        """() => {
        const rules = document.createElement("script");
        rules.type = "speculationrules";
        rules.textContent = JSON.stringify({prefetch: [
            {source: "document", where: {href_matches: "/personalize/go/*"}, eagerness: "immediate"}
        ]});
        document.head.appendChild(rules);
    }"""
    )
    tab.page.wait_for_timeout(1500)
    prefetched = [r for r in tab.requests if "/personalize/go/" in r.url]
    with tab.page.expect_navigation():
        tab.page.click('[data-personalize-slot="home-promo"] a')
    tab.settle()
    assert tab.page.url == tab.base + "/clubs/"
    assert eventually(clicks)
    assert clicks() == [("home-promo", "newsletter-welcome", "/offers/")]
    assert prefetched, "the link was prefetched"
