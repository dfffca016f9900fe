"""A page type whose StreamField offers the personalize blocks, as a site would declare it."""

from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.models import Page

from personalize.contrib.wagtail.blocks import SegmentBlock, SlotBlock


class PromoSlotBlock(SlotBlock):
    """A slot whose default content is a nested stream, shown in a ``<section>``."""

    default = blocks.StreamBlock(
        [("heading", blocks.CharBlock()), ("paragraph", blocks.RichTextBlock())],
        required=False,
    )

    class Meta:
        wrapper = "section"


class LandingPage(Page):
    body = StreamField(
        [
            ("heading", blocks.CharBlock()),
            ("slot", SlotBlock()),
            ("promo", PromoSlotBlock()),
            ("client_slot", SlotBlock(client=True)),
            ("segment", SegmentBlock()),
        ],
        blank=True,
    )

    content_panels = [*Page.content_panels, "body"]
