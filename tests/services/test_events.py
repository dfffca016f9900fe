"""track(): custom events stored once, validated and bounded, read by rules and signals."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

import personalize
from personalize.models import Event, EventRule, Segment
from personalize.visitor import CurrentVisitor
from tests.services.conftest import track

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.services.urls")]


def test_track_stores_the_event_with_its_value_and_properties(client):
    client.get("/")
    response = track(client, "purchase", "649.004", product="intermediate-set", quantity=1)
    assert response.json() == {"tracked": True}
    event = Event.objects.get(name="purchase")
    assert event.value == Decimal("649.00")
    assert event.properties == {"product": "intermediate-set", "quantity": 1}
    assert event.path == "/t/track/"


def test_tracked_events_feed_event_rules_at_once(client):
    segment = Segment.objects.create(name="Big spenders", slug="big-spenders")
    EventRule.objects.create(segment=segment, event="purchase", aggregate="avg", value=500)
    track(client, "purchase", 649)
    assert client.get("/").wsgi_request.visitor.in_segment("big-spenders")
    track(client, "purchase", 89)
    assert not client.get("/").wsgi_request.visitor.in_segment("big-spenders")


def test_a_segment_asked_before_track_is_answered_again_after_it():
    """intents.md: track() "counts at once in the visitor's profile (so EventRule sees it on
    the next question, in the same request)": also a segment already asked in that request."""
    segment = Segment.objects.create(name="Big spenders", slug="big-spenders")
    EventRule.objects.create(segment=segment, event="purchase", aggregate="avg", value=500)
    request = RequestFactory().get("/")
    request.COOKIES = {}
    request.user = AnonymousUser()
    request.visitor = CurrentVisitor(request)
    assert not request.visitor.in_segment("big-spenders")
    personalize.track(request, "purchase", value=649)
    assert request.visitor.in_segment("big-spenders")
    assert request.visitor.segments == ["big-spenders"]


@pytest.mark.parametrize(
    ("name", "value", "properties", "message"),
    [
        ("", None, {}, "Event names are 1-64"),
        ("has space", None, {}, "Event names are 1-64"),
        ("x" * 65, None, {}, "Event names are 1-64"),
        ("page_view", None, {}, "recorded automatically"),
        ("purchase", "lots", {}, "must be a number"),
        ("purchase", True, {}, "not a boolean"),
        ("purchase", "1e20", {}, "finite number from -999999999999.99 to 999999999999.99"),
        ("purchase", "NaN", {}, "finite number from"),
        ("purchase", "1000000000000", {}, "finite number from"),
        ("purchase", None, {"items": [1, 2]}, "got list"),
        ("purchase", None, {"meta": {"a": 1}}, "got dict"),
        ("purchase", None, {"note": "a\x00b"}, "NUL character"),
        ("purchase", None, {"x" * 65: 1}, "Property names are 1-64"),
        ("purchase", None, {f"p{n}": n for n in range(21)}, "At most 20 properties"),
        ("purchase", None, {"note": "x" * 3000}, "the limit is 2048"),
    ],
)
def test_bad_events_are_refused_with_a_clear_error(client, name, value, properties, message):
    response = track(client, name, value, **properties)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Event.objects.exclude(name="page_view").exists()


def test_limits_are_settings(client, settings):
    settings.PERSONALIZE_MAX_EVENT_PROPERTIES = 2
    response = track(client, "signup", a=1, b=2, c=3)
    assert "At most 2 properties per event; got 3" in response.json()["error"]


def test_the_largest_documented_value_is_accepted(client):
    """docs: a value "up to 999,999,999,999.99"; the error said "below" it."""
    assert track(client, "purchase", "999999999999.99").json() == {"tracked": True}
    assert track(client, "refund", "-999999999999.99").json() == {"tracked": True}
    values = set(Event.objects.exclude(name="page_view").values_list("value", flat=True))
    assert values == {Decimal("999999999999.99"), Decimal("-999999999999.99")}


def test_form_values_are_accepted():
    import datetime as dt

    from personalize.services.validation import clean_properties

    cleaned = clean_properties(
        {"price": Decimal("19.99"), "day": dt.date(2025, 6, 1), "gift": False, "note": " hi\x07 "}
    )
    assert cleaned == {"price": 19.99, "day": "2025-06-01", "gift": False, "note": "hi"}


def test_track_without_the_middleware_says_how_to_fix_it():
    request = RequestFactory().get("/")
    with pytest.raises(ImproperlyConfigured, match="PersonalizeMiddleware"):
        personalize.track(request, "purchase")
    with pytest.raises(ImproperlyConfigured, match="PersonalizeMiddleware"):
        personalize.identify(request, email="jeff@example.com")


def test_events_of_a_staff_preview_are_not_tracked(admin_client):
    from tests.services.conftest import post_json

    preview = post_json(
        admin_client,
        "/t/track/?personalize_preview=segment:golfers",
        {"name": "purchase", "value": 10},
    )
    assert preview.json() == {"tracked": False}
    assert not Event.objects.filter(name="purchase").exists()
    assert track(admin_client, "purchase", 10).json() == {"tracked": True}
    assert Event.objects.filter(name="purchase").count() == 1
