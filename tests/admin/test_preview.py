"""Previewing the demo home page as a segment, an intent or a variant, from the admin's links."""

import re

import pytest
from django.contrib.auth.models import User

from personalize.models import Event, Segment, Variant, Visitor
from tests.admin.test_editor import editor_permissions
from tests.conftest import shown

pytestmark = pytest.mark.django_db

BANNER = re.compile(r'<div id="personalize-preview".*?</div>', re.S)


def banner(response) -> str:
    found = BANNER.findall(response.content.decode())
    assert len(found) == 1, "one preview banner"
    return found[0]


def test_the_preview_link_of_a_segment_opens_the_home_page_as_a_member(admin_client, demo):
    segment = Segment.objects.get(slug="beginner-golfers")
    page = admin_client.get(f"/admin/personalize/segment/{segment.pk}/change/")
    (link,) = re.findall(r'href="(/\?personalize_preview=[^"]+)"', page.content.decode())
    response = admin_client.get(link)
    assert shown(response)["home-hero"] == "intermediate-upsell"
    text = banner(response)
    assert "segment beginner-golfers" in text
    assert "Nothing is recorded" in text
    assert 'href="/"' in text  # exit: the same page without the preview
    assert "</body>" in response.content.decode().split(text, 1)[1]  # inside the page


def test_a_variant_preview_names_the_variant_and_keeps_other_parameters_on_exit(admin_client, demo):
    variant = Variant.objects.get(slot__key="home-hero", slug="deal-hero")
    Variant.objects.filter(pk=variant.pk).update(status=Variant.Status.DRAFT)
    response = admin_client.get(
        "/clubs/?level=beginner&personalize_preview=variant:home-hero%3Ddeal-hero"
    )
    assert 'href="/clubs/?level=beginner"' in banner(response)
    home = admin_client.get("/?personalize_preview=variant:home-hero=deal-hero")
    assert shown(home)["home-hero"] == "deal-hero"  # a draft, shown only in previews
    assert "home-hero = deal-hero" in banner(home)


def test_a_preview_records_nothing(admin_client, demo):
    for url in (
        "/?personalize_preview=segment:beginner-golfers",
        "/?personalize_preview=intent:deal-seeking",
        "/clubs/beginner-set/?personalize_preview=variant:home-hero=deal-hero",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "personalize_vid" not in response.cookies
    assert not Visitor.objects.exists()
    assert not Event.objects.exists()


def test_an_editor_may_preview(client, demo):
    user = User.objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.set(editor_permissions("view", "add", "change"))
    client.force_login(user)
    response = client.get("/?personalize_preview=intent:deal-seeking")
    assert shown(response)["home-hero"] == "deal-hero"
    assert "intent deal-seeking" in banner(response)


@pytest.mark.parametrize("who", ["anonymous", "customer", "staff without permission"])
def test_nobody_else_may_preview_or_sees_a_banner(client, demo, who):
    if who != "anonymous":
        user = User.objects.create_user("u", password="pw", is_staff=who.startswith("staff"))
        client.force_login(user)
    response = client.get("/?personalize_preview=segment:beginner-golfers")
    assert shown(response)["home-hero"] == "default"
    assert "personalize-preview" not in response.content.decode()


def test_what_the_banner_shows_is_escaped(admin_client, demo):
    response = admin_client.get('/?personalize_preview=segment:<img src=x onerror="alert(1)">')
    text = banner(response)
    assert "<img" not in text
    assert "&lt;img" in text


def test_the_banner_can_be_turned_off(admin_client, demo, settings):
    settings.PERSONALIZE_PREVIEW_BANNER = False
    response = admin_client.get("/?personalize_preview=segment:beginner-golfers")
    assert shown(response)["home-hero"] == "intermediate-upsell"
    assert "personalize-preview" not in response.content.decode()


@pytest.mark.parametrize(
    ("path", "exit_to"),
    [
        ("/%2F%2Fevil.example/", "/%2F%2Fevil.example/"),  # not //evil.example/: another site
        ("/%2F%5Cevil.example/", "/%2F%5Cevil.example/"),  # browsers read \\ as /
        ("/%5C%5Cevil.example/", "/%5C%5Cevil.example/"),
        ("/clubs/%C3%A9t%C3%A9/", "/clubs/%C3%A9t%C3%A9/"),
    ],
)
def test_the_exit_link_stays_on_this_site(admin_client, demo, path, exit_to):
    response = admin_client.get(f"{path}?personalize_preview=segment:beginner-golfers")
    assert f'href="{exit_to}"' in banner(response)
