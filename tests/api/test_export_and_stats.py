import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from personalize.models import Event, ExportAudit, Membership, Segment, Visitor

API = "/personalize/api"
pytestmark = pytest.mark.django_db


@pytest.fixture
def static_segment(db):
    segment = Segment.objects.create(name="Newsletter list", slug="newsletter-list", kind="static")
    visitors = [
        Visitor.objects.create(email=f"golfer{i}@example.com", traits={"first_name": f"G{i}"})
        for i in range(5)
    ]
    for visitor in visitors:
        Membership.objects.create(segment=segment, visitor=visitor)
    return segment


@pytest.fixture
def exporter(user_factory):
    client = Client()
    client.force_login(user_factory("exporter", "export_segment"))
    return client


def test_export_pages_through_members_and_audits_each_page(static_segment, exporter):
    first = exporter.get(f"{API}/segments/newsletter-list/members/", {"page_size": 2})
    assert first.status_code == 200
    body = first.json()
    assert [member["email"] for member in body["results"]] == [
        "golfer0@example.com",
        "golfer1@example.com",
    ]
    assert body["results"][0]["traits"] == {"first_name": "G0"}
    assert len(body["results"][0]["visitor"]) == 32
    emails = [member["email"] for member in body["results"]]
    url = body["next"]
    while url:
        page = exporter.get(url).json()
        emails += [member["email"] for member in page["results"]]
        url = page["next"]
    assert emails == [f"golfer{i}@example.com" for i in range(5)]
    audits = list(ExportAudit.objects.order_by("pk"))
    assert [(a.username, a.segment_slug, a.rows) for a in audits] == [
        ("exporter", "newsletter-list", 2),
        ("exporter", "newsletter-list", 2),
        ("exporter", "newsletter-list", 1),
    ]
    assert audits[0].page == ""
    assert audits[1].page


def test_export_is_logged(static_segment, exporter, caplog):
    with caplog.at_level("INFO", logger="personalize.audit"):
        exporter.get(f"{API}/segments/newsletter-list/members/")
    assert "exporter exported 5 members of segment newsletter-list" in caplog.text


def test_page_size_is_capped(static_segment, exporter, settings):
    settings.PERSONALIZE_API_EXPORT_MAX_PAGE_SIZE = 3
    body = exporter.get(f"{API}/segments/newsletter-list/members/", {"page_size": 1000}).json()
    assert len(body["results"]) == 3


def test_export_needs_its_own_permission(static_segment, user_factory):
    client = Client()
    client.force_login(user_factory("editor", "view_segment", "change_segment"))
    response = client.get(f"{API}/segments/newsletter-list/members/")
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert not ExportAudit.objects.exists()
    assert Client().get(f"{API}/segments/newsletter-list/members/").status_code == 401


def test_dynamic_segments_have_no_member_list(demo, exporter):
    response = exporter.get(f"{API}/segments/golfers/members/")
    assert response.status_code == 409
    assert response.json()["error"] == "dynamic_segment"
    assert not ExportAudit.objects.exists()


@pytest.mark.parametrize("slug", ["nope", "a%00b"])
def test_unknown_segments_are_404(db, exporter, slug):
    response = exporter.get(f"{API}/segments/{slug}/members/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_bad_cursor_is_404(static_segment, exporter):
    response = exporter.get(f"{API}/segments/newsletter-list/members/", {"cursor": "garbage\x00"})
    assert response.status_code == 404


def add(visitor, name, when, slot="", variant=""):
    Event.objects.create(
        visitor=visitor,
        name=name,
        slot=slot,
        variant=variant,
        timestamp=when,
        idempotency_key=uuid.uuid4().hex,
    )


@pytest.fixture
def traffic(db):
    now = timezone.now()
    early = now - dt.timedelta(hours=2)
    later = now - dt.timedelta(hours=1)
    visitors = [Visitor.objects.create() for _ in range(6)]
    # deal-hero: 3 visitors, 2 click, 2 buy afterwards, 1 bought before seeing it
    for visitor in visitors[:3]:
        add(visitor, "impression", early, "home-hero", "deal-hero")
    add(visitors[0], "click", later, "home-hero", "deal-hero")
    add(visitors[1], "click", later, "home-hero", "deal-hero")
    add(visitors[0], "purchase", later)
    add(visitors[0], "purchase", later)
    add(visitors[1], "conversion", later)
    add(visitors[2], "purchase", early - dt.timedelta(minutes=5))
    # control: 2 visitors, 1 buys
    for visitor in visitors[3:5]:
        add(visitor, "impression", early, "home-hero", "control")
    add(visitors[3], "purchase", later)
    # another slot, out of the range
    add(visitors[5], "impression", now - dt.timedelta(days=60), "home-promo", "default")
    return now


def test_stats_per_variant(traffic, staff_client):
    response = staff_client.get(f"{API}/stats/")
    assert response.status_code == 200
    body = response.json()
    assert [slot["slot"] for slot in body["slots"]] == ["home-hero"]
    variants = {v["variant"]: v for v in body["slots"][0]["variants"]}
    deal = variants["deal-hero"]
    assert (deal["impressions"], deal["visitors"], deal["clicks"], deal["conversions"]) == (
        3,
        3,
        2,
        2,
    )
    assert deal["conversion_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert deal["click_rate"] == pytest.approx(2 / 3, abs=1e-4)
    control = variants["control"]
    assert control["conversions"] == 1
    assert control["lift"] is None
    assert deal["lift"] == pytest.approx((2 / 3) / (1 / 2) - 1, abs=1e-3)
    # three visitors against two: far too few to tell a difference from chance
    assert (deal["confidence"], deal["significant"]) == (None, None)
    low, high = deal["conversion_rate_interval"]
    assert low < 2 / 3 < high


def test_stats_date_range_and_slot_filter(traffic, staff_client):
    day = (traffic - dt.timedelta(days=60)).date()
    body = staff_client.get(f"{API}/stats/", {"since": day, "until": day}).json()
    assert [slot["slot"] for slot in body["slots"]] == ["home-promo"]
    body = staff_client.get(f"{API}/stats/", {"slot": "home-promo"}).json()
    assert body["slots"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2024-02-30"},
        {"since": "2024-03-02", "until": "2024-03-01"},
        {"since": "2000-01-01", "until": "2024-01-01"},
        {"until": "9999-12-31"},
        {"slot": "bad slot"},
    ],
)
def test_bad_stats_queries_are_400(db, staff_client, params):
    response = staff_client.get(f"{API}/stats/", params)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_stats_need_permission(db, user_factory):
    client = Client()
    client.force_login(user_factory("nobody"))
    assert client.get(f"{API}/stats/").status_code == 403
    client.force_login(user_factory("analyst", "view_variant"))
    assert client.get(f"{API}/stats/").status_code == 200
