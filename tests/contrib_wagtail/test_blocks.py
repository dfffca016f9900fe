"""SlotBlock and SegmentBlock rendered directly: the same markup as the template tags, the
fallbacks, and no queries once warm."""

import logging

import pytest
from django import forms
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail import blocks

from personalize.contrib.wagtail.blocks import (
    SegmentBlock,
    SegmentChoiceBlock,
    SlotBlock,
    SlotChoiceBlock,
    segment_choices,
    slot_choices,
)
from personalize.models import Slot, UTMRule
from personalize.visitor import CurrentVisitor
from tests.factories import SegmentFactory, SlotFactory, VariantFactory

pytestmark = pytest.mark.django_db

STREAM = blocks.StreamBlock(
    [("slot", SlotBlock()), ("client_slot", SlotBlock(client=True)), ("segment", SegmentBlock())]
)


def visitor_request(path="/", **meta):
    request = RequestFactory().get(path, **meta)
    request.COOKIES = {}
    request.visitor = CurrentVisitor(request)
    return request


def slot_value(block, key, default="<p>Default</p>"):
    return block.to_python({"slot": key, "default": default})


def render_block(block, value, request):
    return block.render(value, {"request": request} if request is not None else None)


def render_tag(source, request):
    return Template("{% load personalize %}" + source).render(Context({"request": request}))


@pytest.fixture
def newsletter():
    segment = SegmentFactory(slug="newsletter", name="Newsletter readers")
    UTMRule.objects.create(segment=segment, parameter="utm_medium", value="email")
    return segment


@pytest.fixture
def hero(newsletter):
    slot = SlotFactory(key="hero", name="Home hero")
    VariantFactory(slot=slot, slug="welcome", segment=newsletter, title="Welcome back")
    return slot


# -- SlotBlock ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/?utm_medium=email"])
def test_slot_block_renders_exactly_what_the_tag_renders(hero, path):
    block = SlotBlock()
    html = render_block(block, slot_value(block, "hero"), visitor_request(path))
    tag = render_tag(
        '{% personalize "hero" %}<p>Default</p>{% endpersonalize %}', visitor_request(path)
    )
    assert html == tag
    expected = "welcome" if path != "/" else "default"
    assert f'data-personalize-variant="{expected}"' in html


def test_slot_block_decides_through_the_visitor_and_counts_the_impression(hero):
    block = SlotBlock()
    request = visitor_request("/?utm_medium=email")
    html = render_block(block, slot_value(block, "hero"), request)
    assert "Welcome back" in html
    assert "<p>Default</p>" not in html
    # the decision the middleware turns into the impression event
    assert request.visitor.decisions["hero"].variant_slug == "welcome"


def test_slot_block_shows_the_editor_default_when_no_variant_fits(hero):
    block = SlotBlock()
    html = render_block(block, slot_value(block, "hero"), visitor_request())
    assert html == (
        '<div data-personalize-slot="hero" data-personalize-variant="default"><p>Default</p></div>'
    )


def test_a_nested_stream_default_and_the_wrapper_option(hero):
    block = SlotBlock(
        local_blocks=[("default", blocks.StreamBlock([("heading", blocks.CharBlock())]))],
        wrapper="section",
    )
    value = block.to_python(
        {"slot": "hero", "default": [{"type": "heading", "value": "Fore & aft"}]}
    )
    html = render_block(block, value, visitor_request())
    assert html.startswith(
        '<section data-personalize-slot="hero" data-personalize-variant="default">'
    )
    assert "Fore &amp; aft" in html
    assert html.endswith("</section>")
    html = render_block(block, value, visitor_request("/?utm_medium=email"))
    assert 'data-personalize-variant="welcome"' in html
    assert "Fore" not in html


def test_an_unknown_wrapper_renders_a_div(hero):
    block = SlotBlock(wrapper="script")
    html = render_block(block, slot_value(block, "hero"), visitor_request())
    assert html.startswith("<div ")


def test_client_side_slot_block_leaves_the_choice_to_the_page_script(hero):
    block = SlotBlock(client=True)
    request = visitor_request("/?utm_medium=email")
    html = render_block(block, slot_value(block, "hero"), request)
    assert html == render_tag(
        '{% personalize "hero" client=True %}<p>Default</p>{% endpersonalize %}',
        visitor_request("/?utm_medium=email"),
    )
    assert 'data-personalize-client="1"' in html
    assert 'data-personalize-variant="default"' in html
    assert request.visitor.decisions == {}  # decided (and counted) by the decision endpoint


def test_client_side_slot_block_registers_a_new_slot_for_the_decision_endpoint(db):
    block = SlotBlock(client=True)
    render_block(block, slot_value(block, "spring-sale"), visitor_request())
    assert Slot.objects.filter(key="spring-sale", auto_registered=True).exists()


def test_without_a_request_the_default_renders_and_the_cause_is_logged_once(hero, caplog):
    block = SlotBlock()
    with caplog.at_level(logging.WARNING, logger="personalize"):
        for _ in range(3):
            html = render_block(block, slot_value(block, "hero"), None)
            assert 'data-personalize-variant="default"' in html
            assert "<p>Default</p>" in html
    messages = [r.getMessage() for r in caplog.records if "include_block" in r.getMessage()]
    assert len(messages) == 1


def test_without_the_middleware_the_default_renders(hero, caplog):
    block = SlotBlock()
    request = RequestFactory().get("/?utm_medium=email")
    with caplog.at_level(logging.WARNING, logger="personalize"):
        html = render_block(block, slot_value(block, "hero"), request)
    assert 'data-personalize-variant="default"' in html
    assert "PersonalizeMiddleware" in caplog.text


def test_in_a_wagtail_preview_the_default_renders_and_nothing_is_decided(hero):
    block = SlotBlock()
    request = visitor_request("/?utm_medium=email")
    request.is_preview = True
    html = render_block(block, slot_value(block, "hero"), request)
    assert 'data-personalize-variant="default"' in html
    assert "<p>Default</p>" in html
    assert request.visitor.decisions == {}


def test_a_deleted_slot_renders_the_default(hero):
    block = SlotBlock()
    value = slot_value(block, "hero")
    Slot.objects.filter(key="hero").delete()
    html = render_block(block, value, visitor_request("/?utm_medium=email"))
    assert 'data-personalize-variant="default"' in html
    assert "<p>Default</p>" in html


def test_no_slot_chosen_renders_the_default_content_alone(db):
    block = SlotBlock()
    for stored in ({"slot": "", "default": "<p>Default</p>"}, {"default": "<p>Default</p>"}):
        html = render_block(block, block.to_python(stored), visitor_request())
        assert html == "<p>Default</p>"


def test_a_variant_that_fails_to_render_falls_back_to_the_default(hero, caplog):
    hero.variants.update(template_name="does/not/exist.html")
    block = SlotBlock()
    with caplog.at_level(logging.ERROR, logger="personalize"):
        html = render_block(block, slot_value(block, "hero"), visitor_request("/?utm_medium=email"))
    assert html == render_tag(
        '{% personalize "hero" %}<p>Default</p>{% endpersonalize %}',
        visitor_request("/?utm_medium=email"),
    )
    assert 'data-personalize-variant="default"' in html
    assert "failed to render" in caplog.text


def test_a_visitor_that_raises_never_breaks_the_page(hero, monkeypatch):
    block = SlotBlock()
    request = visitor_request()

    def broken(key):
        raise RuntimeError("engine down")

    monkeypatch.setattr(request.visitor, "decide", broken)
    assert render_block(block, slot_value(block, "hero"), request) == "<p>Default</p>"


def test_a_default_that_raises_renders_nothing(hero, monkeypatch):
    block = SlotBlock()

    def broken(*args, **kwargs):
        raise RuntimeError("bad rich text")

    monkeypatch.setattr(block.child_blocks["default"], "render", broken)
    assert render_block(block, slot_value(block, "hero"), visitor_request()) == ""


# -- SegmentBlock ------------------------------------------------------------------------


def segment_value(segments, match="any", otherwise="<p>Everyone</p>"):
    return SegmentBlock().to_python(
        {"segments": segments, "match": match, "content": "<p>Members</p>", "otherwise": otherwise}
    )


@pytest.fixture
def mobile():
    from personalize.models import DeviceRule

    segment = SegmentFactory(slug="mobile", name="Mobile")
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    return segment


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def test_segment_block_shows_content_to_members_and_otherwise_to_others(newsletter):
    block = SegmentBlock()
    value = segment_value(["newsletter"])
    assert render_block(block, value, visitor_request("/?utm_medium=email")) == "<p>Members</p>"
    assert render_block(block, value, visitor_request("/")) == "<p>Everyone</p>"
    tag = '{% segment "newsletter" %}<p>Members</p>{% else %}<p>Everyone</p>{% endsegment %}'
    assert render_tag(tag, visitor_request("/?utm_medium=email")) == "<p>Members</p>"


def test_segment_block_any_and_all(newsletter, mobile):
    block = SegmentBlock()
    emailed_on_desktop = {"path": "/?utm_medium=email"}
    emailed_on_phone = {"path": "/?utm_medium=email", "HTTP_USER_AGENT": IPHONE}
    for match, meta, expected in [
        ("any", emailed_on_desktop, "<p>Members</p>"),
        ("all", emailed_on_desktop, "<p>Everyone</p>"),
        ("all", emailed_on_phone, "<p>Members</p>"),
    ]:
        value = segment_value(["newsletter", "mobile"], match)
        assert render_block(block, value, visitor_request(**meta)) == expected, (match, meta)


def test_segment_block_with_empty_otherwise_shows_nothing_to_others(newsletter):
    html = render_block(
        SegmentBlock(), segment_value(["newsletter"], otherwise=""), visitor_request()
    )
    assert html == ""


def test_segment_block_unknown_or_no_segments_show_otherwise(newsletter):
    block = SegmentBlock()
    request = visitor_request("/?utm_medium=email")
    assert render_block(block, segment_value(["deleted-segment"]), request) == "<p>Everyone</p>"
    assert render_block(block, segment_value([]), request) == "<p>Everyone</p>"
    # a single slug stored where a list belongs (hand-edited JSON) still works
    assert render_block(block, segment_value("newsletter"), request) == "<p>Members</p>"


def test_segment_block_without_visitor_or_in_preview_shows_otherwise(newsletter):
    block = SegmentBlock()
    value = segment_value(["newsletter"])
    assert render_block(block, value, None) == "<p>Everyone</p>"
    assert render_block(block, value, RequestFactory().get("/?utm_medium=email")) == (
        "<p>Everyone</p>"
    )
    request = visitor_request("/?utm_medium=email")
    request.is_preview = True
    assert render_block(block, value, request) == "<p>Everyone</p>"


def test_segment_block_that_fails_shows_otherwise(newsletter, monkeypatch):
    block = SegmentBlock()
    request = visitor_request("/?utm_medium=email")

    def broken(slug):
        raise RuntimeError("store down")

    monkeypatch.setattr(request.visitor, "in_segment", broken)
    assert render_block(block, segment_value(["newsletter"]), request) == "<p>Everyone</p>"


# -- choices and queries -----------------------------------------------------------------


def test_choices_are_read_when_the_form_is_built_not_when_blocks_are_declared(
    hero, django_assert_num_queries
):
    with django_assert_num_queries(0):
        chooser = SlotChoiceBlock()
        segments = SegmentChoiceBlock()
        SlotBlock()
        SegmentBlock()
    assert ("hero", "Home hero (hero)") in list(chooser.field.choices)
    SlotFactory(key="footer", name="")
    assert ("footer", "footer") in list(chooser.field.choices)
    assert ("newsletter", "Newsletter readers") in list(segments.field.choices)
    assert isinstance(segments.field.widget, forms.CheckboxSelectMultiple)
    assert slot_choices() == [("footer", "footer"), ("hero", "Home hero (hero)")]
    SegmentFactory(slug="old", name="Old", is_active=False)
    assert ("old", "Old (inactive)") in [(slug, str(name)) for slug, name in segment_choices()]


def test_stored_values_are_restored_without_reading_the_choices(hero, django_assert_num_queries):
    with django_assert_num_queries(0):
        value = STREAM.to_python(
            [
                {"type": "slot", "value": {"slot": "hero", "default": "<p>d</p>"}},
                {"type": "slot", "value": {"slot": "gone", "default": "<p>d</p>"}},
                {"type": "segment", "value": {"segments": ["newsletter", "gone"]}},
            ]
        )
        assert value[1].value["slot"] == "gone"
        assert value[2].value["segments"] == ["newsletter", "gone"]
        assert SlotChoiceBlock().get_searchable_content("hero") == []


def test_a_warm_stream_of_blocks_renders_without_queries(hero, newsletter):
    body = STREAM.to_python(
        [{"type": "slot", "value": {"slot": "hero", "default": "<p>d</p>"}}] * 5
        + [{"type": "segment", "value": {"segments": ["newsletter"], "content": "<p>m</p>"}}] * 5
        + [{"type": "client_slot", "value": {"slot": "hero", "default": "<p>d</p>"}}]
    )
    template = Template("{% load wagtailcore_tags %}{% include_block body %}")
    template.render(Context({"body": body, "request": visitor_request("/?utm_medium=email")}))
    with CaptureQueriesContext(connection) as queries:
        html = template.render(
            Context({"body": body, "request": visitor_request("/?utm_medium=email")})
        )
    assert len(queries) == 0, [q["sql"] for q in queries]
    assert html.count('data-personalize-variant="welcome"') == 5
    assert html.count("<p>m</p>") == 5
