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


QUERY_STRINGS = [
    "",
    "utm_campaign=spring",
    "q=golf+clubs&q=irons&page=2",
    "a=%E2%82%AC&b=%ff%fe&c=\xe9t\xe9",
    "x=%00%01\x7f&y=%E2%80%AE&=empty&flag",
    "&".join(f"k{i}=v{i}" for i in range(80)),
    "a=" + "z" * 1990,
    "a=" + "z" * 3000,
    "utm_source=%3Cscript%3E;utm_medium=;",
]


@pytest.mark.parametrize("query_string", QUERY_STRINGS)
@pytest.mark.parametrize("max_fields", [1000, 10])
def test_the_query_is_what_the_parsed_get_gives(rf, settings, query_string, max_fields):
    from personalize.tracking.headers import clean_query

    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = max_fields
    request = rf.get("/")
    request.environ["QUERY_STRING"] = query_string
    query = CurrentVisitor(request).query
    try:
        expected = clean_query(request.GET)
    except Exception:  # TooManyFieldsSent
        expected = {}
    assert query == expected
    query["mine"] = "changed"  # each request has its own copy
    assert "mine" not in CurrentVisitor(rf.get("/", QUERY_STRING=query_string)).query


def test_a_query_parsed_before_the_visitor_reads_it_is_the_one_read(rf):
    from django.http import QueryDict

    request = rf.get("/?a=1")
    request.GET = QueryDict("b=2")
    assert CurrentVisitor(request).query == {"b": "2"}


def test_the_query_follows_the_request_encoding(rf):
    request = rf.get("/")
    request.environ["QUERY_STRING"] = "a=%E9t%E9"
    assert CurrentVisitor(request).query == {"a": "\ufffdt\ufffd"}
    request = rf.get("/")
    request.environ["QUERY_STRING"] = "a=%E9t%E9"
    request.encoding = "latin-1"
    assert CurrentVisitor(request).query == {"a": "\xe9t\xe9"}


@pytest.mark.parametrize(
    "query_string",
    [
        "personalize_preview=x",
        "a=1&personalize%5Fpreview=x",
        "personalize%5fpreview=x",
        "a=personalize_preview",
    ],
)
def test_a_preview_parameter_is_found_however_it_is_written(rf, query_string):
    request = rf.get("/")
    request.environ["QUERY_STRING"] = query_string
    request.user = None  # not staff: the preview is refused after the parameter is read
    visitor = CurrentVisitor(request)
    assert visitor.preview is None
    # The parameter was looked for in the parsed query whenever it might be there.
    assert "GET" in request.__dict__


def test_no_preview_parameter_is_told_without_parsing_the_query(rf):
    request = rf.get("/?utm_campaign=spring")
    visitor = CurrentVisitor(request)
    assert visitor.preview is None
    assert visitor.query == {"utm_campaign": "spring"}
    assert "GET" not in request.__dict__


def test_visitors_from_the_same_source_do_not_share_its_dict(rf):
    _visitor, first = load(rf, "/page/?utm_campaign=spring")
    _visitor, second = load(rf, "/page/?utm_campaign=spring")
    assert first.profile.source == second.profile.source
    first.profile.source["utm"]["utm_campaign"] = "changed"
    first.profile.source["medium"] = "changed"
    assert second.profile.source["utm"] == {"utm_campaign": "spring"}
    _visitor, third = load(rf, "/page/?utm_campaign=spring")
    assert third.profile.source == second.profile.source


def test_a_query_string_in_another_encoding_is_parsed_to_look_for_a_preview(rf):
    request = rf.get("/")
    request.environ["QUERY_STRING"] = "a=1"
    request.encoding = "utf-16"
    assert CurrentVisitor(request).preview is None
    assert "GET" in request.__dict__


def test_without_the_raw_host_reader_get_host_is_asked(rf, settings, monkeypatch):
    """On a Django whose requests no longer have ``_get_raw_host()``, the host is still
    checked against ALLOWED_HOSTS, through the public ``get_host()``."""
    from django.core.exceptions import DisallowedHost
    from django.http import HttpRequest
    from django.http.request import split_domain_port, validate_host

    from personalize.request_facts import request_host

    def get_host(request):  # reads the header itself
        host = request.META["HTTP_HOST"]
        if validate_host(split_domain_port(host)[0], settings.ALLOWED_HOSTS):
            return host
        raise DisallowedHost(host)

    settings.ALLOWED_HOSTS = ["fairway.test"]
    monkeypatch.delattr(HttpRequest, "_get_raw_host")
    monkeypatch.setattr(HttpRequest, "get_host", get_host)
    assert request_host(rf.get("/", HTTP_HOST="fairway.test")) == "fairway.test"
    assert request_host(rf.get("/", HTTP_HOST="evil.example.com")) == ""
