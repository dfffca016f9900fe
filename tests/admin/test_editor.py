"""The admin as an editor sees it: a staff user with only the segment, slot and variant
permissions (view, add, change), no superuser powers."""

import pytest
from django.contrib.auth.models import Permission, User

from personalize.models import DeviceRule, Segment
from tests.admin.test_admin import (
    add_segment,
    email_campaign_rule,
    rule_form,
    segment_post,
    variant_post,
)
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db

EDITOR_MODELS = ("segment", "slot", "variant")


def editor_permissions(*actions):
    codenames = [f"{action}_{model}" for action in actions for model in EDITOR_MODELS]
    return Permission.objects.filter(content_type__app_label="personalize", codename__in=codenames)


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.set(editor_permissions("view", "add", "change"))
    client.force_login(user)
    return client


def test_an_editor_sees_and_edits_the_rules_of_a_segment(editor):
    segment = SegmentFactory(slug="phones", name="Phones")
    rule = DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    page = editor.get(f"/admin/personalize/segment/{segment.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="rules-TOTAL_FORMS"' in html
    assert "Uses a mobile device" in html

    data = segment_post(
        [{**rule_form(0, DeviceRule, device_types=["mobile", "tablet"]), "rules-0-id": rule.pk}],
        name="Phones",
        slug="phones",
    )
    data["rules-INITIAL_FORMS"] = "1"
    data["rules-0-segment"] = segment.pk
    response = editor.post(f"/admin/personalize/segment/{segment.pk}/change/", data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.device_types == ["mobile", "tablet"]


def test_an_editor_adds_a_segment_with_its_rules(editor):
    response = add_segment(editor, email_campaign_rule())
    assert response.status_code == 302
    segment = Segment.objects.get(slug="phone-readers")
    assert segment.describe() == 'Campaign parameter utm_medium is "email"'


def test_a_viewer_sees_the_rules_but_cannot_change_them(client):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.set(editor_permissions("view"))
    client.force_login(user)
    segment = SegmentFactory(slug="phones")
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    html = client.get(f"/admin/personalize/segment/{segment.pk}/change/").content.decode()
    assert 'id="rules-group"' in html  # the rules, read-only
    assert 'name="rules-0-device_types"' not in html


def test_an_editor_without_intent_permissions_can_still_choose_an_intent(editor):
    from personalize.models import Intent, Variant
    from tests.factories import SlotFactory

    slot = SlotFactory(key="hero")
    intent = Intent.objects.create(slug="deal-seeking", name="Deal seeking")
    page = editor.get("/admin/personalize/variant/add/")
    assert page.status_code == 200
    # A select listing the intents, not an autocomplete that the editor may not query.
    field = page.context["adminform"].form.fields["intent"]
    assert [label for _value, label in field.choices if _value] == ["Deal seeking"]
    assert "admin-autocomplete" not in str(page.context["adminform"].form["intent"])
    response = editor.post(
        "/admin/personalize/variant/add/",
        variant_post(slot, "deals", intent=intent.pk),
    )
    assert response.status_code == 302
    assert Variant.objects.get(slug="deals").intent == intent


def test_segments_are_chosen_by_autocomplete_for_whoever_may_view_them(editor):
    page = editor.get("/admin/personalize/variant/add/")
    assert "admin-autocomplete" in str(page.context["adminform"].form["segment"])


def test_an_editor_who_may_delete_segments_deletes_one_with_its_statistics(client):
    import datetime as dt

    from personalize.models import SegmentDailyStat

    user = User.objects.create_user("senior", password="pw", is_staff=True)
    user.user_permissions.set(editor_permissions("view", "add", "change", "delete"))
    client.force_login(user)
    segment = SegmentFactory(slug="phones", name="Phones")
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    SegmentDailyStat.objects.create(
        segment=segment, date=dt.date(2026, 1, 1), visitors=3, members=0
    )
    url = f"/admin/personalize/segment/{segment.pk}/delete/"
    page = client.get(url)
    assert not page.context["perms_lacking"]
    assert "2026-01-01: 3 visitors" in page.content.decode()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Segment.objects.exists()
    assert not SegmentDailyStat.objects.exists()
