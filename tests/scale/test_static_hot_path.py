"""Static segments at request time: read from the materialized list, no query once warm."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from personalize.models import DeviceRule, Segment
from personalize.services import segments
from tests.conftest import DESKTOP
from tests.scale.helpers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(settings, memory_sink):
    settings.ROOT_URLCONF = "tests.scale.urls"
    vip = Segment.objects.create(name="VIP", slug="vip", kind="static")
    DeviceRule.objects.create(segment=vip, device_types=["desktop"])
    return vip


def _browser():
    return Client(HTTP_USER_AGENT=DESKTOP, HTTP_ACCEPT="text/html")


def _ingest_sink_batches(sink):
    from personalize.services.ingest import ingest

    ingest(sink.batches)
    sink.batches.clear()


def test_members_see_the_static_segment_with_no_query_once_warm(
    site, memory_sink, django_assert_num_queries, django_capture_on_commit_callbacks
):
    browser = _browser()
    assert "regular" in browser.get("/vip/").content.decode()
    _ingest_sink_batches(memory_sink)  # what the worker does
    with django_capture_on_commit_callbacks(execute=True):
        segments.rebuild_segment(site.pk)
    response = browser.get("/vip/")  # the profile re-reads its memberships: one query
    assert "VIP" in response.content.decode()
    with django_assert_num_queries(0):
        for _ in range(3):
            assert "VIP" in browser.get("/vip/").content.decode()


def test_non_members_pay_no_query_either(site, memory_sink, django_assert_num_queries):
    browser = _browser()
    browser.get("/vip/")
    browser.get("/vip/")
    with django_assert_num_queries(0):
        assert "regular" in browser.get("/vip/").content.decode()


def test_membership_version_change_costs_one_query(
    site, memory_sink, django_assert_num_queries, django_capture_on_commit_callbacks
):
    browser = _browser()
    browser.get("/vip/")
    browser.get("/vip/")
    from personalize.engine.snapshot import bump_membership_version

    with django_capture_on_commit_callbacks(execute=True):
        bump_membership_version()
    with django_assert_num_queries(1):
        browser.get("/vip/")
    with django_assert_num_queries(0):
        browser.get("/vip/")


@pytest.mark.parametrize("redis_state", [pytest.param("up", marks=pytest.mark.redis), "down"])
def test_buffered_page_views_run_no_query_once_warm(
    site, sink_at, redis_state, django_assert_num_queries
):
    """With the buffered sink a tracked page view touches Redis only, even when Redis is down."""
    up = redis_state == "up"
    sink = sink_at(os.environ["REDIS_URL"] if up else f"redis://127.0.0.1:{free_port()}/0")
    browser = _browser()
    browser.get("/vip/")
    browser.get("/vip/")
    with django_assert_num_queries(0):
        for _ in range(3):
            assert browser.get("/vip/").status_code == 200
    assert sink.stats.get("buffered" if up else "fallback") >= 5
    assert sink.stats.get("dropped") == 0
