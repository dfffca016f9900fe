"""Geography as CDNs and proxies report it, and the client address kept out of storage."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import pytest
from django.test import Client, override_settings

from personalize.models import Event, Visitor
from personalize.tracking import geo
from personalize.tracking.geo import Geo, GeoResolver, client_ip, resolve_geo

HEADERS_ONLY = ["personalize.tracking.geo.HeaderResolver"]

# Every CDN's headers at once, as a site moving between CDNs might configure them.
CDN_HEADERS = {
    "country": [
        "CF-IPCountry",
        "CloudFront-Viewer-Country",
        "X-Vercel-IP-Country",
        "X-AppEngine-Country",
        "Fastly-Client-Country",
        "X-Akamai-Edgescape",
    ],
    "region": [
        "CloudFront-Viewer-Country-Region",
        "X-Vercel-IP-Country-Region",
        "CF-Region-Code",
        "X-AppEngine-Region",
        "X-Akamai-Edgescape",
    ],
    "city": [
        "CloudFront-Viewer-City",
        "X-Vercel-IP-City",
        "CF-IPCity",
        "X-AppEngine-City",
        "X-Akamai-Edgescape",
    ],
}


@pytest.fixture(autouse=True)
def _fresh_geo():
    geo.clear_caches()
    yield
    geo.clear_caches()


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        # Cloudflare.
        ({"HTTP_CF_IPCOUNTRY": "US"}, Geo(country="US", source="header")),
        ({"HTTP_CF_IPCOUNTRY": "gb"}, Geo(country="GB", source="header")),
        ({"HTTP_CF_IPCOUNTRY": " de "}, Geo(country="DE", source="header")),
        ({"HTTP_CF_IPCOUNTRY": "XX"}, Geo()),  # unknown
        ({"HTTP_CF_IPCOUNTRY": "T1"}, Geo()),  # Tor
        ({"HTTP_CF_IPCOUNTRY": "USA"}, Geo()),
        ({"HTTP_CF_IPCOUNTRY": "<script>"}, Geo()),
        ({"HTTP_CF_IPCOUNTRY": ""}, Geo()),
        ({"HTTP_CF_IPCOUNTRY": "U\x00S"}, Geo()),
        (
            {"HTTP_CF_IPCOUNTRY": "CH", "HTTP_CF_IPCITY": "Zürich".encode().decode("latin-1")},
            Geo(country="CH", city="Zürich", source="header"),
        ),
        # CloudFront: URL-encoded region and city.
        (
            {
                "HTTP_CLOUDFRONT_VIEWER_COUNTRY": "US",
                "HTTP_CLOUDFRONT_VIEWER_COUNTRY_REGION": "CA",
                "HTTP_CLOUDFRONT_VIEWER_CITY": "San%20Francisco",
            },
            Geo(country="US", region="CA", city="San Francisco", source="header"),
        ),
        # Vercel.
        (
            {
                "HTTP_X_VERCEL_IP_COUNTRY": "DE",
                "HTTP_X_VERCEL_IP_COUNTRY_REGION": "BY",
                "HTTP_X_VERCEL_IP_CITY": "M%C3%BCnchen",
            },
            Geo(country="DE", region="BY", city="München", source="header"),
        ),
        # App Engine says ZZ when it does not know.
        ({"HTTP_X_APPENGINE_COUNTRY": "ZZ"}, Geo()),
        # Fastly (a header the site's VCL sets from client.geo.country_code).
        ({"HTTP_FASTLY_CLIENT_COUNTRY": "jp"}, Geo(country="JP", source="header")),
        # Akamai EdgeScape: one header of key=value pairs.
        (
            {
                "HTTP_X_AKAMAI_EDGESCAPE": "georegion=246,country_code=US,region_code=CA,"
                "city=SANJOSE,dma=807,lat=37.3353,long=-121.8938,continent=NA"
            },
            Geo(country="US", region="CA", city="SANJOSE", source="header"),
        ),
        ({"HTTP_X_AKAMAI_EDGESCAPE": "georegion=246,continent=NA"}, Geo()),
        ({"HTTP_X_AKAMAI_EDGESCAPE": "country_code=XX"}, Geo()),
        # A placeholder from one CDN lets the next header answer.
        (
            {"HTTP_CF_IPCOUNTRY": "XX", "HTTP_CLOUDFRONT_VIEWER_COUNTRY": "FR"},
            Geo(country="FR", source="header"),
        ),
        # A city without a country is not an answer.
        ({"HTTP_X_VERCEL_IP_CITY": "Paris"}, Geo()),
        # A region that repeats the country is cut to the subdivision.
        (
            {"HTTP_CF_IPCOUNTRY": "US", "HTTP_CF_REGION_CODE": "US-TX"},
            Geo(country="US", region="TX", source="header"),
        ),
    ],
)
def test_cdn_headers_when_configured(meta, expected):
    with override_settings(
        PERSONALIZE_GEO_RESOLVERS=HEADERS_ONLY, PERSONALIZE_GEO_TRUSTED_HEADERS=CDN_HEADERS
    ):
        assert resolve_geo({"REMOTE_ADDR": "203.0.113.7", **meta}) == expected


@pytest.mark.parametrize(
    "meta",
    [
        {"HTTP_CF_IPCOUNTRY": "US"},
        {"HTTP_CLOUDFRONT_VIEWER_COUNTRY": "US"},
        {"HTTP_X_VERCEL_IP_COUNTRY": "US"},
        {"HTTP_X_AKAMAI_EDGESCAPE": "country_code=US"},
    ],
)
def test_cdn_headers_are_ignored_unless_configured(meta):
    with override_settings(PERSONALIZE_GEO_RESOLVERS=HEADERS_ONLY):
        assert resolve_geo({"REMOTE_ADDR": "203.0.113.7", **meta}) == Geo()


def test_only_the_configured_cdn_header_is_believed():
    meta = {
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_CF_IPCOUNTRY": "US",
        "HTTP_X_VERCEL_IP_COUNTRY": "FR",
    }
    with override_settings(
        PERSONALIZE_GEO_RESOLVERS=HEADERS_ONLY,
        PERSONALIZE_GEO_TRUSTED_HEADERS=["X-Vercel-IP-Country"],
    ):
        assert resolve_geo(meta).country == "FR"


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        # docs/configuration.md: named for each of the three, the header fills all three...
        (
            {
                "country": "X-Akamai-Edgescape",
                "region": "X-Akamai-Edgescape",
                "city": "X-Akamai-Edgescape",
            },
            Geo(country="GB", region="EN", city="LONDON", source="header"),
        ),
        # ...and in a list, as every header of a list, it gives the country only.
        (["X-Akamai-Edgescape"], Geo(country="GB", source="header")),
    ],
)
def test_a_key_value_header_as_the_configuration_page_shows(configured, expected):
    meta = {
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_X_AKAMAI_EDGESCAPE": "georegion=246,country_code=GB,region_code=EN,city=LONDON",
    }
    with override_settings(
        PERSONALIZE_GEO_RESOLVERS=HEADERS_ONLY, PERSONALIZE_GEO_TRUSTED_HEADERS=configured
    ):
        assert resolve_geo(meta) == expected


# (REMOTE_ADDR, X-Forwarded-For, trusted proxies, the client address)
@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        # Not configured: the header is the client's word, never taken.
        ("203.0.113.7", "198.51.100.1", [], "203.0.113.7"),
        ("10.0.0.1", "198.51.100.1", [], "10.0.0.1"),
        # Configured, and the request came through the proxy.
        ("10.0.0.1", "198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        # The client prepended a forged address: the proxy's own entry (rightmost) counts.
        ("10.0.0.1", "1.1.1.1, 198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        # Two proxies of ours.
        ("10.0.0.1", "198.51.100.1, 10.0.0.2", ["10.0.0.0/8"], "198.51.100.1"),
        # Configured, but this request did not come through the proxy.
        ("203.0.113.7", "198.51.100.1", ["10.0.0.0/8"], "203.0.113.7"),
        # Garbage the client wrote left of the proxy's entry is never read...
        ("10.0.0.1", "not-an-ip, 198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        # ...garbage in the proxy's own entry gives no address at all.
        ("10.0.0.1", "198.51.100.1, unknown", ["10.0.0.0/8"], None),
        ("10.0.0.1", "[2001:db8::1]:443", ["10.0.0.0/8"], "2001:db8::1"),
        ("10.0.0.1", "198.51.100.1:5678", ["10.0.0.0/8"], "198.51.100.1"),
        ("::ffff:10.0.0.1", "198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        ("garbage", "198.51.100.1", ["10.0.0.0/8"], None),
    ],
)
def test_forwarded_for_is_trusted_only_from_configured_proxies(
    remote, forwarded, proxies, expected
):
    meta = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}
    with override_settings(PERSONALIZE_TRUSTED_PROXIES=proxies):
        assert client_ip(meta) == expected


def test_other_client_address_headers_are_never_read():
    meta = {
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_X_REAL_IP": "198.51.100.1",
        "HTTP_FORWARDED": "for=198.51.100.2",
        "HTTP_CF_CONNECTING_IP": "198.51.100.3",
        "HTTP_TRUE_CLIENT_IP": "198.51.100.4",
    }
    with override_settings(PERSONALIZE_TRUSTED_PROXIES=["10.0.0.0/8"]):
        assert client_ip(meta) == "10.0.0.1"


class AddressInMessageResolver(GeoResolver):
    def resolve(self, meta: Mapping[str, Any], ip: str | None) -> Geo | None:
        try:
            raise LookupError(f"address {ip} unknown")
        except LookupError as exc:
            raise ValueError(f"The address {ip} is not in the database.") from exc


def test_a_failing_resolver_never_logs_the_address(caplog):
    resolvers = [f"{__name__}.AddressInMessageResolver"]
    with (
        caplog.at_level(logging.DEBUG, logger="personalize"),
        override_settings(PERSONALIZE_GEO_RESOLVERS=resolvers),
    ):
        assert resolve_geo({"REMOTE_ADDR": "198.51.100.99"}) == Geo()
    records = [r for r in caplog.records if "AddressInMessageResolver" in r.getMessage()]
    assert len(records) == 1
    assert records[0].exc_info is not None  # the traceback is still there...
    logged = logging.Formatter().format(records[0])
    assert "198.51.100.99" not in logged  # ...without the address
    assert "ValueError: The address <client address> is not in the database." in logged


ADDRESSES = ("198.51.100.23", "203.0.113.77", "10.9.8.7")


@pytest.mark.django_db
def test_no_client_address_is_stored_in_profiles_or_events(caplog):
    client = Client(
        REMOTE_ADDR="10.9.8.7",
        HTTP_X_FORWARDED_FOR="203.0.113.77, 198.51.100.23",
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        HTTP_ACCEPT="text/html",
        HTTP_CF_IPCOUNTRY="NL",
    )
    with (
        caplog.at_level(logging.DEBUG),
        override_settings(
            PERSONALIZE_TRUSTED_PROXIES=["10.0.0.0/8"],
            PERSONALIZE_GEO_TRUSTED_HEADERS=["CF-IPCountry"],
        ),
    ):
        response = client.get(
            "/t/slot/?utm_source=news&utm_medium=email",
            HTTP_REFERER="https://user:secret@mail.example.net/inbox?id=5#top",
        )
        client.get("/t/slot/")
    assert response.status_code == 200
    visitor = Visitor.objects.get()
    assert visitor.country == "NL"  # the address was used (through the trusted header)...
    # ...and is nowhere: not in any column of the visitor or its events, nor in the logs.
    stored = [json.dumps([str(value) for value in Visitor.objects.values_list().get()])]
    stored.append(json.dumps(visitor.profile))
    stored += [json.dumps([str(value) for value in row]) for row in Event.objects.values_list()]
    assert len(stored) >= 2
    for text in (*stored, caplog.text):
        for address in ADDRESSES:
            assert address not in text
        assert "secret" not in text
    page_view = Event.objects.filter(name="page_view").order_by("timestamp").first()
    assert page_view.referrer == "https://mail.example.net/inbox"


@pytest.mark.parametrize(
    "city",
    [
        # UTF-8 as WSGI hands it (latin-1 decoded), cut by the length cap inside a character
        ("Z" + "ü" * 600).encode().decode("latin-1"),
        # percent-encoded, cut inside an escape ("%C") or after half a character ("%C3")
        "Zu" + "%C3%BC" * 300,
        "Z" + "%C3%BC" * 300,
    ],
)
def test_an_over_long_city_header_is_cut_between_characters(city):
    from personalize.tracking.geo.location import MAX_TEXT_LENGTH

    with override_settings(
        PERSONALIZE_GEO_RESOLVERS=HEADERS_ONLY, PERSONALIZE_GEO_TRUSTED_HEADERS=CDN_HEADERS
    ):
        found = resolve_geo(
            {"REMOTE_ADDR": "203.0.113.7", "HTTP_CF_IPCOUNTRY": "CH", "HTTP_CF_IPCITY": city}
        )
    assert found.country == "CH"
    assert found.city.startswith(("Zü", "Zuü"))
    assert set(found.city[2:]) == {"ü"}  # nothing misread as latin-1 ("Ã¼")
    assert len(found.city) == MAX_TEXT_LENGTH
