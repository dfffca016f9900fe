"""Client-side slots of a page served whole from a shared cache (the demo's /offers/)."""

import pytest

from personalize.models import Event, Visitor
from tests.conftest import IPHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_offers_shows_a_newsletter_reader_their_variant(live_demo, tab):
    response = tab.open("/offers/?utm_medium=email")
    assert "public" in response.headers["cache-control"]
    assert tab.slots() == {"home-hero": "default", "home-promo": "newsletter-welcome"}
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
    assert Visitor.objects.count() == 1
    assert Event.objects.values("visitor").distinct().count() == 1
    events = sorted(Event.objects.values_list("name", "slot", "variant"))
    assert events == [
        ("impression", "footer-note", "default"),
        ("impression", "home-promo", "newsletter-welcome"),
        ("page_view", "", ""),
    ]
    assert tab.errors == []
