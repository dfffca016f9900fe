"""Composition rules: segments built from other segments."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.models.segment import Segment
from personalize.rules.base import Rule


def segment_dependencies(segment_id: int) -> set[int]:
    """Ids of the segments that ``segment_id`` refers to through SegmentRules, transitively."""
    seen: set[int] = set()
    frontier = {segment_id}
    while frontier:
        rows = SegmentRule.objects.filter(segment_id__in=frontier).values_list(
            "other_segment_id", flat=True
        )
        frontier = set(rows) - seen
        seen |= frontier
    return seen


class SegmentRule(Rule):
    """Membership of another segment (tick "negate" for "not a member of")."""

    other_segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("member of segment"),
    )

    category = Segment.Category.OTHER

    class Meta:
        verbose_name = _("segment membership rule")
        verbose_name_plural = _("segment membership rules")

    def clean(self):
        if not self.other_segment_id:
            return
        if self.segment_id and self.other_segment_id == self.segment_id:
            raise ValidationError({"other_segment": _("A segment cannot contain itself.")})
        if self.segment_id and self.segment_id in segment_dependencies(self.other_segment_id):
            raise ValidationError(
                {
                    "other_segment": _(
                        "This would make a cycle: that segment already depends on this one."
                    )
                }
            )

    def prepare(self, snapshot) -> None:
        self._other_slug = snapshot.segment_slugs.get(self.other_segment_id) if snapshot else None

    def test(self, ctx) -> bool:
        slug = getattr(self, "_other_slug", None)
        if slug is None:
            return False
        return ctx.in_segment(slug)

    def to_q(self, now):
        """Membership rows when the other segment is static; its own rules when it is dynamic
        and all of them push down; None otherwise."""
        from personalize.services.segments import segment_q

        return segment_q(self.other_segment_id, now)

    def describe_condition(self) -> str:
        try:
            name = self.other_segment.name
        except Segment.DoesNotExist:
            name = "(missing segment)"
        return f'is a member of segment "{name}"'
