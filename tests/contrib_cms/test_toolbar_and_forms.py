"""The "Personalize" toolbar menu, the plugins' forms and their labels."""

from urllib.parse import parse_qs, urlsplit

import pytest
from cms.api import add_plugin
from cms.toolbar.items import LinkItem, SideframeItem, SubMenu
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from personalize.contrib.cms.forms import PersonalizedContentForm, SegmentContentForm
from personalize.contrib.cms.models import SegmentContent
from tests.contrib_cms.helpers import campaign_segment, mobile_segment, new_page, url
from tests.factories import SegmentFactory, SlotFactory

pytestmark = pytest.mark.django_db


def personalize_menu(client, path):
    response = client.get(path)
    assert response.status_code == 200
    toolbar = response.wsgi_request.toolbar
    return toolbar.menus.get("personalize")


def staff(*perms):
    user = get_user_model().objects.create_user("editor", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="personalize", codename__in=perms)
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def page(db):
    campaign_segment()
    mobile_segment()
    SegmentFactory(slug="dormant", name="Dormant", is_active=False)
    page, _ = new_page()
    return page


def test_view_as_segment_opens_the_page_with_the_preview_parameter(page, admin_client):
    menu = personalize_menu(admin_client, url(page) + "?toolbar_on")
    assert menu is not None
    view_as = next(item for item in menu.items if isinstance(item, SubMenu))
    links = {item.name: item.url for item in view_as.items if isinstance(item, LinkItem)}
    assert sorted(links) == ["Mobile visitors", "Spring campaign"]  # active segments only
    target = urlsplit(links["Mobile visitors"])
    assert target.path == url(page)
    assert parse_qs(target.query) == {"personalize_preview": ["segment:mobile"]}
    admin = [item.name for item in menu.items if isinstance(item, SideframeItem)]
    assert admin == ["Segments...", "Slots...", "Variants...", "Intents..."]


def test_the_links_preview_the_page_as_that_segment(page, admin_client):
    menu = personalize_menu(admin_client, url(page))
    view_as = next(item for item in menu.items if isinstance(item, SubMenu))
    link = next(item.url for item in view_as.items if item.name == "Mobile visitors")
    response = admin_client.get(link)
    assert 'id="personalize-preview"' in response.content.decode()
    assert "as segment mobile" in response.content.decode()


def test_the_menu_is_shown_in_edit_mode_with_the_pages_public_url(page, admin_client):
    from cms.toolbar.utils import get_object_edit_url

    menu = personalize_menu(admin_client, get_object_edit_url(page.get_admin_content("en")))
    view_as = next(item for item in menu.items if isinstance(item, SubMenu))
    assert all(urlsplit(item.url).path == url(page) for item in view_as.items)


def test_staff_without_the_preview_permission_get_no_menu(page):
    assert personalize_menu(staff("view_slot"), url(page)) is None


def test_staff_see_only_the_admin_pages_they_may_view(page):
    menu = personalize_menu(staff("view_segment", "view_slot"), url(page))
    admin = [item.name for item in menu.items if isinstance(item, SideframeItem)]
    assert admin == ["Segments...", "Slots..."]


def test_visitors_get_no_toolbar_menu(page):
    response = Client().get(url(page))
    assert "personalize" not in getattr(response.wsgi_request.toolbar, "menus", {})


def test_the_personalized_content_form_needs_a_slot():
    SlotFactory(key="cms-hero", name="")
    form = PersonalizedContentForm(data={"wrapper": "div"})
    assert not form.is_valid()
    assert "slot" in form.errors
    assert [label for _, label in form.fields["slot"].choices][1:] == ["cms-hero"]


def test_the_segment_form_stores_the_chosen_segments(db):
    campaign, mobile = campaign_segment(), mobile_segment()
    _, placeholder = new_page()
    plugin = add_plugin(placeholder, "PersonalizeSegmentPlugin", "en")
    form = SegmentContentForm(
        data={"segments": [mobile.pk, campaign.pk], "match": "all"}, instance=plugin
    )
    assert form.is_valid(), form.errors
    form.save()
    plugin = SegmentContent.objects.get(pk=plugin.pk)
    assert plugin.segment_ids == sorted([campaign.pk, mobile.pk])
    assert plugin.match == "all"
    assert not plugin.negate
    again = SegmentContentForm(instance=plugin)
    assert sorted(again.initial["segments"]) == sorted([campaign.pk, mobile.pk])
    assert not SegmentContentForm(data={"segments": [], "match": "any"}).is_valid()


def test_the_labels_on_the_structure_board(db):
    campaign, mobile = campaign_segment(), mobile_segment()
    _, placeholder = new_page()
    plugin = add_plugin(
        placeholder, "PersonalizeSegmentPlugin", "en", segment_ids=[mobile.pk, campaign.pk]
    )
    assert str(plugin) == "Mobile visitors, Spring campaign"
    plugin.negate = True
    assert str(plugin) == "not Mobile visitors, Spring campaign"
    plugin.segment_ids = []
    assert str(plugin) == "not (no segment)"
    slot = SlotFactory(key="cms-hero", name="Home hero")
    content = add_plugin(placeholder, "PersonalizedContentPlugin", "en", slot=slot)
    assert str(content) == "Home hero"
    slot.delete()
    content.refresh_from_db()
    assert str(content) == "(no slot)"


def test_copying_a_page_keeps_the_plugins_settings(db):
    from cms.api import copy_plugins_to_placeholder

    campaign = campaign_segment()
    slot = SlotFactory(key="cms-hero")
    _, source = new_page()
    add_plugin(source, "PersonalizedContentPlugin", "en", slot=slot, wrapper="section")
    add_plugin(source, "PersonalizeSegmentPlugin", "en", segment_ids=[campaign.pk], negate=True)
    _, target = new_page("Copy")
    copy_plugins_to_placeholder(list(source.get_plugins("en")), target, language="en")
    copies = [plugin.get_bound_plugin() for plugin in target.get_plugins("en")]
    assert [(c.slot_id, c.wrapper) for c in copies if hasattr(c, "wrapper")] == [
        (slot.pk, "section")
    ]
    assert [(c.segment_ids, c.negate) for c in copies if hasattr(c, "negate")] == [
        ([campaign.pk], True)
    ]
