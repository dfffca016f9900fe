"""Template tags: output, fallbacks, and zero queries once warm."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from personalize.models import Slot, UTMRule
from personalize.visitor import CurrentVisitor
from tests.factories import (
    IntentFactory,
    SegmentFactory,
    SignalFactory,
    SlotFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


def render(source, path="/", **meta):
    request = RequestFactory().get(path, **meta)
    request.COOKIES = {}
    request.visitor = CurrentVisitor(request)
    html = Template("{% load personalize %}" + source).render(Context({"request": request}))
    return html, request.visitor


@pytest.fixture
def email_segment():
    segment = SegmentFactory(slug="newsletter")
    UTMRule.objects.create(segment=segment, parameter="utm_medium", value="email")
    return segment


def test_personalize_renders_the_inline_default_in_a_wrapper():
    SlotFactory(key="hero")
    html, _ = render('{% personalize "hero" %}<p>Hello</p>{% endpersonalize %}')
    assert (
        html
        == '<div data-personalize-slot="hero" data-personalize-variant="default"><p>Hello</p></div>'
    )


def test_personalize_renders_the_matching_variant_with_the_default_template(email_segment):
    VariantFactory(
        slot=SlotFactory(key="hero"),
        slug="welcome",
        segment=email_segment,
        title="Welcome <reader>",
        body="<p onclick='x()'>Hi <script>alert(1)</script></p>",
        cta_label="Shop",
        cta_url="/clubs/",
    )
    html, visitor = render(
        '{% personalize "hero" %}default{% endpersonalize %}', "/?utm_medium=email"
    )
    assert 'data-personalize-variant="welcome"' in html
    assert "Welcome &lt;reader&gt;" in html
    assert "<script>" not in html
    assert "onclick" not in html
    assert 'href="/personalize/go/' in html
    assert visitor.used


def test_the_as_form_renders_the_block_with_the_variant(email_segment):
    VariantFactory(
        slot=SlotFactory(key="hero"), slug="welcome", segment=email_segment, title="Hi there"
    )
    source = (
        '{% personalize "hero" as v %}{% if v %}[{{ v.title }}]{% else %}[none]{% endif %}'
        "{% endpersonalize %}"
    )
    assert "[Hi there]" in render(source, "/?utm_medium=email")[0]
    assert "[none]" in render(source, "/")[0]


def test_a_default_variant_in_the_database_replaces_the_inline_default():
    VariantFactory(slot=SlotFactory(key="hero"), slug="house", title="House default")
    html, _ = render('{% personalize "hero" %}inline{% endpersonalize %}')
    assert 'data-personalize-variant="house"' in html
    assert "House default" in html
    assert "inline" not in html


def test_wrapper_option_and_unknown_wrappers_fall_back_to_div():
    assert render('{% personalize "x" wrapper="section" %}a{% endpersonalize %}')[0].startswith(
        "<section "
    )
    assert render('{% personalize "x" wrapper="script" %}a{% endpersonalize %}')[0].startswith(
        "<div "
    )


def test_client_option_renders_the_default_with_a_marker():
    html, visitor = render('{% personalize "hero" client=True %}a{% endpersonalize %}')
    assert 'data-personalize-client="1"' in html
    assert not visitor.decisions


def test_an_unknown_slot_is_registered_for_editors():
    html, _ = render('{% personalize "brand-new-slot" %}a{% endpersonalize %}')
    assert 'data-personalize-variant="default"' in html
    slot = Slot.objects.get(key="brand-new-slot")
    assert slot.auto_registered


def test_a_broken_variant_template_falls_back_to_the_default(caplog):
    VariantFactory(slot=SlotFactory(key="hero"), slug="broken")
    from personalize.models import Variant

    Variant.objects.filter(slug="broken").update(template_name="does/not/exist.html")
    html, _ = render('{% personalize "hero" %}safe default{% endpersonalize %}')
    assert "safe default" in html
    assert 'data-personalize-variant="default"' in html
    assert "failed to render" in caplog.text


def test_without_a_request_in_the_context_tags_render_defaults(caplog):
    html = Template(
        '{% load personalize %}{% personalize "hero" %}d{% endpersonalize %}'
        '{% segment "x" %}in{% else %}out{% endsegment %}{% visitor_trait "name" default="you" %}'
    ).render(Context({}))
    assert 'data-personalize-variant="default">d<' in html
    assert "out" in html
    assert "you" in html
    assert "context_processors.request" in caplog.text


EVERY_TAG = (
    '{% personalize "hero" %}d{% endpersonalize %}|{% segment "newsletter" %}in{% else %}out'
    '{% endsegment %}|{% intent "deals" %}yes{% else %}no{% endintent %}|{% interest "golf" %}'
    '{% visitor_trait "name" default="you" %}|{% personalize_js %}'
)


@pytest.mark.parametrize("with_request", [True, False], ids=["no middleware", "no request"])
def test_every_tag_renders_defaults_without_a_visitor(email_segment, caplog, with_request):
    VariantFactory(slot=SlotFactory(key="hero"), slug="welcome", segment=email_segment)
    # a request the middleware never saw (an excluded path, a view rendering an e-mail...)
    request = RequestFactory().get("/?utm_medium=email")
    context = {"request": request} if with_request else {}
    html = Template("{% load personalize %}" + EVERY_TAG).render(Context(context))
    assert html.startswith(
        '<div data-personalize-slot="hero" data-personalize-variant="default">d<'
    )
    assert "|out|no|you|<script" in html
    assert caplog.text.count("template has no request.visitor") == 1


def test_tags_render_in_an_email_template_without_a_request(email_segment):
    from django.template.loader import render_to_string

    VariantFactory(slot=SlotFactory(key="hero"), slug="welcome", segment=email_segment)
    html = render_to_string("t/slot.html", {"first_name": "Ann"})
    assert 'data-personalize-variant="default"><p>inline default</p>' in html


def test_a_variant_template_sees_the_page_context_like_an_include(email_segment):
    """docs/templates.md: a variant's own template renders "with the page's context plus
    variant, slot_key, cta_href and visitor" (context processors' values included), and
    those names do not leak into the rest of the page."""
    from django.template.loader import render_to_string

    variant = VariantFactory(
        slot=SlotFactory(key="hero"),
        slug="welcome",
        segment=email_segment,
        cta_url="/clubs/",
        template_name="t/variant_page_context.html",
    )
    request = RequestFactory().get("/?utm_medium=email")
    request.COOKIES = {}
    request.user = AnonymousUser()
    request.visitor = CurrentVisitor(request)
    html = render_to_string("t/variant_slot.html", {"first_name": "Ann"}, request=request)
    assert f"welcome|hero|/personalize/go/{variant.pk}/|Ann|True" in html
    assert html.endswith("|page variant gone\n")


def test_with_as_a_variant_with_its_own_template_renders_with_it(email_segment):
    """docs/templates.md: `as` fills the enclosed markup from the variant, except for a
    variant that has a template of its own."""
    VariantFactory(
        slot=SlotFactory(key="hero"),
        slug="welcome",
        segment=email_segment,
        template_name="t/variant_page_context.html",
    )
    html, _ = render(
        '{% personalize "hero" as v %}[inline {{ v.slug }}]{% endpersonalize %}',
        "/?utm_medium=email",
    )
    assert "[inline" not in html
    assert "welcome|hero|" in html


def test_a_slot_in_a_loop_shows_one_variant_and_nested_slots_each_decide(email_segment):
    VariantFactory(slot=SlotFactory(key="hero"), slug="welcome", segment=email_segment)
    source = (
        '{% for i in "abc" %}{% personalize "hero" as v %}[{{ i }}{{ v.slug }}]'
        "{% endpersonalize %}{% endfor %}"
        '{% personalize "outer" %}{% personalize "hero" as v %}({{ v.slug }}){% endpersonalize %}'
        "{% endpersonalize %}"
    )
    html, visitor = render(source, "/?utm_medium=email")
    assert html.count('data-personalize-variant="welcome"') == 4
    assert "[awelcome]" in html
    assert "[cwelcome]" in html
    assert '<div data-personalize-slot="outer" data-personalize-variant="default">' in html
    assert "(welcome)" in html
    assert list(visitor.decisions) == ["hero", "outer"]  # decided once each


def test_segment_tag_with_else(email_segment):
    source = '{% segment "newsletter" %}IN{% else %}OUT{% endsegment %}'
    assert render(source, "/?utm_medium=email")[0] == "IN"
    assert render(source, "/")[0] == "OUT"
    assert render('{% segment "newsletter" %}IN{% endsegment %}', "/")[0] == ""


def test_segment_tag_for_an_unknown_segment_is_false():
    assert render('{% segment "nope" %}IN{% else %}OUT{% endsegment %}')[0] == "OUT"


def test_intent_tag():
    SignalFactory(
        intent=IntentFactory(slug="deal-seeking", threshold=5), pattern="/deals/", points=6
    )
    source = '{% intent "deal-seeking" %}DEAL{% else %}NO{% endintent %}'
    assert render(source, "/deals/")[0] == "DEAL"
    assert render(source, "/")[0] == "NO"


def test_interest_tag_counts_each_topic_once_per_page():
    html, visitor = render('{% interest "golf" "beginner" %}{% interest "golf" %}')
    assert html == ""
    assert visitor.interests == {"golf": 1.0, "beginner": 1.0}


def test_visitor_trait_is_escaped():
    _, visitor = render("")
    visitor.ctx.profile.traits["first_name"] = "<b>Jeff</b>"
    html = Template('{% load personalize %}{% visitor_trait "first_name" %}').render(
        Context({"request": visitor._request})
    )
    assert html == "&lt;b&gt;Jeff&lt;/b&gt;"


@pytest.mark.parametrize(
    "source",
    [
        "{% personalize %}x{% endpersonalize %}",
        '{% personalize "a" bogus="1" %}x{% endpersonalize %}',
        '{% personalize "a" stray %}x{% endpersonalize %}',
        "{% segment %}x{% endsegment %}",
        '{% intent "a" "b" %}x{% endintent %}',
        "{% interest %}",
    ],
)
def test_syntax_errors_are_reported_at_compile_time(source):
    with pytest.raises(TemplateSyntaxError):
        Template("{% load personalize %}" + source)


def test_no_tag_queries_the_database_once_warm(email_segment):
    slot = SlotFactory(key="hero")
    VariantFactory(slot=slot, slug="welcome", segment=email_segment)
    VariantFactory(slot=slot, slug="house")
    SignalFactory(intent=IntentFactory(slug="deal-seeking"))
    source = (
        '{% personalize "hero" %}d{% endpersonalize %}{% segment "newsletter" %}a{% endsegment %}'
        '{% intent "deal-seeking" %}b{% endintent %}{% interest "golf" %}'
        '{% visitor_trait "first_name" %}'
    )
    render(source, "/?utm_medium=email")  # warm: snapshot built
    with CaptureQueriesContext(connection) as queries:
        html, _ = render(source, "/?utm_medium=email")
    assert 'data-personalize-variant="welcome"' in html
    assert len(queries) == 0


def test_ten_slots_cost_no_queries_and_evaluate_only_their_segments():
    segments = [SegmentFactory(slug=f"seg-{i}") for i in range(50)]
    for segment in segments:
        UTMRule.objects.create(segment=segment, parameter="utm_campaign", value=segment.slug)
    for i in range(10):
        VariantFactory(slot=SlotFactory(key=f"slot-{i}"), slug="v", segment=segments[i])
    source = "".join(f'{{% personalize "slot-{i}" %}}d{{% endpersonalize %}}' for i in range(10))
    render(source, "/?utm_campaign=seg-3")
    with CaptureQueriesContext(connection) as queries:
        html, visitor = render(source, "/?utm_campaign=seg-3")
    assert len(queries) == 0
    assert html.count('data-personalize-variant="v"') == 1
    # only the ten segments the page asked about were evaluated
    assert len(visitor.ctx.segment_results) == 10


@pytest.mark.parametrize(
    ("slugs", "match_all", "expected"),
    [
        (["newsletter", "nobody"], False, True),
        (["newsletter", "nobody"], True, False),
        (["newsletter"], True, True),
        (["nobody", ""], False, False),  # unknown slugs have no members
        ([], False, False),
        ([], True, False),  # no segments chosen: nobody, not everybody
    ],
)
def test_in_segments_answers_for_any_or_all(email_segment, slugs, match_all, expected):
    _html, visitor = render("", path="/?utm_medium=email")
    assert visitor.in_segments(slugs, match_all=match_all) is expected
