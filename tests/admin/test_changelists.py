"""Every admin page with the demo's data, and changelists whose cost does not grow with rows."""

import datetime as dt
import re

import pytest
from django.contrib.admin import site
from django.db import connection
from django.test.utils import CaptureQueriesContext

from personalize import models as pm
from tests.factories import (
    IntentFactory,
    SegmentFactory,
    SignalFactory,
    SlotFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db

FILTER_LINK = re.compile(r'href="(\?[^"]+)"')


def personalize_admins():
    return [
        (model, admin)
        for model, admin in site._registry.items()
        if model._meta.app_label == "personalize"
    ]


def test_every_page_of_every_personalize_admin_works_with_the_demo(admin_client, demo, browser):
    from tests.conftest import IPHONE

    browser.get("/clubs/beginner-set/")
    browser.get("/deals/?utm_medium=email", HTTP_USER_AGENT=IPHONE)
    browser.post("/clubs/beginner-set/buy/")
    failures = []

    def check(url, allowed=(200,)):
        status = admin_client.get(url).status_code
        if status not in allowed:
            failures.append((url, status))

    admins = personalize_admins()
    assert len(admins) >= 10
    for model, model_admin in admins:
        base = f"/admin/personalize/{model._meta.model_name}/"
        listing = admin_client.get(base)
        assert listing.status_code == 200, base
        html = listing.content.decode()
        for column in range(1, len(model_admin.list_display) + 1):
            check(f"{base}?o={column}")
            check(f"{base}?o=-{column}")
        if model_admin.search_fields:
            check(f"{base}?q=golf")
        for link in set(FILTER_LINK.findall(html)):  # filters, date hierarchy, sorting
            check(base + link.replace("&amp;", "&"))
        check(f"{base}add/", allowed=(200, 403))
        objects = list(model._default_manager.all()[:3])
        assert objects or model in (pm.ExportAudit, pm.SegmentDailyStat, pm.VariantDailyStat), (
            f"the demo has no {model._meta.verbose_name_plural}"
        )
        for obj in objects:
            for page in ("change", "history", "delete"):
                check(f"{base}{obj.pk}/{page}/")
    assert not failures


def add_rows(count: int, day0: int):
    segment = SegmentFactory()
    intent = IntentFactory()
    for index in range(count):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=day0 + index)
        slot = SlotFactory()
        VariantFactory(slot=slot, segment=segment, intent=intent)
        other = SegmentFactory()
        pm.UTMRule.objects.create(segment=other, parameter="utm_medium", value="email")
        SignalFactory(intent=IntentFactory())
        visitor = pm.Visitor.objects.create(email=f"v{day0 + index}@example.com")
        pm.Event.objects.create(visitor=visitor, name="page_view", path="/")
        pm.SegmentDailyStat.objects.create(date=day, segment=other, visitors=1, members=0)
        pm.VariantDailyStat.objects.create(
            date=day, slot=slot.key, variant="default", impressions=3, visitors=2, conversions=1
        )
        pm.TopicMapping.objects.create(path=f"/p{day0 + index}/", topics="golf")
        pm.ExportAudit.objects.create(segment_slug=other.slug, rows=1, username="editor")


def test_changelists_cost_the_same_with_5_or_60_rows(admin_client):
    names = [model._meta.model_name for model, _admin in personalize_admins()]

    def counts():
        result = {}
        for name in names:
            with CaptureQueriesContext(connection) as captured:
                response = admin_client.get(f"/admin/personalize/{name}/")
            assert response.status_code == 200, name
            result[name] = len(captured)
        return result

    add_rows(5, 0)
    counts()  # warm: sessions, content types
    few = counts()
    add_rows(55, 100)
    many = counts()
    assert many == few
    variants = admin_client.get("/admin/personalize/variant/")
    assert variants.context["cl"].result_count == 60


def test_the_editing_pages_load_their_scripts_and_styles(admin_client, demo):
    """The rule type menu, autocompletes and slug filling need their static files."""
    from django.contrib.staticfiles import finders

    pages = ["/admin/personalize/segment/add/", "/admin/personalize/variant/add/"]
    for model in (pm.Segment, pm.Slot, pm.Variant, pm.Intent):
        pages.append(
            f"/admin/personalize/{model._meta.model_name}/{model.objects.first().pk}/change/"
        )
    statics = set()
    for page in pages:
        html = admin_client.get(page).content.decode()
        statics |= set(re.findall(r'(?:src|href)="/static/([^"?]+)', html))
    assert {"polymorphic/js/polymorphic_inlines.js", "admin/js/autocomplete.js"} <= statics
    assert [path for path in sorted(statics) if not finders.find(path)] == []


def _personalize_changelists():
    from django.contrib import admin

    return [
        model._meta.model_name
        for model in admin.site._registry
        if model._meta.app_label == "personalize"
    ]


@pytest.mark.parametrize("model_name", _personalize_changelists())
def test_a_nul_in_a_filter_or_search_is_refused_like_an_unknown_filter(admin_client, model_name):
    """PostgreSQL refuses text holding NUL outright: no list may send it a query."""
    url = f"/admin/personalize/{model_name}/"
    for query in ("?q=%00", "?q=golf%00", "?name__exact=%00", "?id__exact=1%00", "?%00=1"):
        response = admin_client.get(url + query)
        assert response.status_code == 302, (model_name, query)
        assert response["Location"] == f"{url}?e=1"
    assert admin_client.get(f"{url}?q=golf").status_code == 200


def test_a_nul_in_an_autocomplete_search_finds_nothing(admin_client):
    SegmentFactory(slug="golfers", name="Golfers")
    url = "/admin/autocomplete/"
    query = {"app_label": "personalize", "model_name": "variant", "field_name": "segment"}
    response = admin_client.get(url, {**query, "term": "Golf"})
    assert [item["text"] for item in response.json()["results"]] == ["Golfers"]
    response = admin_client.get(url, {**query, "term": "Golf\x00"})
    assert response.status_code == 200
    assert response.json()["results"] == []
