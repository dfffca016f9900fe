"""Hostile and malformed input gets a normal page with default content, never a 500."""

import json
import pickle

import pytest
from django.db.models import JSONField, Value
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personalize.models import (
    BrowserRule,
    DateRangeRule,
    DayOfWeekRule,
    DeviceRule,
    Event,
    OSRule,
    PageVisitRule,
    UTMRule,
    Visitor,
)
from personalize.rules.context import WEEKDAYS
from tests.conftest import shown
from tests.factories import SegmentFactory, SignalFactory, SlotFactory, VariantFactory

pytestmark = pytest.mark.django_db

LATIN1 = st.text(alphabet=st.characters(max_codepoint=255), max_size=3000)
HUGE = "A" * 100_000


@pytest.mark.parametrize(
    "meta",
    [
        {"HTTP_USER_AGENT": HUGE},
        {"HTTP_USER_AGENT": "Mozilla\x00/5.0\x00"},
        {"HTTP_USER_AGENT": "ð\x9f\x98\x80 Ã©"},  # UTF-8 seen through latin-1
        {"HTTP_REFERER": "https://" + "a" * 100_000 + ".com/?q=" + "b" * 10_000},
        {"HTTP_REFERER": "https://www.google.com/search?q=%ZZ%C3%28\x00"},
        {"HTTP_REFERER": "javascript:alert(1)"},
        {"HTTP_REFERER": "http://[::1]:99999/"},
        {"HTTP_ACCEPT_LANGUAGE": "en-GB;q=abc," * 5000},
        {"HTTP_ACCEPT_LANGUAGE": "\x00\x01"},
        {"HTTP_SEC_CH_UA_MOBILE": "?" * 5000, "HTTP_SEC_CH_UA_PLATFORM": '"' * 5000},
        {"HTTP_X_FORWARDED_FOR": "1.2.3.4, " * 10_000},
        {"REMOTE_ADDR": "not-an-ip"},
        {"REMOTE_ADDR": ""},
        {"HTTP_COOKIE": "personalize_vid=" + "x" * 8000},
        {"HTTP_COOKIE": "personalize_consent=granted; personalize_vid=\x00"},
        {"HTTP_SEC_GPC": HUGE},
        {"HTTP_HOST": "evil.example.com"},
    ],
)
def test_hostile_headers_get_a_normal_page(demo, meta):
    response = Client(**meta).get("/")
    assert response.status_code in (200, 400)  # 400: Django's own disallowed host
    if response.status_code == 200:
        assert set(shown(response)) == {"home-hero", "home-promo"}


@pytest.mark.parametrize(
    "query",
    [
        "utm_medium=" + "e" * 100_000,
        "utm_source=%00%00&utm_medium=email%00",
        "utm_campaign=%ED%A0%80",  # an encoded lone surrogate
        "utm_campaign=%FF%FE%FD",  # invalid UTF-8
        "q=" + "%" * 5000,
        "&".join(f"k{i}=v" for i in range(5000)),
        "personalize_preview=segment:" + "x" * 10_000,
    ],
)
def test_hostile_query_strings_get_a_normal_page(demo, browser, query):
    response = browser.get("/?" + query)
    assert response.status_code == 200
    assert set(shown(response)) == {"home-hero", "home-promo"}


def test_stored_values_are_truncated_not_rejected(demo, browser):
    long_path = "/search/?q=" + "x" * 50
    browser.get(
        "/?utm_medium=email&utm_campaign=" + "c" * 1000, HTTP_REFERER="https://e.com/" + "p" * 5000
    )
    browser.get(long_path)
    event = Event.objects.filter(name="page_view").order_by("timestamp").first()
    assert len(event.utm_campaign) == 200
    assert len(event.referrer) <= 500
    assert "?" not in event.referrer  # query strings of referrers are never stored
    visitor = Visitor.objects.get()
    assert visitor.page_views == 2


def test_a_very_long_path_is_truncated_when_stored(db, browser):
    response = browser.get("/t/slot/" + "x" * 3000)
    assert response.status_code == 404
    browser.get("/t/slot/")
    assert all(len(path) <= 500 for path in Event.objects.values_list("path", flat=True))


@given(ua=LATIN1, referrer=LATIN1, language=LATIN1)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_header_text_gets_a_page(demo, ua, referrer, language):
    response = Client(HTTP_USER_AGENT=ua, HTTP_REFERER=referrer, HTTP_ACCEPT_LANGUAGE=language).get(
        "/"
    )
    assert response.status_code == 200


def test_rule_data_broken_in_the_database_evaluates_as_not_matching(db, browser, caplog):
    segment = SegmentFactory(slug="broken")
    rule = UTMRule.objects.create(segment=segment, parameter="utm_medium", value="email")
    PageVisitRule.objects.create(segment=SegmentFactory(slug="also-broken"), path="/")
    # written behind the validation's back
    UTMRule.objects.filter(pk=rule.pk).update(operator="regex", value="([a-z]+)+$(")
    PageVisitRule.objects.update(path_operator="no-such-operator")
    slot = SlotFactory(key="hero")
    VariantFactory(slot=slot, slug="a", segment=segment, priority=2)
    VariantFactory(slot=slot, slug="b", segment=SegmentFactory(slug="also-broken"), priority=1)
    for _ in range(3):
        response = browser.get("/t/slot/?utm_medium=email")
        assert response.status_code == 200
        assert shown(response) == {"hero": "default"}
    assert caplog.text.count("failed to evaluate") == 2  # once per rule, not per request


def test_an_unknown_rule_type_row_does_not_break_pages(db, browser, caplog):
    from django.contrib.contenttypes.models import ContentType

    from personalize.models import Rule

    segment = SegmentFactory(slug="ghost")
    rule = UTMRule.objects.create(segment=segment, parameter="utm_medium", value="email")
    # the row points at a content type whose model no longer exists
    ghost = ContentType.objects.create(app_label="personalize", model="ghostrule")
    Rule.objects.filter(pk=rule.pk).update(polymorphic_ctype=ghost)
    VariantFactory(slot=SlotFactory(key="hero"), slug="a", segment=segment)
    response = browser.get("/t/slot/?utm_medium=email")
    assert response.status_code == 200
    assert shown(response) == {"hero": "default"}


CHOICE_RULES = [
    (DeviceRule, {"device_types": ["desktop"]}, "device_types"),
    (BrowserRule, {"browsers": ["chrome"]}, "browsers"),
    (OSRule, {"systems": ["windows"]}, "systems"),
    (DayOfWeekRule, {"days": list(WEEKDAYS), "time_zone": "UTC"}, "days"),
]


@pytest.mark.parametrize("stored", [5, "desktop", {"desktop": 1}, [None], [["desktop"]], None])
@pytest.mark.parametrize(
    ("model", "fields", "name"), CHOICE_RULES, ids=lambda v: getattr(v, "__name__", "")
)
@pytest.mark.parametrize("negate", [False, True])
def test_choices_stored_in_the_wrong_shape_match_nobody_and_can_be_fixed(
    db, browser, admin_client, caplog, model, fields, name, stored, negate
):
    segment = SegmentFactory(slug="shaped")
    rule = model.objects.create(segment=segment, negate=negate, **fields)
    model.objects.filter(pk=rule.pk).update(**{name: Value(stored, JSONField())})
    VariantFactory(slot=SlotFactory(key="hero"), slug="a", segment=segment)
    for _ in range(2):
        response = browser.get("/t/slot/")
        assert response.status_code == 200
        assert shown(response) == {"hero": "default"}  # nobody, negated or not
    assert caplog.text.count("cannot be prepared") == 1
    assert getattr(model.objects.get(pk=rule.pk), name) == []  # read as nothing chosen
    # editors can open what is stored, through the admin and the API, and fix it
    assert admin_client.get(f"/admin/personalize/segment/{segment.pk}/change/").status_code == 200
    response = admin_client.get("/personalize/api/segments/shaped/")
    assert response.status_code == 200
    assert response.json()["rules"][0][name] == []


def test_a_rule_that_cannot_describe_its_stored_values_says_so(db, admin_client, caplog):
    segment = SegmentFactory(slug="undated")
    rule = DateRangeRule.objects.create(segment=segment, start_date="2025-01-01", time_zone="UTC")
    DateRangeRule.objects.filter(pk=rule.pk).update(start_date=None)  # neither end: no words
    response = admin_client.get("/personalize/api/segments/undated/")
    assert response.status_code == 200
    description = response.json()["rules"][0]["description"]
    assert description == "Date range rule with unreadable stored values"
    assert admin_client.get(f"/admin/personalize/segment/{segment.pk}/change/").status_code == 200
    assert "cannot describe its stored values" in caplog.text


@pytest.mark.parametrize("negate", [False, True])
def test_a_static_segment_with_unreadable_choices_has_no_members(db, negate):
    from personalize.services.segments import rebuild_segment

    segment = SegmentFactory(slug="listed", kind="static")
    rule = DeviceRule.objects.create(segment=segment, negate=negate, device_types=["mobile"])
    DeviceRule.objects.filter(pk=rule.pk).update(device_types=Value("mobile", JSONField()))
    Visitor.objects.create(device_type="mobile")
    Visitor.objects.create(device_type="desktop")
    assert rebuild_segment(segment.pk).members == 0


CACHE_OPERATIONS = (
    "get", "set", "add", "get_many", "set_many", "delete", "delete_many", "incr", "touch",
    "has_key", "get_or_set",
)  # fmt: skip
VISITOR_REQUESTS = [
    ("GET", "/", None),
    ("POST", "/guide/", {"first_name": "Ann", "email": "ann@fairway.test"}),
    ("GET", "/personalize/api/decisions/?slots=home-hero&path=/&track=1", None),
    ("POST", "/personalize/api/events/", {"events": [{"name": "signup", "id": "e1"}]}),
    ("GET", "/personalize/api/visitor/", None),
    ("POST", "/personalize/api/visitor/consent/", {"consent": "denied"}),
    ("DELETE", "/personalize/api/visitor/", None),
]


@pytest.mark.parametrize(
    "error", [pickle.UnpicklingError("bad data"), TimeoutError("slow"), ConnectionError("down")]
)
@pytest.mark.parametrize(("method", "url", "body"), VISITOR_REQUESTS, ids=lambda v: v or "")
def test_a_cache_that_raises_on_every_operation_fails_no_request(
    demo, browser, monkeypatch, error, method, url, body
):
    from django.core.cache.backends.locmem import LocMemCache

    browser.get("/")  # a returning visitor

    def broken(*args, **kwargs):
        raise error

    for name in CACHE_OPERATIONS:
        monkeypatch.setattr(LocMemCache, name, broken)
    origin = {"HTTP_ORIGIN": "http://testserver"}
    if url == "/guide/":
        response = browser.post(url, body)
    elif body is None:
        response = browser.generic(method, url, **origin)
    else:
        response = browser.generic(
            method, url, json.dumps(body), content_type="application/json", **origin
        )
    assert response.status_code < 500
    if url == "/":
        assert response.status_code == 200
        assert set(shown(response)) == {"home-hero", "home-promo"}


@pytest.mark.parametrize("points", [float("inf"), float("-inf")])  # (SQLite keeps no NaN)
def test_definitions_with_numbers_that_are_not_finite_lose_no_events(db, browser, points):
    from personalize.models import TopicMapping

    mapping = TopicMapping.objects.create(operator="starts_with", path="/t/", topics="golf")
    signal = SignalFactory(pattern="/t/", points=6, cap=0)
    TopicMapping.objects.filter(pk=mapping.pk).update(points=points)  # around validation
    type(signal).objects.filter(pk=signal.pk).update(points=points)
    for _ in range(2):
        assert browser.get("/t/slot/").status_code == 200
    assert Event.objects.filter(name="page_view").count() == 2  # (PostgreSQL refused NaN)
    json.dumps(Visitor.objects.get().profile, allow_nan=False)


def test_a_failing_profile_cache_is_skipped_for_its_retry_interval(demo, browser, monkeypatch):
    """After one failure the store keeps away from the cache (profiles come from the
    database) until the interval has passed; then one request tries it again."""
    from django.core.cache import caches

    from personalize.store import get_store

    browser.get("/clubs/beginner-set/")  # a returning visitor, synced to the database
    calls = []
    backend = type(caches["default"])  # local memory, or Redis in CI
    healthy = {name: getattr(backend, name) for name in ("get", "set")}

    def broken(self, *args, **kwargs):
        calls.append(args[0])
        raise TimeoutError("the cache hangs")

    for name in healthy:
        monkeypatch.setattr(backend, name, broken)
    for _ in range(3):
        response = browser.get("/")
        assert response.status_code == 200
        assert shown(response)["home-hero"] == "intermediate-upsell"  # from the database
    profile_calls = [key for key in calls if ":profile:" in key]
    assert len(profile_calls) == 1  # the first read failed; then the cache was left alone

    for name, method in healthy.items():
        monkeypatch.setattr(backend, name, method)
    store = get_store()
    store.breaker._open_until = 1.0  # the interval has passed
    assert browser.get("/").status_code == 200
    assert not store.breaker.is_open  # the trial call succeeded: the cache is used again
