"""Wagtail's admin: the page editor offers the current slots and segments, and a menu item
opens the Personalization pages of the Django admin."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from tests.contrib_wagtail.conftest import make_page
from tests.factories import SegmentFactory, SlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    user = User.objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(user)
    return client


def edit_page(client, page) -> str:
    response = client.get(f"/cms/pages/{page.pk}/edit/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_editor_lists_the_slots_and_segments_of_the_moment(editor_client):
    SlotFactory(key="home-hero", name="Home hero")
    SegmentFactory(slug="golfers", name="Golfers")
    page = make_page([])
    html = edit_page(editor_client, page)
    assert "Home hero (home-hero)" in html
    assert "Golfers" in html
    assert "spring-sale" not in html
    SlotFactory(key="spring-sale", name="Spring sale")
    assert "Spring sale (spring-sale)" in edit_page(editor_client, page)


def test_an_editor_saves_a_page_with_a_slot_block(editor_client):
    SlotFactory(key="home-hero", name="Home hero")
    page = make_page([])
    data = {
        "title": "Landing",
        "slug": "landing",
        "body-count": "1",
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-type": "slot",
        "body-0-id": "",
        "body-0-value-slot": "home-hero",
        "body-0-value-default": '{"blocks": [{"key": "a", "type": "unstyled", "text": "Hi",'
        ' "depth": 0, "inlineStyleRanges": [], "entityRanges": []}], "entityMap": {}}',
        "action-publish": "action-publish",
    }
    response = editor_client.post(f"/cms/pages/{page.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    block = page.body[0]
    assert block.block_type == "slot"
    assert block.value["slot"] == "home-hero"
    data["body-0-value-slot"] = "no-such-slot"
    response = editor_client.post(f"/cms/pages/{page.pk}/edit/", data)
    assert response.status_code == 200  # the form comes back with the error
    assert "Select a valid choice" in response.content.decode()


def test_the_admin_menu_links_to_the_personalization_admin(editor_client):
    html = editor_client.get("/cms/").content.decode()
    assert "Personalization" in html
    assert "/django-admin/personalize/" in html


def test_the_menu_item_is_hidden_from_editors_without_personalize_permissions(client):
    group = Group.objects.create(name="Writers")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = User.objects.create_user("writer", password="pw", is_staff=True)
    user.groups.add(group)
    client.force_login(user)
    response = client.get("/cms/")
    assert response.status_code == 200
    assert "/django-admin/personalize/" not in response.content.decode()
    user.user_permissions.add(Permission.objects.get(codename="view_slot"))
    user = User.objects.get(pk=user.pk)  # permissions are cached on the instance
    client.force_login(user)
    assert "/django-admin/personalize/" in client.get("/cms/").content.decode()


def test_an_editor_saves_a_page_with_a_segment_block(editor_client):
    SegmentFactory(slug="golfers", name="Golfers")
    SegmentFactory(slug="juniors", name="Juniors")
    page = make_page([])
    assert "Juniors" in edit_page(editor_client, page)
    empty_rich_text = (
        '{"blocks": [{"key": "a", "type": "unstyled", "text": "%s", "depth": 0,'
        ' "inlineStyleRanges": [], "entityRanges": []}], "entityMap": {}}'
    )
    data = {
        "title": "Landing",
        "slug": "landing",
        "body-count": "1",
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-type": "segment",
        "body-0-id": "",
        "body-0-value-segments": ["golfers", "juniors"],
        "body-0-value-match": "all",
        "body-0-value-content": empty_rich_text % "Members",
        "body-0-value-otherwise": empty_rich_text % "",
        "action-publish": "action-publish",
    }
    response = editor_client.post(f"/cms/pages/{page.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    value = page.body[0].value
    assert value["segments"] == ["golfers", "juniors"]
    assert value["match"] == "all"
