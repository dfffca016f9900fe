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
    assert 'id="personalize-preview"' not in response.content.decode()


def test_what_the_banner_shows_is_escaped(admin_client, demo):
    response = admin_client.get('/?personalize_preview=segment:<img src=x onerror="alert(1)">')
    text = banner(response)
    assert "<img" not in text
    assert "&lt;img" in text


def test_the_banner_can_be_turned_off(admin_client, demo, settings):
    settings.PERSONALIZE_PREVIEW_BANNER = False
    response = admin_client.get("/?personalize_preview=segment:beginner-golfers")
    assert shown(response)["home-hero"] == "intermediate-upsell"
    assert 'id="personalize-preview"' not in response.content.decode()


DECIDE = "/personalize/api/decisions/?slots=home-hero,home-promo&path={path}&track=1"
SCRIPT = {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ACCEPT": "*/*"}  # what fetch() sends


def test_a_page_whose_slots_the_browser_fills_is_previewed_through_the_script(admin_client, demo):
    page = "/offers/?utm_medium=email&personalize_preview=segment:beginner-golfers"
    html = admin_client.get(page).content.decode()  # one copy for everyone: no bar in it
    assert 'id="personalize-preview"' not in html
    assert 'data-personalize-preview="personalize_preview"' in html
    # what the script asks, passing the page's preview parameter on
    response = admin_client.get(
        DECIDE.format(path="/offers/%3Futm_medium%3Demail%26personalize_preview%3Dsegment:x")
        + "&personalize_preview=segment:beginner-golfers",
        **SCRIPT,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["slots"]["home-hero"]["variant"] == "intermediate-upsell"
    assert body["slots"]["home-promo"]["variant"] == "default"  # not a newsletter reader
    assert "as segment beginner-golfers" in body["preview"]
    assert 'href="/offers/?utm_medium=email"' in body["preview"]  # exit: the page, as it was
    assert "no-store" in response.headers["Cache-Control"]
    assert not Visitor.objects.exists()
    assert not Event.objects.exists()


def test_the_script_cannot_preview_for_anyone_else(client, demo):
    response = client.get(
        DECIDE.format(path="/offers/") + "&personalize_preview=segment:beginner-golfers", **SCRIPT
    )
    body = response.json()
    assert body["slots"]["home-hero"]["variant"] == "default"
    assert "preview" not in body


def test_a_slot_first_seen_on_a_page_previews_its_variants_there(admin_client, demo, rf):
    """A slot a template registers keeps the page it was first used on; its variants'
    preview links open that page."""
    from django.template import Context, Template

    from personalize.models import Slot
    from personalize.services.slots import forget_registered
    from personalize.visitor import CurrentVisitor

    forget_registered()
    request = rf.get("/clubs/?level=beginner", HTTP_ACCEPT="text/html")
    request.visitor = CurrentVisitor(request)
    Template('{% load personalize %}{% personalize "clubs-banner" %}x{% endpersonalize %}').render(
        Context({"request": request})
    )
    slot = Slot.objects.get(key="clubs-banner")
    assert slot.preview_path == "/clubs/"
    variant = Variant.objects.create(slot=slot, name="Sale", slug="sale", title="Sale")
    page = admin_client.get(f"/admin/personalize/variant/{variant.pk}/change/").content.decode()
    assert 'href="/clubs/?personalize_preview=variant%3Aclubs-banner%3Dsale"' in page
    # a slot without one opens PERSONALIZE_PREVIEW_URL
    hero = Variant.objects.get(slot__key="home-hero", slug="deal-hero")
    page = admin_client.get(f"/admin/personalize/variant/{hero.pk}/change/").content.decode()
    assert 'href="/?personalize_preview=variant%3Ahome-hero%3Ddeal-hero"' in page


@pytest.mark.parametrize(
    ("method", "accept", "client", "expected"),
    [
        ("get", "text/html", True, "/offers/"),  # a client-side slot of a page
        ("get", "application/json", False, ""),  # not a page: no page to preview
        ("post", "text/html", False, ""),
    ],
)
def test_a_slot_keeps_only_a_page_as_its_preview_page(demo, rf, method, accept, client, expected):
    from django.template import Context, Template

    from personalize.models import Slot
    from personalize.services.slots import forget_registered
    from personalize.visitor import CurrentVisitor

    forget_registered()
    request = getattr(rf, method)("/offers/", HTTP_ACCEPT=accept)
    request.visitor = CurrentVisitor(request)
    option = " client=True" if client else ""
    Template(
        '{% load personalize %}{% personalize "new-slot"' + option + " %}x{% endpersonalize %}"
    ).render(Context({"request": request}))
    assert Slot.objects.get(key="new-slot").preview_path == expected


@pytest.mark.parametrize(
    "path",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "clubs/",
        "/clubs/ sale",
        "/clubs/\x00",
        "/" + "a" * 600,
    ],
)
def test_a_slot_preview_page_is_a_path_of_this_site(admin_client, demo, path):
    from personalize.models import Slot

    slot = Slot.objects.get(key="home-hero")
    response = admin_client.post(
        f"/admin/personalize/slot/{slot.pk}/change/",
        {"key": slot.key, "name": slot.name, "preview_path": path, "control_percentage": 0},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "preview_path" in response.context["adminform"].form.errors
    slot.refresh_from_db()
    assert slot.preview_path == ""
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
