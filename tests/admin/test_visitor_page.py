"""The admin's visitor page: segments, intent scores with contributions, interests, traits,
recent events; read-only, computed from what is stored."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from personalize.models import (
    Event,
    Intent,
    IntentSignal,
    PageVisitRule,
    Segment,
    UserRule,
    Visitor,
)
from personalize.profile import Profile

pytestmark = pytest.mark.django_db


def stored_visitor(**fields):
    now = timezone.now().timestamp()
    visitor = Visitor.objects.create(**fields)
    profile = Profile.new(visitor.pk.hex, now)
    profile.visit_count = 1
    profile.start_visit_if_due(now)
    for _ in range(2):
        profile.record_page_view("/deals/", now)
    profile.add_interest("golf", 3, now)
    profile.traits = dict(visitor.traits)
    visitor.profile = profile.to_dict()
    visitor.save()
    return visitor, profile


@pytest.fixture
def definitions(db):
    deals = Segment.objects.create(name="Deal readers", slug="deal-readers")
    PageVisitRule.objects.create(segment=deals, path_operator="starts_with", path="/deals/")
    staff = Segment.objects.create(name="Staff", slug="staff")
    UserRule.objects.create(segment=staff, condition="staff")
    Segment.objects.create(name="Nobody", slug="nobody")
    intent = Intent.objects.create(slug="deal-seeking", name="Hunting deals", threshold=10)
    signal = IntentSignal.objects.create(
        intent=intent,
        kind="page_path",
        operator="starts_with",
        pattern="/deals/",
        points=6,
        cap=12,
    )
    return signal


def page(client, visitor):
    response = client.get(f"/admin/personalize/visitor/{visitor.pk}/change/")
    assert response.status_code == 200
    return response, response.context["report"]


def test_the_visitor_page_shows_segments_intents_interests_traits_and_events(
    admin_client, definitions
):
    user = User.objects.create_user("coach", is_staff=True)
    visitor, profile = stored_visitor(
        email="jeff@example.com", traits={"first_name": "<b>Jeff</b>"}, user=user
    )
    profile.add_intent_points(definitions.key, 12, 12, 86400, timezone.now().timestamp())
    visitor.profile = profile.to_dict()
    visitor.save()
    Event.objects.bulk_create(
        Event(
            visitor=visitor,
            name="page_view",
            path=f"/p{n}/",
            timestamp=timezone.now() - dt.timedelta(minutes=n),
        )
        for n in range(60)
    )
    response, report = page(admin_client, visitor)
    assert [entry["segment"] for entry in report["member_of"]] == ["deal-readers", "staff"]
    assert [entry["segment"] for entry in report["not_member_of"]] == ["nobody"]
    (intent,) = report["intents"]
    assert (intent["intent"], intent["score"], intent["active"]) == ("deal-seeking", 12.0, True)
    assert intent["signals"] == [{"signal": definitions.describe(), "points": 12.0}]
    assert report["intent"] == "deal-seeking"
    assert report["interests"] == [("golf", 3.0)]
    assert report["traits"] == [("first_name", "<b>Jeff</b>")]
    assert len(report["events"]) == 50
    assert report["events"][0].path == "/p0/"  # most recent first
    html = response.content.decode()
    assert "&lt;b&gt;Jeff&lt;/b&gt;" in html
    assert "<b>Jeff</b>" not in html
    for text in ("Deal readers", "Hunting deals", "Recent events (last 50)", "/p49/", "golf"):
        assert text in html
    assert "/p50/" not in html
    assert 'name="_save"' not in html  # read-only


def test_the_page_prefers_the_cached_profile(admin_client, definitions):
    from personalize.store import get_store

    visitor, profile = stored_visitor()
    profile.record_page_view("/deals/", timezone.now().timestamp())
    profile.add_interest("travel", 1, timezone.now().timestamp())
    get_store().save(profile)
    _, report = page(admin_client, visitor)
    assert dict(report["interests"]) == {"golf": 3.0, "travel": 1.0}
    assert report["pages"][0][:2] == ("/deals/", 3)


def test_a_merged_visitor_points_to_the_known_profile(admin_client, definitions):
    known, _ = stored_visitor(email="jeff@example.com")
    merged, _ = stored_visitor()
    Visitor.objects.filter(pk=merged.pk).update(merged_into=known)
    response, report = page(admin_client, merged)
    assert report["merged_into"] == known
    assert f"/admin/personalize/visitor/{known.pk}/change/" in response.content.decode()
    _, report = page(admin_client, known)
    assert report["merged_from"] == 1


def test_a_broken_rule_does_not_break_the_page(admin_client, definitions):
    PageVisitRule.objects.update(path_operator="regex", path="((")
    from personalize.engine.snapshot import bump_version

    bump_version()
    visitor, _ = stored_visitor()
    _, report = page(admin_client, visitor)
    assert "deal-readers" not in [entry["segment"] for entry in report["member_of"]]


def test_who_may_see_the_visitor_page(client, definitions):
    visitor, _ = stored_visitor()
    url = f"/admin/personalize/visitor/{visitor.pk}/change/"
    assert client.get(url).status_code == 302  # to the login page
    staff = User.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_visitor"))
    assert client.get(url).status_code == 200
    assert client.post(url, {"traits": "{}"}).status_code == 403  # view only
