"""Typing someone's e-mail address personalizes, but never opens their stored data."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from personalize.models import Event, Visitor
from tests.services.conftest import cookie_id, identify, linked_unverified, track

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.services.urls")]

SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"}


def my_data(client):
    return client.get("/personalize/api/visitor/", **SAME_ORIGIN)


def forget_me(client):
    return client.delete("/personalize/api/visitor/", **SAME_ORIGIN)


@pytest.fixture
def jeff(demo):
    client = Client()
    client.get("/clubs/beginner-set/")
    track(client, "purchase", 649, product="intermediate-set")
    return client


def test_an_anonymous_browser_sees_its_own_data(demo):
    client = Client()
    client.get("/")
    response = my_data(client)
    assert response.status_code == 200
    assert response.json()["page_views"] == 1


def test_someone_typing_jeffs_address_is_personalized_but_gets_no_data(jeff):
    identify(jeff, email="jeff@example.com", first_name="Jeff", verified=True)
    intruder = Client()
    intruder.get("/")
    identify(intruder, email="jeff@example.com", first_name="Mallory")
    assert linked_unverified(intruder)
    assert cookie_id(intruder) == cookie_id(jeff)  # one person, one profile

    response = my_data(intruder)
    assert response.status_code == 403
    assert response.json()["error"] == "identity_not_verified"
    assert "649" not in response.content.decode()

    assert forget_me(intruder).status_code == 403
    assert Event.objects.filter(name="purchase").exists()
    assert Visitor.objects.filter(email="jeff@example.com").exists()

    # Jeff proved his address: his browser still sees everything
    assert my_data(jeff).status_code == 200


def test_a_profile_with_an_unverified_address_opens_to_nobody(jeff):
    identify(jeff, email="jeff@example.com", first_name="Jeff")  # typed into the guide form
    assert not linked_unverified(jeff)
    response = my_data(jeff)
    assert response.status_code == 403
    assert response.json()["error"] == "identity_not_verified"


def test_claiming_an_address_first_does_not_open_the_real_owners_later_data(demo):
    squatter = Client()
    squatter.get("/")
    identify(squatter, email="jeff@example.com")
    jeff = Client()
    track(jeff, "purchase", 999)
    identify(jeff, email="jeff@example.com", first_name="Jeff")
    assert my_data(squatter).status_code == 403
    assert my_data(jeff).status_code == 403


def test_verifying_later_lifts_the_restriction_for_that_browser(jeff):
    identify(jeff, email="jeff@example.com", verified=True)
    phone = Client()
    identify(phone, email="jeff@example.com")
    assert my_data(phone).status_code == 403
    identify(phone, email="jeff@example.com", verified=True)
    assert not linked_unverified(phone)
    assert my_data(phone).status_code == 200


def test_a_profile_of_a_user_account_needs_that_user_signed_in(demo):
    User.objects.create_user("jeff", password="pw")
    client = Client()
    client.get("/")
    client.post("/t/login/", {"username": "jeff", "pw": "pw"})
    assert my_data(client).status_code == 200
    kept = client.cookies["personalize_vid"].value
    client.logout()  # the session ends; the visitor cookie stays in the browser
    client.cookies["personalize_vid"] = kept
    response = my_data(client)
    assert response.status_code == 403
    assert response.json()["error"] == "sign_in_required"


def test_an_unverified_claim_still_personalizes_from_the_merged_profile(jeff):
    identify(jeff, email="jeff@example.com", first_name="Jeff", verified=True)
    phone = Client()
    identify(phone, email="jeff@example.com", first_name="Jeff")
    page = phone.get("/")
    assert 'data-personalize-variant="intermediate-upsell"' in page.content.decode()


def test_typing_jeffs_address_does_not_change_his_traits(jeff):
    """intents.md: an unproven claim adds the typist's visits (and traits the profile lacks),
    never changes Jeff's traits; the typist's used to overwrite them (his browser then greeted
    him as Mallory)."""
    identify(jeff, email="jeff@example.com", first_name="Jeff", verified=True)
    intruder = Client()
    intruder.get("/")
    identify(intruder, email="jeff@example.com", first_name="Mallory", company="Evil")
    identify(intruder, first_name=None)  # later, through the same unproven link
    assert linked_unverified(intruder)
    stored = Visitor.objects.get(email="jeff@example.com").traits
    assert stored == {"first_name": "Jeff", "company": "Evil"}
    assert "Hi Jeff" in jeff.get("/").content.decode()
    # proving the address lifts the restriction
    identify(intruder, email="jeff@example.com", verified=True, first_name="Jeffrey")
    stored = Visitor.objects.get(email="jeff@example.com").traits
    assert stored == {"first_name": "Jeffrey", "company": "Evil"}


def test_a_browser_linked_by_a_claim_sees_only_the_traits_it_gave(jeff):
    """Typing Jeff's address shows the typist nothing Jeff told the site: not his name, not
    any trait; only what the typist said, in the request that said it."""
    identify(jeff, email="jeff@example.com", first_name="Jeff", plan="gold", verified=True)
    intruder = Client()
    response = identify(intruder, email="jeff@example.com", nickname="M")
    assert response.wsgi_request.visitor.traits == {"nickname": "M"}  # its own, this request
    assert linked_unverified(intruder)
    page = intruder.get("/").content.decode()
    assert "Hi Jeff" not in page
    assert 'data-personalize-variant="intermediate-upsell"' in page  # still personalized
    assert intruder.get("/").wsgi_request.visitor.traits == {}
    assert jeff.get("/").wsgi_request.visitor.traits == {
        "first_name": "Jeff",
        "plan": "gold",
        "nickname": "M",
    }
    # proving the address shows the profile's traits again
    identify(intruder, email="jeff@example.com", verified=True)
    assert intruder.get("/").wsgi_request.visitor.traits["first_name"] == "Jeff"
