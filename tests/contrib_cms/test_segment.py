"""The "Segment" plugin and its "Otherwise" child on real django CMS pages."""

import logging

import pytest
from cms.api import add_plugin
from django.test import Client, override_settings

from tests.conftest import DESKTOP, IPHONE
from tests.contrib_cms.helpers import campaign_segment, mobile_segment, new_page, snippet, url

pytestmark = pytest.mark.django_db


def segment_page(segments, match="any", negate=False):
    """A page with a "Segment" plugin: "Members only" for its members, and an "Otherwise"
    child with "Everyone else"."""
    page, placeholder = new_page()
    plugin = add_plugin(
        placeholder,
        "PersonalizeSegmentPlugin",
        "en",
        segment_ids=[s.pk for s in segments],
        match=match,
        negate=negate,
    )
    snippet(placeholder, "Members only", target=plugin)
    otherwise = add_plugin(placeholder, "PersonalizeOtherwisePlugin", "en", target=plugin)
    snippet(placeholder, "Everyone else", target=otherwise)
    snippet(placeholder, "After the segment", target=None)
    return page, plugin


def shown(page, query="", user_agent=DESKTOP, client=None) -> list[str]:
    client = client or Client(HTTP_USER_AGENT=user_agent)
    response = client.get(url(page) + query)
    assert response.status_code == 200
    html = response.content.decode()
    return [text for text in ("Members only", "Everyone else", "After the segment") if text in html]


@pytest.fixture
def segments(db):
    return campaign_segment(), mobile_segment()


def test_members_see_the_content_and_others_the_otherwise_part(segments):
    page, _ = segment_page(segments)
    assert shown(page, "?utm_campaign=spring-sale") == ["Members only", "After the segment"]
    assert shown(page, user_agent=IPHONE) == ["Members only", "After the segment"]
    assert shown(page) == ["Everyone else", "After the segment"]


def test_all_segments_must_match_when_asked(segments):
    page, _ = segment_page(segments, match="all")
    assert shown(page, "?utm_campaign=spring-sale") == ["Everyone else", "After the segment"]
    assert shown(page, "?utm_campaign=spring-sale", IPHONE) == [
        "Members only",
        "After the segment",
    ]


def test_negation_shows_the_content_to_everyone_but_the_members(segments):
    page, _ = segment_page(segments[:1], negate=True)
    assert shown(page, "?utm_campaign=spring-sale") == ["Everyone else", "After the segment"]
    assert shown(page) == ["Members only", "After the segment"]


def test_the_page_cache_does_not_share_a_members_page(segments, settings):
    settings.CMS_PAGE_CACHE = True
    settings.CMS_PLACEHOLDER_CACHE = True
    page, _ = segment_page(segments)
    assert shown(page, "?utm_campaign=spring-sale") == ["Members only", "After the segment"]
    assert shown(page) == ["Everyone else", "After the segment"]


def test_staff_can_view_the_page_as_a_segment(segments, admin_client):
    page, _ = segment_page(segments)
    assert shown(page, "?personalize_preview=segment:mobile", client=admin_client) == [
        "Members only",
        "After the segment",
    ]


def test_editors_see_both_parts_in_edit_mode(segments, admin_client):
    from cms.toolbar.utils import get_object_edit_url

    page, _ = segment_page(segments)
    response = admin_client.get(get_object_edit_url(page.get_admin_content("en")))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Members only" in html
    assert "Everyone else" in html


def test_a_deleted_segment_matches_nobody(segments, caplog):
    campaign, mobile = segments
    page, plugin = segment_page([campaign, mobile])
    mobile.delete()
    with caplog.at_level(logging.WARNING, logger="personalize"):
        assert shown(page, user_agent=IPHONE) == ["Everyone else", "After the segment"]
        assert shown(page, "?utm_campaign=spring-sale") == ["Members only", "After the segment"]
    warnings = [
        r.getMessage() for r in caplog.records if "deleted or deactivated" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert f"plugin {plugin.pk}" in warnings[0]


def test_an_inactive_segment_matches_nobody(segments):
    campaign, _ = segments
    page, _ = segment_page([campaign])
    campaign.is_active = False
    campaign.save()
    assert shown(page, "?utm_campaign=spring-sale") == ["Everyone else", "After the segment"]


def test_without_the_middleware_visitors_count_in_no_segment(segments, settings, caplog):
    page, _ = segment_page(segments)
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "personalize.middleware.PersonalizeMiddleware"
    ]
    with caplog.at_level(logging.WARNING, logger="personalize"):
        assert shown(page, "?utm_campaign=spring-sale") == ["Everyone else", "After the segment"]
    assert any("no request.visitor" in r.getMessage() for r in caplog.records)


def test_a_failing_segment_counts_as_not_a_member(segments, monkeypatch, caplog):
    from personalize.visitor import CurrentVisitor

    page, plugin = segment_page(segments)

    def broken(self, slug):
        raise RuntimeError("boom")

    monkeypatch.setattr(CurrentVisitor, "in_segment", broken)
    with caplog.at_level(logging.ERROR, logger="personalize"):
        assert shown(page, "?utm_campaign=spring-sale") == ["Everyone else", "After the segment"]
    assert any(f"plugin {plugin.pk} failed" in r.getMessage() for r in caplog.records)


@override_settings(CMS_PAGE_CACHE=False, CMS_PLACEHOLDER_CACHE=False)
def test_no_query_beyond_what_django_cms_makes(segments, memory_sink, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page, _ = segment_page(segments)
    plain, placeholder = new_page("Plain")
    box = add_plugin(placeholder, "BoxPlugin", "en")
    snippet(placeholder, "Members only", target=box)
    inner = add_plugin(placeholder, "BoxPlugin", "en", target=box)
    snippet(placeholder, "Everyone else", target=inner)
    snippet(placeholder, "After the segment")
    client = Client(HTTP_USER_AGENT=DESKTOP)
    for target in (plain, page):
        shown(target, "?utm_campaign=spring-sale", client=client)
    with CaptureQueriesContext(connection) as baseline:
        shown(plain, "?utm_campaign=spring-sale", client=client)
    with django_assert_num_queries(len(baseline)):
        assert shown(page, "?utm_campaign=spring-sale", client=client) == [
            "Members only",
            "After the segment",
        ]


def test_plugins_nest(segments):
    """Personalized content inside a Segment plugin, and a Segment plugin in its default."""
    from tests.factories import SlotFactory, VariantFactory

    campaign, mobile = segments
    slot = SlotFactory(key="cms-hero")
    VariantFactory(slot=slot, slug="spring", segment=campaign, title="Spring sale")
    page, plugin = segment_page([mobile])
    placeholder = plugin.placeholder
    hero = add_plugin(placeholder, "PersonalizedContentPlugin", "en", target=plugin, slot=slot)
    inner = add_plugin(
        placeholder,
        "PersonalizeSegmentPlugin",
        "en",
        target=hero,
        segment_ids=[campaign.pk],
        negate=True,
    )
    snippet(placeholder, "Hero default", target=inner)

    def html(query="", user_agent=IPHONE):
        return Client(HTTP_USER_AGENT=user_agent).get(url(page) + query).content.decode()

    campaign_phone = html("?utm_campaign=spring-sale")
    assert 'data-personalize-variant="spring"' in campaign_phone
    assert "Spring sale" in campaign_phone
    assert "Members only" in campaign_phone
    assert "Hero default" not in campaign_phone
    assert "Everyone else" not in campaign_phone
    phone = html()
    assert 'data-personalize-variant="default"' in phone
    assert "Hero default" in phone
    desktop = html(user_agent=DESKTOP)
    assert "Everyone else" in desktop
    assert "data-personalize-slot" not in desktop
    assert "Hero default" not in desktop
