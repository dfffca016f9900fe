"""identify(): one person, one profile; traits validated, bounded and shown escaped."""

import uuid

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError

from personalize.models import Event, Membership, Segment, Visitor
from personalize.services import privacy
from personalize.store import ProfileStore, get_store
from tests.services.conftest import cookie_id, identify, track

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.services.urls")]


def live_visitors():
    return Visitor.objects.live()


def test_identify_stores_the_email_and_traits_and_greets(client):
    client.get("/")
    vid = cookie_id(client)
    response = identify(client, email=" Jeff@Example.COM ", first_name="Jeff", age=34)
    assert response.json() == {"visitor": vid}
    visitor = Visitor.objects.get(pk=vid)
    assert visitor.email == "jeff@example.com"
    assert visitor.traits == {"first_name": "Jeff", "age": 34}
    assert b"Hi Jeff, welcome back" in client.get("/").content


def test_traits_are_shown_escaped(client):
    identify(client, first_name='<script>alert("x")</script>')
    html = client.get("/").content.decode()
    assert "<script>alert" not in html
    assert "Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_none_removes_a_trait_and_other_traits_stay(client):
    identify(client, first_name="Jeff", company="Fairway")
    identify(client, company=None)
    assert Visitor.objects.get().traits == {"first_name": "Jeff"}
    assert client.get("/").wsgi_request.visitor.traits == {"first_name": "Jeff"}


def test_the_same_person_on_a_second_device_is_one_profile(client, fresh_client):
    laptop, phone = client, fresh_client
    laptop.get("/clubs/")
    track(laptop, "purchase", 349)
    identify(laptop, email="jeff@example.com", first_name="Jeff")
    jeff = cookie_id(laptop)

    phone.get("/deals/")
    phone.get("/compare/")
    track(phone, "purchase", 649)
    phone_id = cookie_id(phone)
    static = Segment.objects.create(name="Campaign list", slug="campaign-list", kind="static")
    Membership.objects.create(segment=static, visitor_id=phone_id)
    assert phone_id != jeff

    response = identify(phone, email="JEFF@example.com")
    assert response.json() == {"visitor": jeff}
    assert cookie_id(phone) == jeff  # the phone's cookie switched to Jeff's profile
    assert list(live_visitors().values_list("pk", flat=True)) == [uuid.UUID(jeff)]
    assert Visitor.objects.get(pk=phone_id).merged_into_id == uuid.UUID(jeff)
    row = Visitor.objects.get(pk=jeff)
    assert (row.visit_count, row.page_views) == (2, 3)
    assert Event.objects.filter(visitor_id=jeff, name="purchase").count() == 2
    assert Event.objects.filter(visitor_id=jeff, name="page_view").count() == 3
    assert not Event.objects.filter(visitor_id=phone_id).exists()
    assert Membership.objects.get().visitor_id == uuid.UUID(jeff)

    for device in (phone, laptop):
        request = device.get("/").wsgi_request
        profile = request.visitor.profile
        assert profile.id == jeff
        assert profile.traits["first_name"] == "Jeff"
        assert profile.event_stats("purchase", 0) == (2, 998.0)
        assert {"/deals/", "/compare/", "/clubs/"} <= set(profile.pages)


def test_late_events_of_the_merged_browser_reach_the_known_profile(client, fresh_client):
    identify(client, email="jeff@example.com")
    fresh_client.get("/")
    old_id = cookie_id(fresh_client)
    identify(fresh_client, email="jeff@example.com")
    from personalize.services.ingest import ingest

    ingest([{"visitor": {"id": old_id}, "events": [{"name": "late", "key": "late-1"}]}])
    assert Event.objects.get(name="late").visitor_id == uuid.UUID(cookie_id(client))


def test_logging_in_on_two_devices_links_them(client, fresh_client):
    jeff = User.objects.create_user("jeff", password="pw")
    client.get("/deals/")
    client.post("/t/login/", {"username": "jeff", "pw": "pw"})
    laptop_id = cookie_id(client)
    assert Visitor.objects.get(user=jeff).pk == uuid.UUID(laptop_id)

    fresh_client.get("/compare/")
    fresh_client.post("/t/login/", {"username": "jeff", "pw": "pw"})
    assert cookie_id(fresh_client) == laptop_id
    assert live_visitors().count() == 1
    profile = fresh_client.get("/").wsgi_request.visitor.profile
    assert profile.user_id == jeff.pk
    assert {"/deals/", "/compare/"} <= set(profile.pages)


def test_logging_in_through_an_excluded_path_links_nothing(client):
    User.objects.create_user("jeff", password="pw")
    client.get("/")
    client.post("/admin/login/", {"username": "jeff", "password": "pw"})
    assert not Visitor.objects.filter(user__username="jeff").exists()


@pytest.mark.parametrize("why", ["consent required", "global privacy control"])
def test_a_visitor_who_is_not_tracked_stores_nothing(client, settings, why):
    headers = {}
    if why == "consent required":
        settings.PERSONALIZE_CONSENT_MODE = "required"
    else:
        headers = {"HTTP_SEC_GPC": "1"}
    client.get("/deals/", **headers)
    response = identify(client, email="jeff@example.com", first_name="Jeff", headers=headers)
    assert response.json() == {"visitor": None}
    response = track(client, "purchase", 10, headers=headers)
    assert response.json() == {"tracked": False}
    assert b"Hi Jeff" not in client.get("/", **headers).content
    assert not Visitor.objects.exists()
    assert not Event.objects.exists()
    assert cookie_id(client) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-address"}, "Enter a valid e-mail address"),
        ({"email": "a" * 250 + "@example.com"}, "at most 254 characters"),
        ({"first name": "Jeff"}, "Trait names start with a letter"),
        ({"_private": 1}, "Trait names start with a letter"),
        ({"bio": "x" * 501}, "longer than 500 characters"),
        ({"tags": ["a", "b"]}, "must be text, a number, true/false or None; got list"),
        ({"address": {"city": "Leeds"}}, "got dict"),
        ({"balance": 2**60}, "too large a number"),
        ({f"t{n}": n for n in range(51)}, "At most 50 traits; got 51"),
        ({f"t{n}": "x" * 100 for n in range(20)}, "traits may take 1500 bytes"),
    ],
)
def test_bad_traits_are_refused_with_a_clear_error_and_nothing_changes(client, data, message):
    identify(client, first_name="Jeff")
    response = identify(client, **data)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert Visitor.objects.get().traits == {"first_name": "Jeff"}
    assert Visitor.objects.get().email is None


def test_bad_traits_are_refused_even_when_not_tracked(client):
    response = identify(client, email="nope", headers={"HTTP_SEC_GPC": "1"})
    assert response.status_code == 400


def test_an_email_already_used_by_a_merged_chain_points_to_one_profile(client, fresh_client):
    third = client.__class__()
    for device in (client, fresh_client, third):
        device.get("/")
        identify(device, email="jeff@example.com")
    assert live_visitors().count() == 1
    assert cookie_id(client) == cookie_id(fresh_client) == cookie_id(third)
    assert Visitor.objects.exclude(merged_into__isnull=True).count() == 2


@pytest.mark.parametrize("visited_since", [False, True])
def test_identify_never_brings_an_erased_visitor_back(client, visited_since):
    client.get("/")
    erased = cookie_id(client)
    assert privacy.erase_visitor(erased)
    if visited_since:
        client.get("/deals/")  # the browser still carries the erased id
    response = identify(client, email="jeff@example.com", first_name="Jeff")
    renewed = response.json()["visitor"]
    assert renewed
    assert renewed != erased
    assert cookie_id(client) == renewed
    assert not Visitor.objects.filter(pk=erased).exists()
    assert privacy.is_erased(erased)
    assert get_store().load(erased, with_memberships=False) is None
    assert Visitor.objects.get(pk=renewed).email == "jeff@example.com"
    assert b"Hi Jeff" in client.get("/").content
    assert not Visitor.objects.filter(pk=erased).exists()


def test_identify_returns_none_when_the_visitor_cannot_be_loaded(client, monkeypatch):
    client.get("/")

    def broken(*args, **kwargs):
        raise RuntimeError("cache and database down")

    monkeypatch.setattr(ProfileStore, "load", broken)
    response = identify(client, email="jeff@example.com", first_name="Jeff")
    assert response.status_code == 200
    assert response.json() == {"visitor": None}
    assert Visitor.objects.get().email is None


def test_identify_logs_and_returns_none_when_storing_fails(client, monkeypatch, caplog):
    client.get("/")

    def broken(*args, **kwargs):
        raise DatabaseError("database went away")

    monkeypatch.setattr(Visitor, "save", broken)
    response = identify(client, email="jeff@example.com", first_name="Jeff")
    assert response.json() == {"visitor": None}
    assert "identifying a visitor failed" in caplog.text
    monkeypatch.undo()
    visitor = Visitor.objects.get()
    assert (visitor.email, visitor.traits) == (None, {})
    assert b"Hi Jeff" not in client.get("/").content


@pytest.mark.parametrize("stored", [5, "text", [1, 2], None])
def test_traits_stored_in_the_wrong_shape_are_replaced_not_fatal(client, fresh_client, stored):
    from django.db.models import JSONField, Value

    identify(client, email="jeff@example.com", first_name="Jeff")
    jeff = cookie_id(client)
    fresh_client.get("/")
    Visitor.objects.update(traits=Value(stored, JSONField()))  # written around identify()
    assert identify(client, company="Fairway").json() == {"visitor": jeff}
    assert Visitor.objects.get(pk=jeff).traits == {"company": "Fairway"}
    Visitor.objects.update(traits=Value(stored, JSONField()))
    # the second device merges into the first: both rows' traits are read
    assert identify(fresh_client, email="jeff@example.com", age=40).json() == {"visitor": jeff}
    assert Visitor.objects.get(pk=jeff).traits == {"age": 40}
