"""Daily statistics, aggregated from events by a periodic task (see ``services/stats.py``).

Each row is recomputed from scratch for its day: aggregating a day again replaces its rows.
Slots and variants are stored by key and slug, as on the events, so the numbers outlive a
renamed or deleted variant.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SegmentDailyStat(models.Model):
    """How many of the day's active visitors were in a segment."""

    date = models.DateField(_("date"), db_index=True)
    segment = models.ForeignKey(
        "personalize.Segment",
        on_delete=models.CASCADE,
        related_name="daily_stats",
        verbose_name=_("segment"),
    )
    visitors = models.PositiveIntegerField(
        _("active members"),
        default=0,
        help_text=_("Visitors with at least one event that day who are in the segment."),
    )
    members = models.PositiveIntegerField(
        _("list size"),
        null=True,
        blank=True,
        help_text=_("Static segments: members on the list when the day was aggregated."),
    )
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        ordering = ["-date", "segment"]
        verbose_name = _("daily segment statistic")
        verbose_name_plural = _("daily segment statistics")
        constraints = [
            models.UniqueConstraint(fields=["date", "segment"], name="personalize_segstat_unique")
        ]

    def __str__(self):
        return f"{self.date}: {self.visitors} visitors"


class VariantDailyStat(models.Model):
    """Impressions, clicks and conversions of one variant (or the control group) on one day."""

    date = models.DateField(_("date"), db_index=True)
    slot = models.CharField(_("slot"), max_length=100)
    variant = models.CharField(
        _("variant"), max_length=100, help_text=_('Variant slug; "control" is the control group.')
    )
    impressions = models.PositiveIntegerField(_("impressions"), default=0)
    visitors = models.PositiveIntegerField(_("visitors"), default=0)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)
    conversions = models.PositiveIntegerField(
        _("converted visitors"),
        default=0,
        help_text=_(
            "Visitors shown the variant that day who then had a conversion event the same day."
        ),
    )
    conversion_value = models.DecimalField(
        _("conversion value"), max_digits=16, decimal_places=2, default=0
    )
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        ordering = ["-date", "slot", "variant"]
        verbose_name = _("daily variant statistic")
        verbose_name_plural = _("daily variant statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "slot", "variant"], name="personalize_varstat_unique"
            )
        ]

    def __str__(self):
        return f"{self.slot}/{self.variant} on {self.date}"

    @property
    def conversion_rate(self) -> float | None:
        return self.conversions / self.visitors if self.visitors else None
