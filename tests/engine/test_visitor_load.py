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
