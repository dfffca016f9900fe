import pytest
from django.core.cache import cache

from personalize.api.throttling import parse_rate
from personalize.models import Event
from tests.api.conftest import Browser

EVENTS = "/personalize/api/events/"
DECISIONS = "/personalize/api/decisions/"
pytestmark = pytest.mark.django_db


def send(browser, n, **extra):
    return browser.beacon(EVENTS, {"events": [{"id": f"e{n}", "name": "signup"}]}, **extra)


def test_a_flood_from_one_visitor_is_429_with_retry_after(demo, browser, settings):
    settings.PERSONALIZE_API_RATE_PER_VISITOR = "3/min"
    settings.PERSONALIZE_API_RATE_PER_ADDRESS = None
    send(browser, 0)  # the first request gives the visitor a cookie
    statuses = [send(browser, n).status_code for n in range(1, 5)]
    assert statuses == [202, 202, 202, 429]
    response = send(browser, 9)
    assert response.status_code == 429
    body = response.json()
    assert body["error"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert body["retry_after"] == int(response["Retry-After"])
    assert Event.objects.count() == 4  # nothing from the refused requests


def test_new_visitors_are_limited_by_address(demo, settings):
    settings.PERSONALIZE_API_RATE_PER_ADDRESS = "2/min"
    statuses = [send(Browser(), n).status_code for n in range(3)]
    assert statuses == [202, 202, 429]
    other = Browser(REMOTE_ADDR="203.0.113.9")
    assert send(other, 4).status_code == 202


def test_decisions_are_limited_too(demo, browser, settings):
    settings.PERSONALIZE_API_RATE_PER_ADDRESS = "1/min"
    assert browser.get(DECISIONS, {"slots": "home-hero"}).status_code == 200
    assert browser.get(DECISIONS, {"slots": "home-hero"}).status_code == 429


def test_ipv6_clients_are_counted_per_network(demo, settings):
    settings.PERSONALIZE_API_RATE_PER_ADDRESS = "1/min"
    assert send(Browser(REMOTE_ADDR="2001:db8::1"), 1).status_code == 202
    assert send(Browser(REMOTE_ADDR="2001:db8::2"), 2).status_code == 429
    assert send(Browser(REMOTE_ADDR="2001:db8:0:1::1"), 3).status_code == 202


def test_addresses_are_never_stored(demo, settings, monkeypatch):
    settings.PERSONALIZE_API_RATE_PER_ADDRESS = "5/min"
    keys = []
    original = cache.add

    def recording_add(key, *args, **kwargs):
        keys.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(cache, "add", recording_add)
    send(Browser(REMOTE_ADDR="198.51.100.23"), 1)
    throttle_keys = [key for key in keys if "throttle" in key]
    assert throttle_keys
    assert not any("198.51.100.23" in key for key in throttle_keys)


def test_a_broken_cache_lets_requests_through(demo, browser, settings, monkeypatch):
    settings.PERSONALIZE_API_RATE_PER_ADDRESS = "1/min"

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "incr", broken)
    assert browser.get(DECISIONS, {"slots": "home-hero"}).status_code == 200
    assert browser.get(DECISIONS, {"slots": "home-hero"}).status_code == 200


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("120/min", (120, 60)),
        ("5/s", (5, 1)),
        ("10/hour", (10, 3600)),
        ("1/day", (1, 86400)),
        ("30/ Minute", (30, 60)),
        ("2/seconds", (2, 1)),
    ],
)
def test_parse_rate(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize(
    "rate", ["fast", "10", "x/min", "10/fortnight", "10/month", "10/mins", 10, "-1/min", "5/"]
)
def test_parse_rate_refuses_nonsense(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


def test_a_bad_rate_is_logged_once_and_the_default_applies(demo, settings, caplog, monkeypatch):
    from personalize.conf import DEFAULTS

    settings.PERSONALIZE_API_RATE_PER_VISITOR = None
    settings.PERSONALIZE_API_RATE_PER_ADDRESS = "lots"
    monkeypatch.setitem(DEFAULTS, "API_RATE_PER_ADDRESS", "2/min")
    with caplog.at_level("ERROR", logger="personalize"):
        statuses = [send(Browser(), n).status_code for n in range(4)]
    assert statuses == [202, 202, 429, 429]  # the default's limit, no server error
    messages = [r.getMessage() for r in caplog.records if "API_RATE_PER_ADDRESS" in r.getMessage()]
    assert messages == [
        "personalize: PERSONALIZE_API_RATE_PER_ADDRESS is not a rate (a rate looks like "
        "'120/min' (s, min, hour or day); got 'lots'); using the default '2/min'."
    ]


def test_a_bad_rate_is_reported_by_the_system_check(settings):
    from personalize.api.checks import check_api_settings

    settings.PERSONALIZE_API_RATE_PER_ADDRESS = "lots"
    assert [error.id for error in check_api_settings()] == ["personalize.E020"]
