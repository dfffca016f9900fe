"""The click-through endpoint: records the click, redirects only to the variant's own URL."""

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from personalize.models import Event, Variant
from tests.conftest import shown
from tests.factories import SlotFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cta():
    return VariantFactory(
        slot=SlotFactory(key="hero"), slug="house", cta_label="Shop", cta_url="/clubs/"
    )


def go(client, variant_id, query="", **extra):
    return client.get(f"/personalize/go/{variant_id}/{query}", **extra)


def test_a_click_is_recorded_and_redirected_to_the_variants_url(browser, cta):
    assert shown(browser.get("/t/slot/")) == {"hero": "house"}
    response = go(browser, cta.pk, "?next=https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == "/clubs/"  # never a URL from the request
    assert "no-cache" in response["Cache-Control"]
    click = Event.objects.get(name="click")
    assert (click.slot, click.variant) == ("hero", "house")


def test_a_click_is_recorded_on_the_page_it_came_from(browser, cta):
    browser.get("/t/slot/")
    go(browser, cta.pk, HTTP_REFERER="http://testserver/t/slot/?utm_medium=email")
    go(browser, cta.pk, HTTP_REFERER="https://elsewhere.example/t/slot/")  # not this site's page
    go(browser, cta.pk)  # no Referer (a referrer policy that sends none)
    paths = list(Event.objects.filter(name="click").order_by("timestamp").values_list("path"))
    assert paths == [("/t/slot/",), ("",), ("",)]  # never this endpoint's own path


@pytest.mark.parametrize("purpose", ["prefetch", "prefetch;prerender"])
def test_a_speculative_request_is_refused_so_the_real_click_reaches_the_server(
    browser, cta, purpose, caplog
):
    """Speculation Rules may prefetch every link: a redirect answered now would be followed on
    the real click without asking again, and that click would go uncounted."""
    browser.get("/t/slot/")
    response = go(browser, cta.pk, HTTP_SEC_PURPOSE=purpose, HTTP_SEC_FETCH_DEST="document")
    assert response.status_code == 503  # not 2xx/3xx: the browser drops the speculation
    assert response["Retry-After"] == "0"
    assert "Location" not in response
    assert "no-store" in response["Cache-Control"]
    assert not Event.objects.filter(name="click").exists()
    assert not [r for r in caplog.records if r.name == "django.request"]  # expected: not logged
    assert go(browser, cta.pk)["Location"] == "/clubs/"  # the click itself
    assert Event.objects.filter(name="click").count() == 1


def test_a_click_costs_no_query_to_find_the_variant(browser, cta, django_assert_num_queries):
    browser.get("/t/slot/")  # the snapshot is warm
    with django_assert_num_queries(0):
        # (the click event is written by the sink: a memory one here would run none either)
        from personalize.services import ingest

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ingest, "ingest", lambda batches, **kwargs: None)
            response = go(browser, cta.pk)
    assert response["Location"] == "/clubs/"


@pytest.mark.parametrize("variant_id", ["0", "999999", "99999999999999999999999"])
def test_unknown_variants_are_404(browser, cta, variant_id):
    assert go(browser, variant_id).status_code == 404
    assert not Event.objects.filter(name="click").exists()


def test_a_variant_without_a_link_is_404(browser):
    variant = VariantFactory(slot=SlotFactory(key="hero"), slug="plain", cta_url="")
    assert go(browser, variant.pk).status_code == 404


@pytest.mark.parametrize("link", ["javascript:alert(1)", "https://[::1/", "http://x.test:99999/"])
def test_a_stored_link_that_is_no_longer_safe_goes_home(browser, cta, link):
    Variant.objects.filter(pk=cta.pk).update(cta_url=link)  # behind validation
    response = go(browser, cta.pk)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get_is_allowed(browser, cta, method):
    assert getattr(browser, method)(f"/personalize/go/{cta.pk}/").status_code == 405


def test_a_database_outage_still_follows_the_link(browser, cta, monkeypatch, caplog):
    browser.get("/t/slot/")  # the snapshot is warm

    def down(self, sql, params=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", down)
    monkeypatch.setattr(CursorWrapper, "executemany", down)
    response = go(browser, cta.pk)
    assert response.status_code == 302
    assert response["Location"] == "/clubs/"
