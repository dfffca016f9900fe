"""StreamField blocks that personalize a Wagtail page: :class:`SlotBlock`, :class:`SegmentBlock`.

A :class:`SlotBlock` is ``{% personalize "key" %}`` as a block: the editor picks a slot and
writes its default content; visitors see the variant the engine chooses for them, inside the
same wrapper element, counted as the same impression. A :class:`SegmentBlock` is
``{% segment %}…{% else %}…{% endsegment %}``: content for members of chosen segments, with
optional content for everyone else.

Both read the visitor from the ``request`` in the template context, so render a StreamField
with ``{% include_block page.body %}`` (``{{ page.body }}`` renders without the context). With
no visitor (``{{ page.body }}``, the middleware missing), in Wagtail's previews, or when
anything fails, they render the default content, and log the cause once. Rendering never
queries the database: the choices of slots and segments are read only when the editing form
is built, and the engine decides from its in-process snapshot of definitions.
"""

from __future__ import annotations

import logging
from functools import partial

from django import forms
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from personalize.rendering import render_slot
from personalize.utils import log_once

__all__ = [
    "SegmentBlock",
    "SegmentChoiceBlock",
    "SlotBlock",
    "SlotChoiceBlock",
    "segment_choices",
    "slot_choices",
]


def slot_choices() -> list[tuple[str, str]]:
    """Every slot, by key, for the editor's drop-down (read when the form is built)."""
    from personalize.models import Slot

    return [
        (key, f"{name} ({key})" if name and name != key else key)
        for key, name in Slot.objects.order_by("key").values_list("key", "name")
    ]


def segment_choices() -> list[tuple[str, str]]:
    """Every segment, by slug, for the editor's list (read when the form is built)."""
    from personalize.models import Segment

    return [
        (slug, name if active else _("%(name)s (inactive)") % {"name": name})
        for slug, name, active in Segment.objects.order_by("name").values_list(
            "slug", "name", "is_active"
        )
    ]


class _KeyChoiceMixin:
    """Choices read from the database when a form is built, and never while rendering.

    Wagtail's choice blocks look a stored value up in their choices to restore its type; here
    values are plain strings, so a page renders without reading the choices (a query), and a
    key whose slot or segment was deleted stays as it was stored.
    """

    def normalize_choice(self, value):
        return None if value is None else force_str(value)

    def get_searchable_content(self, value):
        return []  # keys are not content


class SlotChoiceBlock(_KeyChoiceMixin, blocks.ChoiceBlock):
    """A drop-down of the slots defined in the Django admin (and found in templates)."""

    def __init__(self, choices=None, **kwargs):
        super().__init__(choices=slot_choices if choices is None else choices, **kwargs)

    class Meta:
        icon = "pick"


class SegmentChoiceBlock(_KeyChoiceMixin, blocks.MultipleChoiceBlock):
    """A list of the segments defined in the Django admin; the value is a list of slugs."""

    def __init__(self, choices=None, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(choices=segment_choices if choices is None else choices, **kwargs)

    def to_python(self, value):
        if value is None:
            return []
        if isinstance(value, (list, tuple)):
            return [force_str(slug) for slug in value]
        return [force_str(value)]

    class Meta:
        icon = "group"


def _visitor(context):
    """``request.visitor`` from a block's template context, or None (logged once)."""
    request = context.get("request") if context else None
    if request is None:
        log_once(
            "wagtail-no-request",
            "personalize: a personalized Wagtail block was rendered without the request in "
            "its context; render the StreamField with {% include_block page.body %} (not "
            "{{ page.body }}). Showing default content.",
            level=logging.WARNING,
        )
        return None
    if getattr(request, "is_preview", False):
        return None  # Wagtail's preview: the default content, as editors wrote it
    visitor = getattr(request, "visitor", None)
    if visitor is None:
        log_once(
            "wagtail-no-visitor",
            "personalize: a personalized Wagtail block found no request.visitor; add "
            "PersonalizeMiddleware to MIDDLEWARE. Showing default content.",
            level=logging.WARNING,
        )
    return visitor


class SlotBlock(blocks.StructBlock):
    """A slot with its default content: what ``{% personalize "key" %}`` renders.

    The chosen variant renders with its own template (or ``personalize/variant.html``); the
    default content renders when no variant fits the visitor, for the slot's control group,
    without a visitor and in previews. The default is rich text; for a nested stream, override
    the ``default`` child::

        class PromoSlotBlock(SlotBlock):
            default = blocks.StreamBlock([("heading", blocks.CharBlock()), ...], required=False)

    ``Meta.wrapper`` names the wrapper element (``div``, ``section``, ``aside``...);
    ``Meta.client = True`` leaves the choice to the page's script (``{% personalize_js %}``),
    for pages a shared cache serves to everyone. Both can be given as keyword arguments too.
    """

    slot = SlotChoiceBlock(
        label=_("Slot"),
        help_text=_("Its variants, and who sees them, are edited in the Personalization admin."),
    )
    default = blocks.RichTextBlock(
        label=_("Default content"),
        required=False,
        help_text=_("Shown when no variant fits the visitor."),
    )

    class Meta:
        icon = "pick"
        label = _("Personalized slot")
        wrapper = "div"
        client = False

    def render(self, value, context=None):
        key = force_str(value.get("slot") or "")
        render_default = partial(self.render_default, value, context)
        try:
            if not key:
                return render_default()
            return render_slot(
                key,
                _visitor(context),
                render_default,
                request=context.get("request") if context else None,
                wrapper=str(self.meta.wrapper),
                client=bool(self.meta.client),
            )
        except Exception:
            log_once(
                ("wagtail-slot", key),
                "personalize: the Wagtail block of slot %r failed; showing its default content.",
                key,
                exc_info=True,
            )
            return self._safe_default(render_default, key)

    def render_default(self, value, context=None, variant=None):
        """The editor's default content, rendered by its own block (``variant``: always None,
        as a chosen variant renders with its own template or ``personalize/variant.html``)."""
        return self.child_blocks["default"].render(value.get("default"), context)

    @staticmethod
    def _safe_default(render_default, key):
        try:
            return render_default()
        except Exception:
            log_once(
                ("wagtail-slot-default", key),
                "personalize: the default content of slot %r failed to render.",
                key,
                exc_info=True,
            )
            return ""


class SegmentBlock(blocks.StructBlock):
    """Content for members of segments, like ``{% segment %}…{% else %}…{% endsegment %}``.

    Members of any (or all) of the chosen segments see ``content``; everyone else sees
    ``otherwise`` (empty: nothing). Without a visitor, in previews and on any failure the
    block renders ``otherwise``, what a visitor in no segment sees.
    """

    segments = SegmentChoiceBlock(
        label=_("Segments"),
        help_text=_("Segments are defined in the Personalization admin."),
    )
    match = blocks.ChoiceBlock(
        choices=[("any", _("Any of these segments")), ("all", _("All of these segments"))],
        default="any",
        label=_("Show to members of"),
    )
    content = blocks.RichTextBlock(label=_("Content"))
    otherwise = blocks.RichTextBlock(
        label=_("Otherwise"),
        required=False,
        help_text=_("Shown to everyone else; leave empty to show nothing."),
    )

    class Meta:
        icon = "group"
        label = _("Segment content")

    def matches(self, visitor, value) -> bool:
        """Whether ``visitor`` is in any (or all) of the block's segments; none chosen: no."""
        slugs = value.get("segments") or []
        if isinstance(slugs, str):
            slugs = [slugs]
        return visitor.in_segments(map(force_str, slugs), match_all=value.get("match") == "all")

    def render(self, value, context=None):
        try:
            visitor = _visitor(context)
            matched = visitor is not None and self.matches(visitor, value)
        except Exception:
            log_once(
                "wagtail-segment",
                "personalize: a Wagtail segment block failed; showing its other content.",
                exc_info=True,
            )
            matched = False
        name = "content" if matched else "otherwise"
        try:
            return self.child_blocks[name].render(value.get(name), context)
        except Exception:
            log_once(
                ("wagtail-segment-render", name),
                "personalize: the %s of a Wagtail segment block failed to render.",
                name,
                exc_info=True,
            )
            return ""
