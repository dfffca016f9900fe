"""Behavioral rules: what the visitor did on the site."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.conf import get_setting
from personalize.models.segment import Segment
from personalize.profile import DAY, MAX_DAYS
from personalize.rules.base import Rule
from personalize.rules.matching import (
    NumberOperator,
    TextOperator,
    compare_number,
    describe_number,
    describe_text,
    number_matcher,
    text_matcher,
    usable_text_matcher,
    validate_pattern,
)

MAX_WINDOW_DAYS = 3650


def within_days_field():
    """A window of recent days. Profiles keep per-day counts for :data:`MAX_DAYS` days only, so
    longer windows are refused rather than answered from partial data."""
    return models.PositiveIntegerField(
        _("within the last (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DAYS)],
        help_text=_("Up to 31 days. Leave empty to count the visitor's whole history."),
    )


def window_words(days: int | None) -> str:
    if not days:
        return ""
    return " in the last day" if days == 1 else f" in the last {days} days"


def times(count) -> str:
    return "time" if count == 1 else "times"


class PageVisitRule(Rule):
    """Pages the visitor viewed: a path pattern, how often, how recently."""

    path_operator = models.CharField(
        _("path"), max_length=20, choices=TextOperator.choices, default=TextOperator.STARTS_WITH
    )
    path = models.CharField(_("path pattern"), max_length=500, help_text=_("e.g. /clubs/"))
    count_operator = models.CharField(
        _("viewed"), max_length=3, choices=NumberOperator.choices, default=NumberOperator.GTE
    )
    count = models.PositiveIntegerField(_("times"), default=1)
    within_days = within_days_field()

    category = Segment.Category.BEHAVIORAL

    class Meta:
        verbose_name = _("page visit rule")
        verbose_name_plural = _("page visit rules")

    def clean(self):
        validate_pattern(self.path_operator, self.path, field="path")

    def evaluate_condition(self, ctx) -> bool:
        count = 0
        if ctx.profile.pages:  # one matcher for every path the profile keeps
            matches = text_matcher(self.path_operator, self.path, True)
            count = ctx.profile.page_count(matches, ctx.timestamp, self.within_days)
        return compare_number(self.count_operator, count, self.count)

    def compile_condition(self):
        matches = usable_text_matcher(self.path_operator, self.path, True)
        try:
            enough = number_matcher(self.count_operator, self.count)
        except ValueError:
            enough = None
        if matches is None or enough is None:
            return self.evaluate_condition
        within_days = self.within_days

        def condition(ctx) -> bool:
            profile = ctx.profile
            if not profile.pages:
                return enough(0)
            return enough(profile.page_count(matches, ctx.timestamp, within_days))

        return condition

    def to_q(self, now):
        """Page views whose path matches, counted in the Event table (regex: not pushed down)."""
        from personalize.models.visitor import Event
        from personalize.rules import sql

        path = sql.text_q("path", self.path_operator, self.path, case_sensitive=True)
        if path is None:
            return None
        since = sql.window_start(now, self.within_days)
        return sql.count_q(
            Event.PAGE_VIEW, self.count_operator, self.count, since=since, where=path
        )

    def describe_condition(self) -> str:
        return (
            f"viewed a page whose path {describe_text(self.path_operator, self.path)} "
            f"{describe_number(self.count_operator, self.count)} {times(self.count)}"
            f"{window_words(self.within_days)}"
        )


class VisitCountRule(Rule):
    """How many visits (sessions) the visitor has made, this one included."""

    operator = models.CharField(
        _("visits"), max_length=3, choices=NumberOperator.choices, default=NumberOperator.GTE
    )
    count = models.PositiveIntegerField(_("number of visits"), default=2)

    category = Segment.Category.BEHAVIORAL

    class Meta:
        verbose_name = _("visit count rule")
        verbose_name_plural = _("visit count rules")

    def evaluate_condition(self, ctx) -> bool:
        return compare_number(self.operator, ctx.profile.visit_count, self.count)

    def to_q(self, now):
        from personalize.rules import sql

        return sql.compare_q(models.F("visit_count"), self.operator, self.count)

    def describe_condition(self) -> str:
        noun = "visit" if self.count == 1 else "visits"
        return f"made {describe_number(self.operator, self.count)} {noun}"


class EventRule(Rule):
    """Events the visitor triggered: how many, their total or average value.

    Covers "made at least one purchase" (count of ``purchase`` ≥ 1) and "average order value of
    500 or more" (average of ``purchase`` ≥ 500).
    """

    class Aggregate(models.TextChoices):
        COUNT = "count", _("number of times")
        SUM = "sum", _("total value")
        AVG = "avg", _("average value")

    event = models.CharField(_("event name"), max_length=64, help_text=_("e.g. purchase"))
    aggregate = models.CharField(
        _("measure"), max_length=5, choices=Aggregate.choices, default=Aggregate.COUNT
    )
    operator = models.CharField(
        _("operator"), max_length=3, choices=NumberOperator.choices, default=NumberOperator.GTE
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, default=1)
    within_days = within_days_field()

    category = Segment.Category.BEHAVIORAL

    class Meta:
        verbose_name = _("event rule")
        verbose_name_plural = _("event rules")

    def clean(self):
        self.event = self.event.strip()
        if not self.event:
            raise ValidationError({"event": _("Enter an event name.")})
        if self.aggregate == self.Aggregate.COUNT and self.value is not None and self.value < 0:
            raise ValidationError({"value": _("A number of times cannot be negative.")})

    def measure(self, ctx) -> float | None:
        count, total = ctx.profile.event_stats(self.event, ctx.timestamp, self.within_days)
        if self.aggregate == self.Aggregate.COUNT:
            return count
        if self.aggregate == self.Aggregate.SUM:
            return total
        return total / count if count else None

    def evaluate_condition(self, ctx) -> bool:
        return compare_number(self.operator, self.measure(ctx), self.value)

    def to_q(self, now):
        """Count, total or average of the event's stored values, in the Event table."""
        from personalize.rules import sql

        since = sql.window_start(now, self.within_days)
        if self.aggregate == self.Aggregate.COUNT:
            return sql.count_q(self.event, self.operator, self.value, since=since)
        if self.aggregate == self.Aggregate.SUM:
            return sql.sum_q(self.event, self.operator, self.value, since=since)
        return sql.average_q(self.event, self.operator, self.value, since=since)

    def describe_condition(self) -> str:
        expected = describe_number(self.operator, self.value)
        if self.aggregate == self.Aggregate.COUNT:
            number = int(self.value) if self.value == int(self.value) else self.value
            what = f'triggered "{self.event}" {expected} {times(number)}'
        elif self.aggregate == self.Aggregate.SUM:
            what = f'"{self.event}" values add up to {expected}'
        else:
            what = f'"{self.event}" values average {expected}'
        return what + window_words(self.within_days)


def days_since_previous_visit(ctx) -> int | None:
    """Whole days between the previous visit and the current one; None for a first visit.

    Days are counted whole: a gap of 36 hours is 1 day.

    During a visit (the visitor was seen less than ``PERSONALIZE_VISIT_TIMEOUT`` ago), it is the
    gap between the end of the previous visit and the start of this one, so the answer stays the
    same for the whole visit. Outside a visit (offline evaluation, e.g. a static segment
    rebuild), the last visit is the previous one and the gap runs until now.
    """
    profile = ctx.profile
    if not profile.visit_count or not profile.last_seen:
        return None
    in_visit = ctx.timestamp - profile.last_seen <= get_setting("VISIT_TIMEOUT")
    if not in_visit:
        return int(max(0.0, ctx.timestamp - profile.last_seen) // DAY)
    if profile.visit_count < 2 or not profile.prev_visit:
        return None  # this is the visitor's first visit: there is no previous one
    start = profile.visit_started or profile.last_seen
    return int(max(0, start - profile.prev_visit) // DAY)


class RecencyRule(Rule):
    """How long ago the visitor's previous visit was, in days.

    A first-time visitor has no previous visit: the rule does not match them (and a negated
    rule does). To single out first-time visitors use a visit count rule ("exactly 1 visit").
    """

    operator = models.CharField(
        _("previous visit"),
        max_length=3,
        choices=NumberOperator.choices,
        default=NumberOperator.GTE,
    )
    days = models.PositiveIntegerField(
        _("days ago"), default=30, validators=[MaxValueValidator(MAX_WINDOW_DAYS)]
    )

    category = Segment.Category.BEHAVIORAL

    class Meta:
        verbose_name = _("recency rule")
        verbose_name_plural = _("recency rules")

    def evaluate_condition(self, ctx) -> bool:
        return compare_number(self.operator, days_since_previous_visit(ctx), self.days)

    def describe_condition(self) -> str:
        noun = "day" if self.days == 1 else "days"
        return f"came back after {describe_number(self.operator, self.days)} {noun} away"
