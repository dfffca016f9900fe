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
    NumberOperator,
    compare_number,
    describe_number,
    topic_slug,
)


class InterestRule(Rule):
    """The visitor's (decayed) interest score in a topic, compared with a number.

    The topic is normalised like every topic (``topic_slug``: "Short Game" is "short-game"). A
    topic the visitor never showed interest in scores 0, so "at most 2" matches them. Scores
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
        self.topic = topic_slug(self.topic or "")
        if not self.topic:
            raise ValidationError(
                {"topic": _("Name a topic in a few words, at most 64 characters (e.g. golf).")}
            )

    def prepare_for(self, snapshot) -> None:
        super().prepare_for(snapshot)
        self._topic = topic_slug(self.topic or "")  # also for a rule saved without clean()

    def evaluate_condition(self, ctx) -> bool:
        # rounded like visitor.interests, so 3 views a moment ago still count as 3 points
        current = round(ctx.profile.interest_score(self._topic, ctx.timestamp), 3)
        return compare_number(self.operator, current, self.score)

    def describe_condition(self) -> str:
        return f'interest in "{self.topic}" scores {describe_number(self.operator, self.score)}'
