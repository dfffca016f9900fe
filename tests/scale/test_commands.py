"""Management commands: the same services, without Celery; clear errors for bad input."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import CommandError, call_command

from personalize.models import DeviceRule, Event, Segment, SegmentDailyStat, Visitor
from personalize.services import privacy
from personalize.services.ingest import ingest
from tests.scale.helpers import batch, event

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def lists(db):
    mobile = Segment.objects.create(name="Mobile", slug="mobile", kind="static")
    DeviceRule.objects.create(segment=mobile, device_types=["mobile"])
    tablet = Segment.objects.create(name="Tablet", slug="tablet", kind="static")
    DeviceRule.objects.create(segment=tablet, device_types=["tablet"])
    Segment.objects.create(name="Live", slug="live")
    Visitor.objects.create(device_type="mobile")
    return mobile, tablet


def test_rebuild_by_slug_and_all(lists):
    assert "mobile: 1 members (+1 -0, in SQL" in run("personalize_rebuild_segment", "mobile")
    output = run("personalize_rebuild_segment", "--all")
    assert "mobile: 1 members" in output
    assert "tablet: 0 members" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give segment slugs or --all"),
        (("mobile", "--all"), "Give segment slugs or --all"),
        (("nope",), "No segment with slug nope"),
        (("live",), "dynamic segments are evaluated live"),
    ],
)
def test_rebuild_errors(lists, args, message):
    with pytest.raises(CommandError, match=message):
        run("personalize_rebuild_segment", *args)


def test_aggregate_stats(lists):
    assert run("personalize_aggregate_stats", "--date", "2026-06-15").startswith("2026-06-15:")
    assert SegmentDailyStat.objects.filter(date="2026-06-15").count() == 3
    output = run("personalize_aggregate_stats", "--date", "2026-06-15", "--days", "3")
    assert output.splitlines()[0].startswith("2026-06-13")
    assert len(run("personalize_aggregate_stats").splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--date", "15/06/2026"), "YYYY-MM-DD"),
        (("--days", "0"), "between 1 and 3660"),
        (("--date", "9999-12-31"), "from 1970-01-01 to 9000-01-01"),
        (("--date", "0001-01-01", "--days", "5"), "from 1970-01-01 to 9000-01-01"),
        (("--date", "1970-01-02", "--days", "3"), "from 1970-01-01 to 9000-01-01"),
    ],
)
def test_aggregate_stats_errors(db, args, message):
    with pytest.raises(CommandError, match=message):
        run("personalize_aggregate_stats", *args)


def test_purge(db):
    assert run("personalize_purge").startswith("Deleted 0 events")


def test_erase_by_id_and_by_email(db):
    first, second = uuid.uuid4(), uuid.uuid4()
    ingest([batch(first, event()), batch(second, event())])
    Visitor.objects.filter(pk=second).update(email="jeff@example.com")
    assert f"Erased visitor {first.hex}" in run("personalize_erase_visitor", first.hex)
    assert "Erased visitor" in run("personalize_erase_visitor", "JEFF@example.com")
    assert not Event.objects.exists()
    unknown = uuid.uuid4()
    assert "a tombstone now keeps late events" in run("personalize_erase_visitor", str(unknown))
    assert privacy.is_erased(unknown)


@pytest.mark.parametrize(
    ("value", "message"),
    [("not-an-id", "neither a visitor id"), ("nobody@example.com", "No visitor with e-mail")],
)
def test_erase_errors(db, value, message):
    with pytest.raises(CommandError, match=message):
        run("personalize_erase_visitor", value)


def test_flush_without_redis_explains(db, settings, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings.PERSONALIZE_BUFFER_REDIS_URL = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with pytest.raises(CommandError, match="PERSONALIZE_BUFFER_REDIS_URL"):
        run("personalize_flush_events")


def test_flush_with_redis_down_explains(db, settings):
    from tests.scale.helpers import free_port

    settings.PERSONALIZE_BUFFER_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(CommandError, match="Cannot reach the event buffer"):
        run("personalize_flush_events")
    for seconds in ("0", "-1", "nan"):
        with pytest.raises(CommandError, match="positive"):
            run("personalize_flush_events", "--max-seconds", seconds)


@pytest.mark.redis
def test_flush_and_status(buffered):
    buffered.emit(batch(None, event(), event()))
    assert "waiting: 1" in run("personalize_flush_events", "--status")
    assert run("personalize_flush_events").startswith("Stored 2 events from 1 batches")
    assert "waiting: 0" in run("personalize_flush_events", "--status")
