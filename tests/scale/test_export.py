"""Exporting a static segment's members: CSV (formula-safe) and JSON, command and admin."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command

from personalize.models import ExportAudit, Membership, Segment, Visitor
from personalize.services import export
from personalize.services.segments import SegmentNotStatic

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment(db):
    segment = Segment.objects.create(name="Newsletter", slug="newsletter", kind="static")
    people = [
        Visitor.objects.create(
            email="jeff@example.com", traits={"first_name": "Jeff", "handicap": 18}
        ),
        Visitor.objects.create(
            email="=cmd@example.com",
            traits={"first_name": '=HYPERLINK("http://x")', "note": "+1", "id": "@x"},
        ),
        Visitor.objects.create(traits={"first_name": "\tTab", "note": "-2"}),
    ]
    for person in people:
        Membership.objects.create(segment=segment, visitor=person)
    Visitor.objects.create(email="other@example.com")  # not a member
    return segment


def _csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_lists_members_with_traits_and_neutralized_formulas(segment):
    rows = _csv("".join(export.iter_csv(segment)))
    assert len(rows) == 3
    assert list(rows[0]) == [
        "id", "email", "first_seen", "last_seen", "visits", "country",
        "first_name", "handicap", "trait_id", "note",
    ]  # fmt: skip
    by_email = {row["email"]: row for row in rows}
    assert by_email["jeff@example.com"]["first_name"] == "Jeff"
    assert by_email["jeff@example.com"]["handicap"] == "18"
    evil = by_email["'=cmd@example.com"]
    assert evil["first_name"] == '\'=HYPERLINK("http://x")'
    assert (evil["note"], evil["trait_id"]) == ("'+1", "'@x")
    anonymous = by_email[""]
    assert (anonymous["first_name"], anonymous["note"]) == ("'\tTab", "'-2")
    assert {row["id"] for row in rows} == {
        v.hex for v in Membership.objects.values_list("visitor_id", flat=True)
    }


def test_every_dangerous_prefix_is_neutralized():
    for prefix in ("=", "+", "-", "@", "\t", "\r"):
        assert export.neutralize(prefix + "1") == "'" + prefix + "1"
    assert export.neutralize("plain") == "plain"
    assert export.neutralize(-5) == -5  # numbers are not text


def test_json_export(segment):
    data = json.loads("".join(export.iter_json(segment)))
    assert data["segment"] == "newsletter"
    assert len(data["members"]) == 3
    jeff = next(m for m in data["members"] if m["email"] == "jeff@example.com")
    assert jeff["traits"] == {"first_name": "Jeff", "handicap": 18}


def test_export_is_paginated(segment, django_assert_num_queries):
    with django_assert_num_queries(2):  # one page of 2, then the last page
        assert len(list(export.members(segment, chunk=2))) == 3


def test_dynamic_segments_cannot_be_exported(db):
    dynamic = Segment.objects.create(name="Live", slug="live")
    with pytest.raises(SegmentNotStatic):
        list(export.iter_csv(dynamic))
    with pytest.raises(CommandError, match="dynamic"):
        call_command("personalize_export_segment", "live")
    assert not ExportAudit.objects.exists()


def test_command_writes_csv_and_json_and_records_each_run(segment, tmp_path, caplog):
    out = io.StringIO()
    with caplog.at_level("INFO", logger="personalize.audit"):
        call_command("personalize_export_segment", "newsletter", stdout=out)
    assert len(_csv(out.getvalue())) == 3
    audit = ExportAudit.objects.get()
    assert (audit.user, audit.username, audit.segment, audit.rows) == (None, "", segment, 3)
    assert audit.page == "all (csv, command)"
    assert str(audit) == "(no user) exported 3 members of newsletter"
    assert "(no user) exported 3 members of segment newsletter (page all (csv, command))" in (
        caplog.text
    )
    target = tmp_path / "members.json"
    call_command(
        "personalize_export_segment",
        "newsletter",
        "--format",
        "json",
        "--output",
        str(target),
        stderr=io.StringIO(),
    )
    assert len(json.loads(target.read_text())["members"]) == 3
    assert ExportAudit.objects.latest("pk").page == "all (json, command)"
    assert ExportAudit.objects.count() == 2


def test_command_rejects_unknown_segments_and_formats(db):
    with pytest.raises(CommandError, match="No segment"):
        call_command("personalize_export_segment", "nope")
    with pytest.raises(CommandError):
        call_command("personalize_export_segment", "nope", "--format", "xml")
    assert not ExportAudit.objects.exists()


@pytest.mark.parametrize("where", ["missing/members.csv", "."])
def test_command_explains_an_output_file_it_cannot_write(segment, tmp_path, where):
    target = tmp_path / where  # a folder that does not exist; a folder, not a file
    with pytest.raises(CommandError, match="Cannot write"):
        call_command(
            "personalize_export_segment", "newsletter", "--output", str(target),
            stderr=io.StringIO(),
        )  # fmt: skip
    assert not ExportAudit.objects.exists()  # nothing was exported


# -- admin -------------------------------------------------------------------------------------
def _staff(*perms):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def _action(client, action, *segments):
    return client.post(
        "/admin/personalize/segment/",
        {"action": action, "_selected_action": [s.pk for s in segments]},
    )


def test_admin_exports_csv_and_records_it(segment, client, caplog):
    client.force_login(_staff("view_segment", "export_segment"))
    with caplog.at_level("INFO", logger="personalize.audit"):
        response = _action(client, "export_csv", segment)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "newsletter-members-" in response["Content-Disposition"]
    assert len(_csv(b"".join(response.streaming_content).decode())) == 3
    audit = ExportAudit.objects.get()
    assert (audit.username, audit.segment, audit.rows) == ("editor", segment, 3)
    assert audit.page == "all (csv, admin)"
    assert "editor exported 3 members of segment newsletter (page all (csv, admin))" in caplog.text


def test_admin_export_needs_the_export_permission(segment, client):
    client.force_login(_staff("view_segment", "change_segment", "view_visitor"))
    offered = client.get("/admin/personalize/segment/").context["action_form"]
    assert "export_csv" not in dict(offered.fields["action"].choices)
    response = _action(client, "export_json", segment)
    assert response.status_code == 302
    assert not ExportAudit.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["No action selected."]


def test_admin_and_api_ask_for_the_same_permission():
    from personalize.api.permissions import CanExportSegment

    assert CanExportSegment.permission == export.EXPORT_PERMISSION == "personalize.export_segment"


def test_admin_exports_one_static_segment_at_a_time(segment, client):
    client.force_login(_staff("view_segment", "export_segment"))
    other = Segment.objects.create(name="Other", slug="other", kind="static")
    response = _action(client, "export_csv", segment, other)
    assert response.status_code == 302
    dynamic = Segment.objects.create(name="Live", slug="live")
    response = _action(client, "export_csv", dynamic)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("is dynamic" in m for m in messages)
    assert not ExportAudit.objects.exists()


def test_admin_rebuild_now(segment, client, django_capture_on_commit_callbacks, celery_eager):
    from personalize.models import DeviceRule

    client.force_login(_staff("view_segment", "change_segment"))
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    Visitor.objects.create(device_type="mobile")
    dynamic = Segment.objects.create(name="Live", slug="live")
    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: runs on commit
        response = _action(client, "rebuild_now", segment, dynamic)
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.member_count == 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Rebuild of 1 static segment started" in m for m in messages)
    assert any("Dynamic segments" in m for m in messages)
    page = client.get("/admin/personalize/segment/")
    assert "1 member<" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_admin_rebuild_reports_an_unreachable_queue(segment, client, monkeypatch):
    from personalize import tasks

    client.force_login(_staff("view_segment", "change_segment"))

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.rebuild_segment, "apply_async", refuse)
    response = _action(client, "rebuild_now", segment)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("task queue is unreachable" in m for m in messages)


def test_view_only_staff_cannot_rebuild(segment, client):
    client.force_login(_staff("view_segment"))
    response = _action(client, "rebuild_now", segment)
    assert response.status_code in (200, 302, 403)
    segment.refresh_from_db()
    assert segment.rebuilt_at is None


def test_stats_admin_pages_load(admin_client):
    for path in ("/admin/personalize/segmentdailystat/", "/admin/personalize/variantdailystat/"):
        assert admin_client.get(path).status_code == 200


def test_visitor_ids_in_exports_are_hex(segment):
    ids = [row["id"] for row in export.members(segment)]
    assert all(uuid.UUID(hex=value).hex == value for value in ids)
