"""Composition rules: other segments, intents, and stable random samples."""

from __future__ import annotations

import uuid

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.models.segment import Segment
from personalize.rules.base import Rule
from personalize.rules.matching import NumberOperator, compare_number, describe_number
from personalize.utils import bucket


def _nobody(ctx) -> bool:
    return False


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

    def prepare_for(self, snapshot) -> None:
        super().prepare_for(snapshot)
        self._other_slug = snapshot.segment_slugs.get(self.other_segment_id) if snapshot else None

    def evaluate_condition(self, ctx) -> bool:
        slug = self._other_slug
        if slug is None:
            return False
        return ctx.in_segment(slug)

    def compile_condition(self):
        from personalize.engine.evaluate import evaluate_segment

        slug = self._other_slug
        if slug is None:
            return _nobody
        return lambda ctx: evaluate_segment(ctx, slug)

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


class IntentRule(Rule):
    """The visitor's intent right now: has it, has it as the strongest, or its score."""

    class Condition(models.TextChoices):
        ACTIVE = "active", _("has this intent (score at or above its threshold)")
        STRONGEST = "strongest", _("has this as their strongest intent")
        SCORE = "score", _("has a score for this intent of")

    intent = models.ForeignKey(
        "personalize.Intent", on_delete=models.PROTECT, related_name="+", verbose_name=_("intent")
    )
    condition = models.CharField(
        _("condition"), max_length=10, choices=Condition.choices, default=Condition.ACTIVE
    )
    operator = models.CharField(
        _("score"), max_length=3, choices=NumberOperator.choices, default=NumberOperator.GTE
    )
    score = models.FloatField(
        _("value"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100_000)],
        help_text=_("Only for the score condition."),
    )

    category = Segment.Category.PSYCHOGRAPHIC

    class Meta:
        verbose_name = _("intent rule")
        verbose_name_plural = _("intent rules")

    def clean(self):
        if self.condition == self.Condition.SCORE and self.score is None:
            raise ValidationError({"score": _("Enter the score to compare with.")})

    def prepare_for(self, snapshot) -> None:
        super().prepare_for(snapshot)
        self._intent_slug = snapshot.intent_slugs.get(self.intent_id) if snapshot else None

    def evaluate_condition(self, ctx) -> bool:
        slug = self._intent_slug
        if slug is None:  # intent deleted or switched off: nobody has it
            return False
        if self.condition == self.Condition.SCORE:
            return compare_number(self.operator, ctx.intent_scores().get(slug, 0.0), self.score)
        if self.condition == self.Condition.STRONGEST:
            return ctx.active_intents()[:1] == [slug]
        return ctx.has_intent(slug)

    def describe_condition(self) -> str:
        try:
            name = self.intent.name
        except ObjectDoesNotExist:
            name = "(missing intent)"
        if self.condition == self.Condition.SCORE:
            return f'"{name}" intent scores {describe_number(self.operator, self.score)}'
        if self.condition == self.Condition.STRONGEST:
            return f'"{name}" is their strongest intent'
        return f'has the intent "{name}"'


def new_salt() -> str:
    return uuid.uuid4().hex[:16]


class SampleRule(Rule):
    """A stable share of visitors: the same visitor is always in or always out.

    Each visitor id is hashed with the rule's salt into a number between 0 and 100; the visitor
    is in the sample when that number is below the percentage. Rules with different salts draw
    independent samples; change the salt to draw a new one.

    Visitors we do not track (no consent, so no stable id) are never in a sample, and so always
    match a negated sample rule: a share of them cannot be kept stable from one page to the next.
    """

    percentage = models.DecimalField(
        _("percentage"),
        max_digits=5,
        decimal_places=2,
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Share of visitors in the sample, e.g. 10 or 33.33."),
    )
    salt = models.CharField(
        _("salt"),
        max_length=32,
        default=new_salt,
        help_text=_("Changing it draws a different sample of the same size."),
    )

    category = Segment.Category.OTHER

    class Meta:
        verbose_name = _("random sample rule")
        verbose_name_plural = _("random sample rules")

    def clean(self):
        self.salt = (self.salt or "").strip()
        if not self.salt:
            raise ValidationError({"salt": _("Enter a salt (any short text).")})

    def evaluate_condition(self, ctx) -> bool:
        visitor_id = ctx.visitor_id
        if not visitor_id:
            return False
        return bucket(visitor_id, "sample", self.salt) * 100 < float(self.percentage)

    def describe_condition(self) -> str:
        return f"is in a stable random {float(self.percentage):g}% sample of visitors"
