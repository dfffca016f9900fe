"""The Fairway Golf journeys of the foundation, through the Django test client."""

import pytest
from django.test import Client

from personalize.models import Event, Visitor
from tests.conftest import IPHONE, shown

pytestmark = pytest.mark.django_db


def test_a_new_visitor_sees_the_defaults(demo, browser):
    response = browser.get("/")
    assert response.status_code == 200
    assert shown(response) == {"home-hero": "default", "home-promo": "default"}
    assert b"Browse golf club sets" in response.content


def test_after_viewing_the_beginner_set_home_shows_the_intermediate_upsell(demo, browser):
    browser.get("/clubs/beginner-set/")
    response = browser.get("/")
    assert shown(response)["home-hero"] == "intermediate-upsell"
    assert b"Browse intermediate clubs" in response.content


def test_the_intermediate_set_does_not_make_a_beginner(demo, browser):
    browser.get("/clubs/intermediate-set/")
    assert shown(browser.get("/"))["home-hero"] == "default"


def test_arriving_from_an_email_campaign_shows_the_newsletter_welcome(demo, browser):
    response = browser.get("/?utm_source=newsletter&utm_medium=email&utm_campaign=spring")
    assert shown(response)["home-promo"] == "newsletter-welcome"
    # the visit keeps its source on the next pages
    browser.get("/clubs/")
    assert shown(browser.get("/"))["home-promo"] == "newsletter-welcome"


def test_utm_medium_is_matched_without_regard_to_case(demo, browser):
    assert shown(browser.get("/?utm_medium=Email"))["home-promo"] == "newsletter-welcome"


def test_a_phone_sees_the_app_promo(demo):
    phone = Client(HTTP_USER_AGENT=IPHONE)
    assert shown(phone.get("/"))["home-promo"] == "app-promo"


def test_a_visitor_from_a_gb_address_sees_uk_delivery(demo):
    visitor = Client(REMOTE_ADDR="81.2.69.142")
    assert shown(visitor.get("/"))["home-promo"] == "uk-delivery"


def test_on_the_demo_server_a_visit_can_say_where_it_comes_from(demo, settings):
    """``make demo`` serves on the loopback: the demo trusts it as its proxy, so a local
    visitor can be a visitor from the United Kingdom; nobody else can."""
    from demo_site import settings as demo_settings

    settings.PERSONALIZE_TRUSTED_PROXIES = demo_settings.PERSONALIZE_TRUSTED_PROXIES
    local = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="81.2.69.142")
    assert shown(local.get("/"))["home-promo"] == "uk-delivery"
    remote = Client(REMOTE_ADDR="8.8.8.8", HTTP_X_FORWARDED_FOR="81.2.69.142")
    assert shown(remote.get("/"))["home-promo"] == "default"


def test_a_visitor_from_a_us_address_does_not(demo):
    visitor = Client(REMOTE_ADDR="8.8.8.8")
    assert shown(visitor.get("/"))["home-promo"] == "default"


def test_the_newsletter_outranks_the_phone_and_the_phone_outranks_the_uk(demo):
    visitor = Client(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="81.2.69.142")
    assert shown(visitor.get("/"))["home-promo"] == "app-promo"
    assert shown(visitor.get("/?utm_medium=email"))["home-promo"] == "newsletter-welcome"


def test_page_views_are_recorded_with_their_visitor(demo, browser):
    browser.get("/clubs/beginner-set/")
    browser.get("/")
    visitor = Visitor.objects.get()
    assert visitor.page_views == 2
    assert visitor.visit_count == 1
    paths = list(
        Event.objects.filter(name="page_view").order_by("timestamp").values_list("path", flat=True)
    )
    assert paths == ["/clubs/beginner-set/", "/"]
    impressions = set(Event.objects.filter(name="impression").values_list("slot", "variant"))
    assert impressions == {("home-hero", "intermediate-upsell"), ("home-promo", "default")}


def test_every_demo_page_renders(demo, browser):
    for path in [
        "/",
        "/clubs/",
        "/clubs/?level=beginner",
        "/clubs/beginner-set/",
        "/clubs/intermediate-set/",
        "/inspiration/",
        "/inspiration/dream-courses/",
        "/deals/",
        "/compare/",
        "/help/shipping/",
        "/help/returns/",
        "/guide/",
        "/search/?q=driver",
    ]:
        assert browser.get(path).status_code == 200, path


def test_the_buy_button_records_a_purchase_with_the_price(demo, browser):
    response = browser.post("/clubs/beginner-set/buy/")
    assert response.status_code == 302
    event = Event.objects.get(name="purchase")
    assert str(event.value) == "299.00"
    assert event.properties == {"product": "beginner-set"}
