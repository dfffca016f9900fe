import pytest
from django.test import Client

from personalize.models import ErasedVisitor, Event, Visitor
from tests.api.conftest import ORIGIN, visitor_id

ME = "/personalize/api/visitor/"
CONSENT = "/personalize/api/visitor/consent/"
pytestmark = pytest.mark.django_db


def me(browser, **params):
    return browser.get(ME, params, HTTP_SEC_FETCH_SITE="same-origin")


def test_my_data_after_browsing(demo, browser):
    browser.page("/deals/")
    browser.page("/compare/")
    browser.beacon(
        "/personalize/api/events/",
        {"events": [{"id": "x", "name": "newsletter_signup", "properties": {"list": "weekly"}}]},
    )
    response = me(browser)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == visitor_id(browser)
    assert body["tracked"] is True
    assert body["consent"] == "unknown"
    assert body["intent"] == "deal-seeking"
    assert body["intent_scores"]["deal-seeking"] >= 10
    assert "golfers" in body["segments"]
    assert body["page_views"] == 2
    events = body["events"]
    assert events["count"] == 3
    assert [event["name"] for event in events["results"]] == [
        "newsletter_signup",
        "page_view",
        "page_view",
    ]
    assert events["results"][0]["properties"] == {"list": "weekly"}
    assert "idempotency_key" not in events["results"][0]
    assert "no-store" in response["Cache-Control"]


def test_my_events_are_paginated(demo, browser):
    for path in ("/", "/deals/", "/compare/", "/clubs/"):
        browser.page(path)
    first = me(browser, page_size=4).json()["events"]
    assert first["count"] == 6  # four page views, two impressions on the home page
    assert [event["path"] for event in first["results"]] == ["/clubs/", "/compare/", "/deals/", "/"]
    assert first["next"]
    second = me(browser, page_size=4, page=2).json()["events"]
    assert [(event["name"], event["path"]) for event in second["results"]][-1] == ("page_view", "/")
    assert second["next"] is None
    assert me(browser, page=99).status_code == 404


def test_a_browser_without_cookie_gets_nothing_and_no_cookie(demo, browser):
    body = me(browser).json()
    assert body["id"] is None
    assert body["segments"] == []
    assert body["events"]["count"] == 0
    assert visitor_id(browser) is None
    assert not Visitor.objects.exists()


def test_my_data_is_not_readable_cross_site(demo, browser):
    browser.page("/")
    response = browser.get(ME, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403


def test_forget_me_erases_everything_and_the_cookie(demo, browser):
    browser.page("/deals/")
    vid = visitor_id(browser)
    assert Event.objects.filter(visitor_id=vid).exists()
    response = browser.delete_same_origin(ME)
    assert response.status_code == 200
    assert response.json() == {"erased": True}
    assert not Visitor.objects.filter(pk=vid).exists()
    assert not Event.objects.exists()
    assert ErasedVisitor.objects.count() == 1
    cookie = response.cookies["personalize_vid"]
    assert cookie.value == ""
    assert cookie["max-age"] == 0
    # the next page starts a new, unrelated visitor
    browser.page("/")
    assert visitor_id(browser) not in (None, vid)


def test_forget_me_without_a_cookie_is_harmless(demo, browser):
    response = browser.delete_same_origin(ME)
    assert response.status_code == 200
    assert response.json() == {"erased": False}


def test_forget_me_needs_the_same_origin(demo, browser):
    browser.page("/")
    vid = visitor_id(browser)
    assert browser.delete(ME).status_code == 403  # no Origin: not from a page of the site
    assert browser.delete(ME, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert Visitor.objects.filter(pk=vid).exists()


def test_withdrawing_consent_stops_tracking_and_clears_the_cookie(demo, browser):
    browser.page("/")
    vid = visitor_id(browser)
    response = browser.post_json(CONSENT, {"consent": "denied"})
    assert response.status_code == 200
    assert response.json() == {"consent": "denied", "tracked": False}
    assert response.cookies["personalize_vid"].value == ""
    assert response.cookies["personalize_consent"].value
    assert Visitor.objects.get(pk=vid).consent == "denied"
    events = Event.objects.count()
    browser.page("/deals/")
    assert Event.objects.count() == events
    assert visitor_id(browser) is None
    assert me(browser).json()["consent"] == "denied"
    # docs/api.md: erase before withdrawing; the browser no longer names its visitor
    assert browser.delete_same_origin(ME).json() == {"erased": False}
    assert Visitor.objects.filter(pk=vid).exists()


def test_granting_consent_in_required_mode_starts_tracking(demo, browser, settings):
    settings.PERSONALIZE_CONSENT_MODE = "required"
    browser.page("/")
    assert visitor_id(browser) is None
    response = browser.post_json(CONSENT, {"consent": "granted"})
    assert response.json() == {"consent": "granted", "tracked": True}
    browser.page("/")
    assert visitor_id(browser) is not None
    assert Event.objects.filter(name="page_view").count() == 1


@pytest.mark.parametrize(
    "body", [{}, {"consent": "maybe"}, {"consent": True}, {"consent": "granted", "id": "x"}]
)
def test_bad_consent_bodies_are_400(demo, browser, body):
    response = browser.post_json(CONSENT, body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "personalize_consent" not in response.cookies


def test_consent_cannot_be_set_cross_site(demo):
    response = Client().post(
        CONSENT, {"consent": "granted"}, content_type="application/json",
        HTTP_ORIGIN="https://evil.example",
    )  # fmt: skip
    assert response.status_code == 403
    assert "personalize_consent" not in response.cookies


def test_self_service_works_when_personalization_is_off(demo, browser, settings):
    settings.PERSONALIZE_ENABLED = False
    assert me(browser).json()["tracked"] is False
    response = browser.get(
        "/personalize/api/decisions/", {"slots": "home-hero"}, HTTP_ORIGIN=ORIGIN
    )
    assert response.json()["slots"]["home-hero"]["variant"] == "default"


def _browser_of(visitor_pk):
    """A same-origin browser whose visitor cookie holds ``visitor_pk``."""
    from django.core import signing

    from personalize.visitor import COOKIE_SALT
    from tests.api.conftest import Browser

    browser = Browser()
    salt = signing._cookie_signer_salt("personalize_vid", COOKIE_SALT)
    browser.cookies["personalize_vid"] = signing.get_cookie_signer(salt=salt).sign(visitor_pk.hex)
    return browser


def test_forget_me_erases_the_profile_this_browser_was_merged_into(demo):
    """Identified on two browsers, one person: the first browser's id was merged into the
    profile of the second, which holds the data now. Forgetting from either erases both."""
    target = Visitor.objects.create(email="jeff@fairway.test", email_verified=True)
    merged = Visitor.objects.create(merged_into=target)
    other = Visitor.objects.create(merged_into=target)  # a third browser of the same person
    unrelated = Visitor.objects.create()
    for owner in (target, unrelated):
        Event.objects.create(visitor=owner, name="page_view", path="/")
    browser = _browser_of(merged.pk)
    response = browser.delete_same_origin(ME)
    assert response.status_code == 200
    assert response.json() == {"erased": True}
    assert list(Visitor.objects.values_list("pk", flat=True)) == [unrelated.pk]
    assert list(Event.objects.values_list("visitor_id", flat=True)) == [unrelated.pk]
    assert ErasedVisitor.objects.count() == 3  # late events of any of the three are dropped
    assert not Visitor.objects.filter(pk=other.pk).exists()


def test_forget_me_erases_the_profiles_merged_into_mine(demo):
    target = Visitor.objects.create(email="jeff@fairway.test", email_verified=True)
    merged = Visitor.objects.create(merged_into=target)
    Event.objects.create(visitor=target, name="page_view", path="/")
    response = _browser_of(target.pk).delete_same_origin(ME)
    assert response.json() == {"erased": True}
    assert not Visitor.objects.filter(pk__in=[target.pk, merged.pk]).exists()
    assert not Event.objects.exists()


def test_forget_me_through_a_merged_id_still_needs_the_owners_login(demo, django_user_model):
    user = django_user_model.objects.create_user("jeff", "jeff@fairway.test", "pw")
    target = Visitor.objects.create(user=user)
    merged = Visitor.objects.create(merged_into=target)
    response = _browser_of(merged.pk).delete_same_origin(ME)
    assert response.status_code == 403
    assert response.json()["error"] == "sign_in_required"
    assert Visitor.objects.count() == 2


@pytest.mark.parametrize("stored", [5, "text", [1, 2], None])
def test_my_data_with_traits_stored_in_the_wrong_shape(demo, browser, stored):
    from django.db.models import JSONField, Value

    browser.page("/deals/")
    Visitor.objects.update(traits=Value(stored, JSONField()))  # written around identify()
    response = me(browser)
    assert response.status_code == 200
    assert response.json()["traits"] == {}
    assert response.json()["page_views"] == 1
