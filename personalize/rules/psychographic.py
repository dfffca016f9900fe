"""Psychographic rules: what the visitor is interested in.

Interest scores come from ``{% interest "topic" %}`` tags on pages and from the topic mappings
edited in the admin (one point per view by default). They fade with
``PERSONALIZE_INTEREST_HALF_LIFE_DAYS``, so an old interest weighs less than a fresh one.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.models.segment import Segment
from personalize.rules.base import Rule
from personalize.rules.matching import (
    TOPIC_PATTERN,
    NumberOperator,
    compare_number,
    describe_number,
)


class InterestRule(Rule):
    """The visitor's (decayed) interest score in a topic, compared with a number.

    A topic the visitor never showed interest in scores 0, so "at most 2" matches them. Scores
    are compared rounded to 3 decimals, as ``visitor.interests`` shows them.
    """

    topic = models.CharField(_("topic"), max_length=64, help_text=_("e.g. golf, travel"))
    operator = models.CharField(
        _("score"), max_length=3, choices=NumberOperator.choices, default=NumberOperator.GTE
    )
    score = models.FloatField(
        _("value"),
        default=3.0,
        validators=[MinValueValidator(0), MaxValueValidator(100_000)],
        help_text=_("One point per page view about the topic, fading with time."),
    )

    category = Segment.Category.PSYCHOGRAPHIC

    class Meta:
        verbose_name = _("interest rule")
        verbose_name_plural = _("interest rules")

    def clean(self):
        self.topic = (self.topic or "").strip().lower()
        if not TOPIC_PATTERN.match(self.topic):
            raise ValidationError(
                {"topic": _("A topic is a short lowercase word (letters, digits, - and _).")}
            )

    def evaluate_condition(self, ctx) -> bool:
        # rounded like visitor.interests, so 3 views a moment ago still count as 3 points
        current = round(ctx.profile.interest_score(self.topic, ctx.timestamp), 3)
        return compare_number(self.operator, current, self.score)

    def describe_condition(self) -> str:
        return f'interest in "{self.topic}" scores {describe_number(self.operator, self.score)}'
