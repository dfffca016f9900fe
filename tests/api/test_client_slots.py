"""Client-side slots: a page cached whole still shows each visitor their own variant."""

import re

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory

from personalize.models import Event, Slot
from personalize.shared_page import SharedPageVisitor
from personalize.visitor import CurrentVisitor
from tests.api.conftest import visitor_id

pytestmark = pytest.mark.django_db


def render(source, request):
    return Template("{% load personalize %}" + source).render(Context({"request": request}))


def request_with(visitor_class=CurrentVisitor, path="/"):
    request = RequestFactory().get(path)
    request.visitor = visitor_class(request)
    return request


def test_client_slots_render_the_default_with_a_marker(demo):
    html = render(
        '{% personalize "home-hero" wrapper="section" client=True %}<h1>Hi</h1>'
        "{% endpersonalize %}",
        request_with(),
    )
    assert html == (
        '<section data-personalize-slot="home-hero" data-personalize-variant="default" '
        'data-personalize-client="1"><h1>Hi</h1></section>'
    )


def test_client_slots_do_not_read_the_visitor(demo, django_assert_num_queries):
    request = request_with()
    render('{% personalize "home-hero" client=True %}x{% endpersonalize %}', request)  # warm
    with django_assert_num_queries(0):
        render('{% personalize "home-hero" client=True %}x{% endpersonalize %}', request)
    assert not request.visitor.loaded
    assert not request.visitor.used


def test_unknown_client_slots_are_registered_for_the_decision_endpoint(demo, browser):
    render('{% personalize "new-banner" client=True %}x{% endpersonalize %}', request_with())
    assert Slot.objects.get(key="new-banner").auto_registered
    response = browser.get("/personalize/api/decisions/", {"slots": "new-banner"})
    assert response.status_code == 200
    assert response.json()["slots"]["new-banner"]["variant"] == "default"


def test_client_true_with_as_is_a_template_error():
    with pytest.raises(TemplateSyntaxError, match="client=True cannot be combined"):
        Template('{% load personalize %}{% personalize "k" as v client=True %}{% endpersonalize %}')


def test_personalize_js_renders_one_external_script_with_its_endpoints(demo):
    html = render("{% personalize_js %}", request_with())
    assert html == (
        '<script src="/static/personalize/personalize.js" defer '
        'data-personalize-decisions="/personalize/api/decisions/" '
        'data-personalize-events="/personalize/api/events/" '
        'data-personalize-clicks="/personalize/go/" data-personalize-count-page="0" '
        'data-personalize-timeout="2500"></script>'
    )


def test_personalize_js_on_a_shared_page_asks_the_script_to_count_it(demo):
    html = render("{% personalize_js timeout=900 %}", request_with(SharedPageVisitor))
    assert 'data-personalize-count-page="1"' in html
    assert 'data-personalize-timeout="900"' in html
    assert 'data-personalize-timeout="10000"' in render(
        '{% personalize_js timeout="99999" %}', request_with()
    )
    assert 'data-personalize-timeout="2500"' in render(
        '{% personalize_js timeout="soon" %}', request_with()
    )


def test_the_script_is_served(demo, client):
    from django.contrib.staticfiles import finders

    assert finders.find("personalize/personalize.js")


def test_a_shared_page_visitor_is_nobody(demo):
    request = request_with(SharedPageVisitor)
    html = render(
        '{% personalize "home-hero" %}inline{% endpersonalize %}'
        '{% segment "golfers" %}member{% else %}everyone{% endsegment %}'
        '{% intent "deal-seeking" %}deal{% else %}no intent{% endintent %}'
        '{% interest "golf" %}{% visitor_trait "first_name" default="friend" %}',
        request,
    )
    assert 'data-personalize-variant="default">inline<' in html
    assert "everyone" in html
    assert "no intent" in html
    assert "friend" in html
    visitor = request.visitor
    assert not visitor.loaded
    assert not visitor.used
    assert visitor.tracking is False


def test_a_page_cached_whole_shows_each_visitor_their_own_variant(
    demo, browser, other_browser, django_assert_num_queries
):
    # One visitor has been hunting for deals on server-rendered pages; the other is new.
    browser.page("/deals/")
    browser.page("/deals/")
    events_before = Event.objects.count()

    first = browser.page("/offers/")
    with django_assert_num_queries(0):  # served from Django's cache, not rendered again
        second = other_browser.page("/offers/")

    # The cache holds one page for everyone...
    assert first.content == second.content
    for response in (first, second):
        assert response.status_code == 200
        cache_control = response["Cache-Control"]
        assert "public" in cache_control
        assert "max-age=300" in cache_control
        assert "private" not in cache_control
        assert "Cookie" not in response.get("Vary", "")
        assert "personalize_vid" not in response.cookies
    assert visitor_id(other_browser) is None
    assert Event.objects.count() == events_before  # the server did not count these views

    # ...whose slots are marked for the script, with the endpoints it calls.
    html = first.content.decode()
    keys = re.findall(
        r'data-personalize-slot="([^"]+)" data-personalize-variant="default" '
        r'data-personalize-client="1"',
        html,
    )
    assert keys == ["home-hero", "home-promo"]
    script = re.search(r"<script [^>]*data-personalize-decisions=\"([^\"]+)\"[^>]*>", html)
    assert 'data-personalize-count-page="1"' in script.group(0)

    # What the script asks for on each browser: the visitor's own variants.
    def resolve(client):
        return client.get(
            script.group(1),
            {"slots": ",".join(keys), "path": "/offers/", "track": "1"},
            HTTP_SEC_FETCH_SITE="same-origin",
        ).json()

    mine, theirs = resolve(browser), resolve(other_browser)
    assert mine["slots"]["home-hero"]["variant"] == "deal-hero"
    assert "best prices" in mine["slots"]["home-hero"]["html"]
    assert theirs["slots"]["home-hero"]["variant"] == "default"
    assert visitor_id(other_browser) is not None  # the decision request gave it a cookie
    # and the script's request counted each page view
    assert Event.objects.filter(name="page_view", path="/offers/").count() == 2


def test_view_page_must_come_before_the_visitor_loads(demo):
    request = request_with()
    request.visitor.view_page("/deals/", {}, "", count=True)
    assert request.visitor.path == "/deals/"
    assert request.visitor.is_page_request is True
    request.visitor.ctx  # noqa: B018 - loads, recording the page view of /deals/
    assert request.visitor.page_recorded
    assert request.visitor.profile.pages.keys() == {"/deals/"}
    with pytest.raises(RuntimeError):
        request.visitor.view_page("/other/", {}, "", count=True)


def test_cacheable_page_works_in_any_decorator_order(demo, browser):
    from django.http import HttpResponse
    from django.views.decorators.cache import cache_page

    from personalize.decorators import cacheable_page
    from personalize.middleware import SHARED_PAGE_ATTRIBUTE

    def view(request):
        return HttpResponse("ok")

    outer = cacheable_page(cache_page(60)(view))
    inner = cache_page(60)(cacheable_page(view))
    assert getattr(outer, SHARED_PAGE_ATTRIBUTE)
    assert getattr(inner, SHARED_PAGE_ATTRIBUTE)


@pytest.mark.parametrize("purpose", ["prefetch", "prefetch;prerender"])
def test_a_prefetched_page_is_counted_by_its_script_once_shown(demo, browser, purpose):
    browser.page("/")  # a returning visitor
    vid = visitor_id(browser)
    response = browser.page("/deals/", HTTP_SEC_PURPOSE=purpose)
    assert response.status_code == 200
    assert 'data-personalize-count-page="1"' in response.content.decode()
    # the server kept nothing of the speculative request
    assert not Event.objects.filter(visitor_id=vid, path="/deals/").exists()

    # shown: the script sends the page view, as on a page served from a shared cache
    response = browser.beacon(
        "/personalize/api/events/",
        {"events": [{"id": "shown-1", "name": "page_view", "path": "/deals/"}]},
    )
    assert response.status_code == 202
    assert Event.objects.filter(visitor_id=vid, name="page_view", path="/deals/").count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},  # an ordinary page view: the server counted it
        {"HTTP_SEC_PURPOSE": "prefetch", "HTTP_USER_AGENT": "Googlebot/2.1"},  # never tracked
        {"HTTP_SEC_PURPOSE": "prefetch", "HTTP_SEC_GPC": "1"},  # asked not to be tracked
    ],
)
def test_the_script_counts_only_what_the_server_did_not_and_may(demo, browser, headers):
    response = browser.page("/deals/", **headers)
    assert 'data-personalize-count-page="0"' in response.content.decode()
