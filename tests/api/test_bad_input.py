"""Every class of bad input gets a precise 4xx with a JSON error, on every endpoint taking a
body, and stores nothing."""

import io
import json

import pytest
from django.test import Client

from personalize.api.parsers import MAX_DEPTH, load_json, read_bounded
from personalize.models import Event, Intent, Segment, Slot, Variant, Visitor
from tests.api.conftest import ORIGIN

pytestmark = pytest.mark.django_db

EVENTS = "/personalize/api/events/"
CONSENT = "/personalize/api/visitor/consent/"
SEGMENTS = "/personalize/api/segments/"
INTENTS = "/personalize/api/intents/"
SLOTS = "/personalize/api/slots/"
VARIANTS = "/personalize/api/variants/"
STAFF = (SEGMENTS, INTENTS, SLOTS, VARIANTS)

VALID = {
    EVENTS: {"events": [{"name": "signup"}]},
    CONSENT: {"consent": "granted"},
    SEGMENTS: {"name": "Fans", "slug": "fans"},
    INTENTS: {"name": "Fans", "slug": "fans"},
    SLOTS: {"key": "fans"},
    VARIANTS: {"slot": "home-hero", "slug": "fans", "name": "Fans"},
}


@pytest.fixture(params=[EVENTS, CONSENT, *STAFF])
def endpoint(request, token, demo):
    """(url, client, headers) for each endpoint that takes a body."""
    url = request.param
    headers = {"HTTP_ORIGIN": ORIGIN}
    if url in STAFF:
        headers["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return url, Client(), headers


def nothing_stored():
    return (
        not Event.objects.exists()
        and not Visitor.objects.exists()
        and not Segment.objects.filter(slug="fans").exists()
        and not Intent.objects.filter(slug="fans").exists()
        and not Slot.objects.filter(key="fans").exists()
        and not Variant.objects.filter(slug="fans").exists()
    )


def post(endpoint, body: bytes, content_type="application/json", **extra):
    url, client, headers = endpoint
    return client.generic("POST", url, body, content_type=content_type, **headers, **extra)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code
    assert body["detail"]
    assert nothing_stored()


def test_the_valid_body_is_accepted(endpoint):
    response = post(endpoint, json.dumps(VALID[endpoint[0]]).encode())
    assert response.status_code in (200, 201, 202)


@pytest.mark.parametrize(
    "body",
    [b"{", b"{'events': []}", b'{"events": [}', b"\xff\xfe{}", b"   ", b"NaN", b'{"a": NaN}'],
)
def test_malformed_json_is_400(endpoint, body):
    assert_error(post(endpoint, body), 400, "parse_error")


def test_a_key_given_twice_is_400(endpoint):
    # Parsers disagree on which of the two counts; the API takes neither.
    valid = json.dumps(VALID[endpoint[0]])
    key, value = next(iter(VALID[endpoint[0]].items()))
    body = valid[:-1] + f", {json.dumps(key)}: {json.dumps(value)}}}"
    assert json.loads(body) == VALID[endpoint[0]]
    response = post(endpoint, body.encode())
    assert_error(response, 400, "parse_error")
    assert "twice" in response.json()["detail"]


def test_a_key_given_twice_in_a_nested_object_is_400(endpoint):
    body = b'{"events": [{"name": "signup", "name": "purchase"}], "consent": {"a": 1, "a": 1}}'
    assert_error(post(endpoint, body), 400, "parse_error")


def test_an_empty_body_is_400(endpoint):
    assert_error(post(endpoint, b""), 400, "invalid")


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_wrong_content_types_are_415(endpoint, content_type):
    body = json.dumps(VALID[endpoint[0]]).encode()
    assert_error(post(endpoint, body, content_type=content_type), 415, "unsupported_media_type")


def test_a_body_without_content_type_is_415(endpoint):
    url, client, headers = endpoint
    body = json.dumps(VALID[url]).encode()
    response = client.generic("POST", url, body, content_type="", **headers)
    assert_error(response, 415, "unsupported_media_type")


def test_a_charset_other_than_utf8_is_415(endpoint):
    body = json.dumps(VALID[endpoint[0]]).encode("utf-16")
    response = post(endpoint, body, content_type="application/json; charset=utf-16")
    assert_error(response, 415, "unsupported_media_type")


def test_oversized_bodies_are_413(endpoint, settings):
    settings.PERSONALIZE_API_MAX_BODY_BYTES = 1000
    body = json.dumps({**VALID[endpoint[0]], "padding": "x" * 2000}).encode()
    assert_error(post(endpoint, body), 413, "payload_too_large")


def test_a_body_of_exactly_the_cap_is_read_and_one_byte_more_is_413(endpoint, settings):
    settings.PERSONALIZE_API_MAX_BODY_BYTES = 1000
    valid = json.dumps(VALID[endpoint[0]]).encode()
    exact = valid + b" " * (1000 - len(valid))  # trailing whitespace: still the same document
    assert len(exact) == 1000
    assert_error(post(endpoint, exact + b" "), 413, "payload_too_large")
    assert post(endpoint, exact).status_code in (200, 201, 202)


def test_oversized_bodies_are_refused_before_being_read(endpoint, settings):
    settings.PERSONALIZE_API_MAX_BODY_BYTES = 1000

    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

    url, client, headers = endpoint
    response = client.generic(
        "POST", url, b"", content_type="application/json", **headers,
        CONTENT_LENGTH="5000", **{"wsgi.input": Unreadable()},
    )  # fmt: skip
    assert_error(response, 413, "payload_too_large")


def test_a_non_numeric_content_length_is_400(endpoint):
    response = post(endpoint, b"{}", CONTENT_LENGTH="lots")
    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000])
def test_deep_nesting_is_400(endpoint, depth):
    body = ("[" * depth + "]" * depth).encode()
    assert_error(post(endpoint, body), 400, "parse_error")


@pytest.mark.parametrize(
    "text",
    [
        '{"events": [{"name": "sign\\u0000up"}], "consent": "granted\\u0000", "name": "a\\u0000"}',
        '{"events": [{"name": "signup", "properties": {"k\\u0000": 1}}], "consent": "x", '
        '"slug": "fans", "name": "\\u0000"}',
        '{"events": [{"name": "\\ud800"}], "consent": "\\udfff", "name": "\\ud83d"}',
    ],
)
def test_nul_characters_and_lone_surrogates_are_400(endpoint, text):
    assert_error(post(endpoint, text.encode()), 400, "parse_error")


def test_raw_nul_bytes_in_the_body_are_400(endpoint):
    assert_error(post(endpoint, b'{"consent": "gran\x00ted"}'), 400, "parse_error")


def test_cross_site_posts_are_403(endpoint, superuser):
    url, _client, headers = endpoint
    headers = {"HTTP_ORIGIN": "https://evil.example"}
    client = Client(enforce_csrf_checks=True)
    if url in STAFF:
        client.force_login(superuser)  # a browser session: DRF demands the CSRF token
    response = client.generic(
        "POST", url, json.dumps(VALID[url]).encode(), content_type="application/json", **headers
    )
    assert response.status_code == 403
    assert response.json()["error"] in ("cross_site", "permission_denied")
    assert nothing_stored()


def test_read_bounded_reads_one_byte_past_the_cap(settings):
    settings.PERSONALIZE_API_MAX_BODY_BYTES = 10
    stream = io.BytesIO(b"x" * 1000)
    with pytest.raises(Exception) as caught:
        read_bounded(stream)
    assert caught.value.status_code == 413
    assert stream.tell() == 11


def test_load_json_limits_the_number_of_values():
    with pytest.raises(Exception) as caught:
        load_json(json.dumps(list(range(6000))).encode())
    assert "values" in str(caught.value.detail)


def test_load_json_refuses_huge_numbers():
    with pytest.raises(Exception) as caught:
        load_json(b'{"a": 1e999}')
    assert "finite" in str(caught.value.detail)
    with pytest.raises(Exception) as caught:
        load_json(b'{"a": ' + b"1" * 5000 + b"}")
    assert caught.value.status_code == 400


VISITOR_REQUESTS = [
    ("GET", "/personalize/api/decisions/?slots=home-hero", None),
    ("POST", EVENTS, VALID[EVENTS]),
    ("GET", "/personalize/api/visitor/", None),
    ("POST", CONSENT, VALID[CONSENT]),
    ("DELETE", "/personalize/api/visitor/", None),
]


@pytest.mark.parametrize(("method", "url", "body"), VISITOR_REQUESTS)
def test_floods_are_429_on_every_visitor_endpoint(demo, settings, method, url, body):
    settings.PERSONALIZE_API_RATE_PER_ADDRESS = "2/min"
    client = Client()
    data = json.dumps(body) if body is not None else ""
    statuses = [
        client.generic(
            method, url, data, content_type="application/json", HTTP_ORIGIN=ORIGIN
        ).status_code
        for _ in range(3)
    ]
    assert statuses[:2] != [429, 429]
    assert statuses[2] == 429


def test_the_schema_endpoint_is_rate_limited(db, settings):
    settings.PERSONALIZE_API_RATE_PER_ADDRESS = "1/min"
    client = Client()
    assert client.get("/personalize/api/schema/").status_code == 200
    assert client.get("/personalize/api/schema/").status_code == 429
