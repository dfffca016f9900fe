"""The Fairway Golf shop as a visitor's browser meets it: every linked page, its static files,
and its forms with CSRF protection on."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from demo_site.shop.models import Article, Product
from personalize.models import Event
from tests.conftest import DESKTOP, shown

pytestmark = pytest.mark.django_db

LINK = re.compile(r'(?:href|src)="(/[^"#]*)"')
STYLE_URL = re.compile(r"url\('(/static/[^']+)'\)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_browser():
    return Client(
        enforce_csrf_checks=True,
        HTTP_USER_AGENT=DESKTOP,
        HTTP_ACCEPT="text/html,application/xhtml+xml",
    )


def token(response) -> str:
    found = CSRF.findall(response.content.decode())
    assert found, "the page has a form with a CSRF token"
    return found[0]


def test_every_page_linked_from_the_home_page_is_a_shop_page(demo, browser):
    """Follow every link from the home page, transitively: each page answers 200, is built on
    the shop's layout, and every static file it refers to exists."""
    seen, queue, statics = set(), ["/"], set()
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = browser.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert 'class="site-header"' in html, path
        assert 'class="site-footer"' in html, path
        assert "<h1" in html or 'data-personalize-slot="home-hero"' in html, path
        for url in LINK.findall(html) + STYLE_URL.findall(html):
            url = url.replace("&amp;", "&")
            if url.startswith("/static/"):
                statics.add(urlsplit(url).path)
            elif not url.startswith(("/admin/", "/personalize/go/")):
                queue.append(url)
    products = {f"/clubs/{slug}/" for slug in Product.objects.values_list("slug", flat=True)}
    articles = {a.get_absolute_url() for a in Article.objects.all()}
    expected = {"/clubs/", "/deals/", "/offers/", "/compare/", "/inspiration/", "/guide/"}
    expected |= {"/help/shipping/", "/help/returns/"}
    assert expected | products | articles <= seen
    assert {"/static/shop/shop.css", "/static/personalize/personalize.js"} <= statics
    for url in statics:
        assert finders.find(url.removeprefix("/static/")), url


def test_every_variant_renders_on_the_home_page_with_its_images(demo, admin_client):
    from personalize.models import Variant

    variants = list(Variant.objects.select_related("slot"))
    assert len(variants) == 9
    for variant in variants:
        key = f"{variant.slot.key}={variant.slug}"
        response = admin_client.get(f"/?personalize_preview=variant:{key}")
        assert shown(response)[variant.slot.key] == variant.slug, key
        html = response.content.decode()
        for url in STYLE_URL.findall(html) + LINK.findall(html):
            if url.startswith("/static/"):
                assert finders.find(urlsplit(url).path.removeprefix("/static/")), (key, url)


def test_the_guide_form_works_with_csrf_protection(demo):
    browser = csrf_browser()
    form = browser.get("/guide/")
    data = {"first_name": "Jeff", "email": "jeff@example.com"}
    assert browser.post("/guide/", data).status_code == 403  # no token: refused
    assert not Event.objects.filter(name="ebook_download").exists()
    response = browser.post("/guide/", {**data, "csrfmiddlewaretoken": token(form)}, follow=True)
    assert response.status_code == 200
    assert "Your guide is on its way" in response.content.decode()
    assert Event.objects.filter(name="ebook_download").count() == 1
    home = browser.get("/")
    assert "Hi Jeff" in home.content.decode()
    assert shown(home)["home-hero"] == "intermediate-upsell"


def test_the_buy_button_works_with_csrf_protection(demo):
    browser = csrf_browser()
    page = browser.get("/clubs/beginner-set/")
    assert 'action="/clubs/beginner-set/buy/"' in page.content.decode()
    assert browser.post("/clubs/beginner-set/buy/").status_code == 403
    response = browser.post(
        "/clubs/beginner-set/buy/", {"csrfmiddlewaretoken": token(page)}, follow=True
    )
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert Event.objects.filter(name="purchase").count() == 1
    assert 'data-segment="returning-customers"' in browser.get("/").content.decode()
