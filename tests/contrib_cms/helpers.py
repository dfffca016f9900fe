"""Pages and definitions for the django CMS adapter's tests."""

from cms.api import add_plugin, create_page

from personalize.models import DeviceRule, UTMRule
from tests.factories import SegmentFactory, SlotFactory, VariantFactory


def new_page(title="Home", slug=None):
    """A django CMS page (the first one is the site's home page) and its "content" placeholder."""
    page = create_page(title, "page.html", "en", slug=slug or title.lower())
    placeholder = page.get_placeholders("en").get(slot="content")
    return page, placeholder


def url(page) -> str:
    return page.get_absolute_url("en")


def snippet(placeholder, text, target=None):
    return add_plugin(placeholder, "SnippetPlugin", "en", target=target, text=text)


def campaign_segment():
    segment = SegmentFactory(slug="spring-campaign", name="Spring campaign")
    UTMRule.objects.create(
        segment=segment, parameter="utm_campaign", operator="equals", value="spring-sale"
    )
    return segment


def mobile_segment():
    segment = SegmentFactory(slug="mobile", name="Mobile visitors")
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    return segment


def hero_slot(campaign, mobile):
    """Slot ``cms-hero``: variant ``spring`` for the campaign, ``on-the-go`` for phones."""
    slot = SlotFactory(key="cms-hero")
    VariantFactory(slot=slot, slug="spring", segment=campaign, title="Spring sale", priority=10)
    VariantFactory(slot=slot, slug="on-the-go", segment=mobile, title="On the go", priority=5)
    return slot
