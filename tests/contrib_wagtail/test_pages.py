"""Wagtail pages served through Wagtail's own view with PersonalizeMiddleware: different
visitors see different content, previews show the defaults, and blocks cost no queries."""

import io

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory

from personalize.models import DeviceRule, Event, Slot, UTMRule
from tests.conftest import DESKTOP, IPHONE, shown
from tests.contrib_wagtail.conftest import make_page
from tests.factories import SegmentFactory, SlotFactory, VariantFactory

pytestmark = pytest.mark.django_db

BODY = [
    {"type": "heading", "value": "Fairway Golf"},
    {"type": "slot", "value": {"slot": "home-hero", "default": "<p>Browse all clubs</p>"}},
    {
        "type": "promo",
        "value": {
            "slot": "home-promo",
            "default": [
                {"type": "heading", "value": "Free fitting"},
                {"type": "paragraph", "value": "<p>Book a session</p>"},
            ],
        },
    },
    {
        "type": "segment",
        "value": {
            "segments": ["mobile"],
            "match": "any",
            "content": "<p>Get the app</p>",
            "otherwise": "<p>Visit our store</p>",
        },
    },
]


@pytest.fixture
def definitions():
    summer = SegmentFactory(slug="summer-sale", name="Summer sale")
    UTMRule.objects.create(segment=summer, parameter="utm_campaign", value="summer-sale")
    mobile = SegmentFactory(slug="mobile", name="Mobile")
    DeviceRule.objects.create(segment=mobile, device_types=["mobile"])
    hero = SlotFactory(key="home-hero", name="Home hero")
    VariantFactory(slot=hero, slug="summer", segment=summer, title="Summer sale: 20% off")
    promo = SlotFactory(key="home-promo", name="Home promo")
    VariantFactory(slot=promo, slug="on-the-go", segment=mobile, title="Golf on the go")
    return summer, mobile


@pytest.fixture
def page(definitions):
    return make_page(BODY)


def get(path="/", user_agent=DESKTOP, client=None):
    return (client or Client()).get(path, HTTP_USER_AGENT=user_agent)


def test_a_visitor_with_no_segment_sees_the_editor_defaults(page):
    response = get()
    assert response.status_code == 200
    html = response.content.decode()
    assert shown(response) == {"home-hero": "default", "home-promo": "default"}
    assert "<p>Browse all clubs</p>" in html
    assert "Free fitting" in html
    assert "<p>Visit our store</p>" in html
    assert "Get the app" not in html
    assert response["Cache-Control"] == "private"


def test_a_campaign_visitor_sees_the_campaign_variant(page):
    response = get("/?utm_campaign=summer-sale")
    html = response.content.decode()
    assert shown(response) == {"home-hero": "summer", "home-promo": "default"}
    assert "Summer sale: 20% off" in html
    assert "Browse all clubs" not in html


def test_a_phone_visitor_sees_the_mobile_variant_and_segment_content(page):
    response = get(user_agent=IPHONE)
    html = response.content.decode()
    assert shown(response) == {"home-hero": "default", "home-promo": "on-the-go"}
    assert '<section data-personalize-slot="home-promo"' in html
    assert "Golf on the go" in html
    assert "Free fitting" not in html
    assert "<p>Get the app</p>" in html
    assert "Visit our store" not in html


def test_the_campaign_sticks_to_the_visitor_on_later_pages(page):
    client = Client()
    get("/?utm_campaign=summer-sale", client=client)
    assert shown(get(client=client))["home-hero"] == "summer"


def test_the_middleware_records_the_page_view_and_impressions(page):
    get("/?utm_campaign=summer-sale", user_agent=IPHONE)
    assert Event.objects.filter(name="page_view").count() == 1
    impressions = {(e.slot, e.variant) for e in Event.objects.filter(name="impression")}
    assert impressions == {("home-hero", "summer"), ("home-promo", "on-the-go")}


def test_wagtail_preview_shows_the_defaults_to_the_editor(page):
    original = RequestFactory().get("/?utm_campaign=summer-sale", HTTP_USER_AGENT=IPHONE)
    response = page.make_preview_request(original)
    html = response.content.decode()
    assert response.status_code == 200
    assert shown(response) == {"home-hero": "default", "home-promo": "default"}
    assert "<p>Browse all clubs</p>" in html
    assert "Free fitting" in html
    assert "<p>Visit our store</p>" in html
    assert not Event.objects.exists()  # a preview is not a page view: nothing is recorded
    assert "personalize_vid" not in response.cookies


def test_page_body_rendered_without_include_block_falls_back_to_defaults(page):
    html = str(type(page).objects.get(pk=page.pk).body)  # {{ page.body }}: no context
    assert 'data-personalize-variant="default"' in html
    assert "<p>Browse all clubs</p>" in html


def test_stored_values_that_no_longer_exist_render_defaults(definitions):
    make_page(
        [
            {"type": "slot", "value": {"slot": "retired-slot", "default": "<p>Old hero</p>"}},
            {"type": "slot", "value": {"slot": "", "default": "<p>No slot</p>"}},
            {"type": "segment", "value": {"segments": ["gone"], "otherwise": "<p>Else</p>"}},
            {"type": "segment", "value": {"segments": "mobile", "content": "<p>Phone</p>"}},
            {"type": "slot", "value": {"slot": "home-hero", "default": "<p>Deleted</p>"}},
            {"type": "slot", "value": {"slot": 42, "default": "<p>Number</p>"}},
        ]
    )
    Slot.objects.filter(key="home-hero").delete()
    response = get("/?utm_campaign=summer-sale", user_agent=IPHONE)
    assert response.status_code == 200
    html = response.content.decode()
    assert shown(response) == {"retired-slot": "default", "home-hero": "default", "42": "default"}
    for text in ("Old hero", "No slot", "Else", "Phone", "Deleted", "Number"):
        assert text in html


def test_personalized_blocks_add_no_queries_to_a_page(definitions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    home = make_page([{"type": "heading", "value": "No personalization"}])
    make_page(BODY[1:2], slug="one", parent=home)
    make_page(BODY * 5, slug="many", parent=home)
    counts, sql = {}, {}
    for path in ("/one/", "/many/"):
        client = Client()
        get(f"{path}?utm_campaign=summer-sale", client=client)  # warm: a known visitor
        with CaptureQueriesContext(connection) as queries:
            response = get(path, user_agent=IPHONE, client=client)
        assert response.status_code == 200
        counts[path] = len(queries)
        sql[path] = [query["sql"] for query in queries]
    # Wagtail's routing and the middleware's page view, the same for one block or fifteen;
    # the definitions come from the in-process snapshot
    assert counts["/many/"] == counts["/one/"], sql
    definitions = ("personalize_slot", "personalize_variant", "personalize_segment", "rule")
    assert not [q for q in sql["/many/"] if any(table in q for table in definitions)]
    assert shown(response) == {"home-hero": "summer", "home-promo": "on-the-go"}


def test_the_test_app_has_no_missing_migrations():
    call_command(
        "makemigrations", "wagtail_testapp", check=True, dry_run=True, stdout=io.StringIO()
    )


def test_staff_preview_links_of_the_personalization_admin_work_on_wagtail_pages(page, client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("staff", "staff@example.com", "pw"))
    response = client.get("/?personalize_preview=segment:mobile,variant:home-hero=summer")
    html = response.content.decode()
    assert shown(response) == {"home-hero": "summer", "home-promo": "on-the-go"}
    assert "<p>Get the app</p>" in html
    assert "Exit preview" in html  # the preview bar
    assert not Event.objects.exists()  # previews are never tracked
