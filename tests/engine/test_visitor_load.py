"""Loading the visitor: the shortcuts of the load path answer what the long way would."""

import pytest

from personalize.tracking.referrer import Source
from personalize.visitor import CurrentVisitor

pytestmark = pytest.mark.django_db

HTML = "text/html,application/xhtml+xml"


def load(rf, url="/page/", **headers):
    request = rf.get(url, HTTP_ACCEPT=HTML, **headers)
    request.COOKIES = {}
    visitor = CurrentVisitor(request)
    return visitor, visitor.ctx


@pytest.mark.parametrize(
    ("url", "referrer"),
    [
        ("/page/?utm_campaign=Spring%20Sale&utm_source=News", ""),
        ("/page/?gclid=abc&utm_medium=cpc", "https://www.google.com/search?q=golf+clubs"),
        ("/page/?fbclid=x", "http://testserver/other/"),
        ("/page/", "https://news.example.org/a\x00rticle"),
        ("/page/", "http://testserver/"),
        ("/page/?utm_campaign=%E2%80%AEevil%09tab", "https://WWW.Example.COM:8443/"),
    ],
)
def test_the_source_of_the_context_reads_as_the_profile_stores_it(rf, url, referrer):
    visitor, ctx = load(rf, url, HTTP_REFERER=referrer)
    assert visitor.page_recorded
    assert ctx.source == Source.from_dict(ctx.profile.source)
    assert ctx.first_source == Source.from_dict(ctx.profile.first_source)
    assert not ctx.source.click_ids  # the profile keeps no click ids


def test_a_request_that_is_not_a_page_view_still_reads_its_source_back(rf):
    request = rf.get("/api/thing/?utm_campaign=spring", HTTP_ACCEPT="application/json")
    request.COOKIES = {}
    ctx = CurrentVisitor(request).ctx
    assert ctx.source == Source.from_dict(ctx.profile.source)
    assert ctx.source.utm == {"utm_campaign": "spring"}


def test_a_source_replaced_after_loading_is_parsed_again(rf):
    _visitor, ctx = load(rf, "/page/?utm_campaign=spring")
    assert ctx.source.utm == {"utm_campaign": "spring"}
    ctx.profile.source = {"medium": "email", "utm": {"utm_campaign": "autumn"}}
    assert ctx.source.medium == "email"
    assert ctx.source.utm == {"utm_campaign": "autumn"}


HOSTS = [
    "testserver",
    "testserver:8000",
    "TESTSERVER",
    "fairway.test.",
    "evil.example.com",
    "evil.example.com:80",
    "testserver@evil.example.com",
    "[::1]",
    "[::1]:8000",
    "localhost:99999999",
    "",
    ":80",
    "bad host",
    "x" * 400,
    "t\u00e9stserver",
]


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize(
    ("allowed", "debug"),
    [
        (["testserver", "localhost", "fairway.test"], False),
        ([".example.com"], False),
        ([], True),
        (["*"], False),
        ([], False),
    ],
)
def test_the_request_host_is_what_get_host_allows(rf, settings, host, allowed, debug):
    from django.core.exceptions import DisallowedHost

    from personalize.request_facts import MAX_HOST, request_host

    settings.ALLOWED_HOSTS = allowed
    settings.DEBUG = debug
    request = rf.get("/", HTTP_HOST=host)
    try:
        expected = request.get_host()
    except DisallowedHost:
        expected = ""
    if len(host) > MAX_HOST:
        expected = ""
    assert request_host(request) == expected
    assert request_host(request) == expected  # remembered: the same answer


def test_the_request_host_follows_forwarded_hosts_and_server_names(rf, settings):
    from personalize.request_facts import request_host

    request = rf.get("/", HTTP_X_FORWARDED_HOST="fairway.test", HTTP_HOST="evil.example.com")
    assert request_host(request) == ""
    settings.USE_X_FORWARDED_HOST = True
    assert request_host(request) == "fairway.test"
    request = rf.get("/")
    request.META.pop("HTTP_HOST", None)
    request.META["SERVER_NAME"], request.META["SERVER_PORT"] = "localhost", "8080"
    assert request_host(request) == "localhost:8080"


def test_a_request_class_with_its_own_get_host_is_asked(rf):
    from django.http import HttpRequest

    from personalize.request_facts import request_host

    class Proxied(HttpRequest):
        def get_host(self):
            return "fairway.test"

    request = Proxied()
    request.META = {"HTTP_HOST": "evil.example.com"}
    assert request_host(request) == "fairway.test"


def test_a_forged_host_does_not_make_its_referrer_internal(rf):
    visitor, _ctx = load(rf, HTTP_HOST="evil.example.com", HTTP_REFERER="http://evil.example.com/")
    assert not visitor.request_source.is_internal
    assert visitor.request_source.medium == "referral"
    visitor, _ctx = load(rf, HTTP_HOST="fairway.test", HTTP_REFERER="http://fairway.test/a/")
    assert visitor.request_source.is_internal
