"""The "Personalized content" plugin on real django CMS pages served by the page view."""

import logging

import pytest
from cms.api import add_plugin
from django.template import Context, Template
from django.test import Client, RequestFactory, override_settings

from personalize.contrib.cms import rendering
from personalize.models import Event
from personalize.visitor import CurrentVisitor
from tests.conftest import DESKTOP, IPHONE, SLOT_MARKUP
from tests.contrib_cms.helpers import (
    campaign_segment,
    hero_slot,
    mobile_segment,
    new_page,
    snippet,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hero(db):
    """A page whose placeholder holds "Personalized content" for ``cms-hero``, with two
    child plugins as the default content."""
    slot = hero_slot(campaign_segment(), mobile_segment())
    page, placeholder = new_page()
    plugin = add_plugin(placeholder, "PersonalizedContentPlugin", "en", slot=slot)
    snippet(placeholder, "Welcome to Fairway", target=plugin)
    snippet(placeholder, "Browse our clubs", target=plugin)
    return page, plugin


def visit(page, query="", user_agent=DESKTOP, client=None):
    client = client or Client(HTTP_USER_AGENT=user_agent)
    response = client.get(url(page) + query)
    assert response.status_code == 200
    return response.content.decode()


def tag_markup(query, user_agent=DESKTOP, default="") -> str:
    """What ``{% personalize "cms-hero" %}`` renders for the same visitor."""
    request = RequestFactory().get("/" + query, HTTP_USER_AGENT=user_agent)
    request.COOKIES = {}
    request.visitor = CurrentVisitor(request)
    return Template(
        '{% load personalize %}{% personalize "cms-hero" %}' + default + "{% endpersonalize %}"
    ).render(Context({"request": request}))


def test_each_visitor_sees_their_variant(hero):
    page, _ = hero
    default = visit(page)
    assert SLOT_MARKUP.findall(default) == [("cms-hero", "default")]
    assert "<p>Welcome to Fairway</p><p>Browse our clubs</p>" in default
    campaign = visit(page, "?utm_campaign=spring-sale")
    assert SLOT_MARKUP.findall(campaign) == [("cms-hero", "spring")]
    assert "Spring sale" in campaign
    assert "Welcome to Fairway" not in campaign
    phone = visit(page, user_agent=IPHONE)
    assert SLOT_MARKUP.findall(phone) == [("cms-hero", "on-the-go")]
    assert "On the go" in phone
    assert "Spring sale" not in phone


@pytest.mark.parametrize(
    ("query", "user_agent"),
    [("", DESKTOP), ("?utm_campaign=spring-sale", DESKTOP), ("", IPHONE)],
)
def test_the_markup_is_what_the_template_tag_renders(hero, query, user_agent):
    page, _ = hero
    html = visit(page, query, user_agent)
    expected = tag_markup(
        query, user_agent, default="<p>Welcome to Fairway</p><p>Browse our clubs</p>"
    )
    assert expected in html


def test_impressions_are_counted_as_for_the_tag(hero):
    page, _ = hero
    client = Client(HTTP_USER_AGENT=DESKTOP)
    visit(page, "?utm_campaign=spring-sale", client=client)
    visit(page, "?utm_campaign=spring-sale", client=client)  # once a visit
    impressions = Event.objects.filter(name="impression")
    assert [(e.slot, e.variant) for e in impressions] == [("cms-hero", "spring")]


def test_a_page_cached_by_django_cms_is_not_shared_between_visitors(hero, settings):
    settings.CMS_PAGE_CACHE = True
    settings.CMS_PLACEHOLDER_CACHE = True
    page, _ = hero
    assert "Spring sale" in visit(page, "?utm_campaign=spring-sale")
    assert "On the go" in visit(page, user_agent=IPHONE)
    assert SLOT_MARKUP.findall(visit(page)) == [("cms-hero", "default")]


def test_staff_preview_parameter_shows_a_segments_variant(hero, admin_client):
    page, _ = hero
    html = visit(page, "?personalize_preview=segment:mobile", client=admin_client)
    assert SLOT_MARKUP.findall(html) == [("cms-hero", "on-the-go")]
    assert 'id="personalize-preview"' in html


def test_the_wrapper_element_can_be_chosen(db):
    slot = hero_slot(campaign_segment(), mobile_segment())
    page, placeholder = new_page()
    plugin = add_plugin(placeholder, "PersonalizedContentPlugin", "en", slot=slot, wrapper="aside")
    snippet(placeholder, "Default", target=plugin)
    html = visit(page)
    assert '<aside data-personalize-slot="cms-hero" data-personalize-variant="default">' in html
    assert "<p>Default</p></aside>" in html


def test_editors_see_every_child_in_edit_mode(hero, admin_client):
    from cms.toolbar.utils import get_object_edit_url, get_object_structure_url

    page, plugin = hero
    content = page.get_admin_content("en")
    response = admin_client.get(get_object_edit_url(content) + "?utm_campaign=spring-sale")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<p>Welcome to Fairway</p>" in html
    assert "<p>Browse our clubs</p>" in html
    assert f"cms-plugin-{plugin.pk}" in html  # editable
    assert "data-personalize-slot" not in html
    assert "Spring sale" not in html
    response = admin_client.get(get_object_structure_url(content))
    assert response.status_code == 200
    assert "Cms Hero" in response.content.decode()  # the plugin's label: its slot
    assert not Event.objects.filter(name="impression").exists()


def test_a_deleted_slot_leaves_the_default_content(hero, caplog):
    page, plugin = hero
    plugin.slot.delete()
    with caplog.at_level(logging.WARNING, logger="personalize"):
        html = visit(page, "?utm_campaign=spring-sale")
        visit(page)
    assert "<p>Welcome to Fairway</p><p>Browse our clubs</p>" in html
    assert "Spring sale" not in html
    assert "data-personalize-slot" not in html
    assert [r.getMessage() for r in caplog.records if "was deleted" in r.getMessage()] == [
        f'personalize: the slot of "Personalized content" plugin {plugin.pk} was deleted; '
        "showing its default content."
    ]


def test_without_the_middleware_the_default_content_shows(hero, settings, caplog):
    page, _ = hero
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "personalize.middleware.PersonalizeMiddleware"
    ]
    with caplog.at_level(logging.WARNING, logger="personalize"):
        html = visit(page, "?utm_campaign=spring-sale")
        visit(page)
    assert SLOT_MARKUP.findall(html) == [("cms-hero", "default")]
    assert "<p>Welcome to Fairway</p>" in html
    assert sum("no request.visitor" in r.getMessage() for r in caplog.records) == 1


def test_a_failure_shows_the_default_content_and_never_raises(hero, monkeypatch, caplog):
    page, plugin = hero

    def broken(*args, **kwargs):
        raise RuntimeError("engine down")

    monkeypatch.setattr(rendering, "render_slot", broken)
    with caplog.at_level(logging.ERROR, logger="personalize"):
        html = visit(page, "?utm_campaign=spring-sale")
    assert "<p>Welcome to Fairway</p><p>Browse our clubs</p>" in html
    assert "Spring sale" not in html
    assert any(f"plugin {plugin.pk} failed" in r.getMessage() for r in caplog.records)


def test_a_variant_template_that_fails_shows_the_default(db, caplog):
    from tests.factories import SlotFactory, VariantFactory

    slot = SlotFactory(key="cms-hero")
    VariantFactory(slot=slot, slug="broken", template_name="personalize/missing-template.html")
    page, placeholder = new_page()
    plugin = add_plugin(placeholder, "PersonalizedContentPlugin", "en", slot=slot)
    snippet(placeholder, "Default", target=plugin)
    with caplog.at_level(logging.ERROR, logger="personalize"):
        html = visit(page)
    assert SLOT_MARKUP.findall(html) == [("cms-hero", "default")]
    assert "<p>Default</p>" in html


@override_settings(CMS_PAGE_CACHE=False, CMS_PLACEHOLDER_CACHE=False)
def test_no_query_beyond_what_django_cms_makes(hero, memory_sink, django_assert_num_queries):
    """The same page with a plain container plugin in place of "Personalized content" costs
    the same queries: django CMS's own (one per plugin type), none for personalization."""
    page, _ = hero
    plain, placeholder = new_page("Plain")
    box = add_plugin(placeholder, "BoxPlugin", "en")
    snippet(placeholder, "Welcome to Fairway", target=box)
    snippet(placeholder, "Browse our clubs", target=box)
    client = Client(HTTP_USER_AGENT=DESKTOP)
    for target in (plain, page):  # warm: definitions, profile, django CMS's own caches
        visit(target, "?utm_campaign=spring-sale", client=client)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as baseline:
        visit(plain, "?utm_campaign=spring-sale", client=client)
    with django_assert_num_queries(len(baseline)):
        html = visit(page, "?utm_campaign=spring-sale", client=client)
    assert "Spring sale" in html


def test_django_cms_preview_shows_the_default_without_a_warning(hero, admin_client, caplog):
    from cms.toolbar.utils import get_object_preview_url

    page, _ = hero
    with caplog.at_level(logging.WARNING, logger="personalize"):
        response = admin_client.get(get_object_preview_url(page.get_admin_content("en")))
    html = response.content.decode()
    assert SLOT_MARKUP.findall(html) == [("cms-hero", "default")]
    assert "<p>Welcome to Fairway</p>" in html
    assert not [r for r in caplog.records if "no request.visitor" in r.getMessage()]
