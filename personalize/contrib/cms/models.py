"""The plugins' settings, one row per plugin on a page (see ``cms_plugins.py``)."""

from __future__ import annotations

from cms.models import CMSPlugin
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.rendering import WRAPPER_TAGS

WRAPPER_CHOICES = [(tag, f"<{tag}>") for tag in sorted(WRAPPER_TAGS)]


class PersonalizedContent(CMSPlugin):
    """A slot on a page; the plugin's children are its default content."""

    slot = models.ForeignKey(
        "personalize.Slot",
        verbose_name=_("slot"),
        # A deleted slot leaves the default content on the page, not a broken plugin.
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_(
            "The slot whose variants replace this plugin's content for the visitors they "
            "target. Its variants are edited in the Personalize admin."
        ),
    )
    wrapper = models.CharField(
        _("wrapper element"),
        max_length=10,
        choices=WRAPPER_CHOICES,
        default="div",
        help_text=_("The element around the content, as {% personalize … wrapper=… %}."),
    )

    class Meta:
        verbose_name = _("personalized content")
        verbose_name_plural = _("personalized content")

    def __str__(self):
        # The slot is read for the structure board only; rendering never follows the key.
        if self.slot_id is None:
            return str(_("(no slot)"))
        return str(self.slot)


class SegmentContent(CMSPlugin):
    """Content for the members of some segments only."""

    class Match(models.TextChoices):
        ANY = "any", _("in any of the segments")
        ALL = "all", _("in all of the segments")

    # Primary keys, not a many-to-many relation: the plugin reads them from its own row, so
    # rendering costs no query, and a copied or published plugin keeps them with no extra
    # step. A deleted segment is simply no longer matched.
    segment_ids = models.JSONField(_("segments"), default=list, blank=True)
    match = models.CharField(_("show to visitors"), max_length=3, choices=Match, default=Match.ANY)
    negate = models.BooleanField(
        _("invert"),
        default=False,
        help_text=_("Show the content to everyone except those visitors."),
    )

    class Meta:
        verbose_name = _("segment content")
        verbose_name_plural = _("segment content")

    def __str__(self):
        from personalize.models import Segment

        names = list(
            Segment.objects.filter(pk__in=self.segment_ids or ()).values_list("name", flat=True)
        )
        label = ", ".join(names) or str(_("(no segment)"))
        return f"{_('not')} {label}" if self.negate else label
