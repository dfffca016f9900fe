"""Intents (what a visitor wants right now), their signals, and page topics (interests)."""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.rules.matching import (
    TextOperator,
    describe_text,
    match_text,
    split_list,
    topic_slug,
    validate_pattern,
)
from personalize.tracking.referrer import MEDIUMS


class IntentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class IntentManager(models.Manager.from_queryset(IntentQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Intent(models.Model):
    """A goal a visitor can have right now, scored from signals that decay over time."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    threshold = models.FloatField(
        _("threshold"),
        default=10.0,
        validators=[MinValueValidator(0.01)],
        help_text=_("Score from which a visitor has this intent."),
    )
    half_life_hours = models.FloatField(
        _("half-life (hours)"),
        default=24.0,
        validators=[MinValueValidator(0.01), MaxValueValidator(24 * 365)],
        help_text=_("Points lose half their weight after this many hours without new signals."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = IntentManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("intent")
        verbose_name_plural = _("intents")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    @property
    def half_life_seconds(self) -> float:
        return self.half_life_hours * 3600


class IntentSignal(models.Model):
    """Something a visitor does that says they may have an intent, worth some points."""

    class Kind(models.TextChoices):
        PAGE_PATH = "page_path", _("Views a page")
        UTM = "utm", _("Arrives from a campaign (UTM parameter)")
        REFERRER_MEDIUM = "referrer_medium", _("Arrives from a medium")
        EVENT = "event", _("Triggers an event")
        SEARCH_TERM = "search_term", _("Searches for")
        QUERY_PARAM = "query_param", _("Page has a query parameter")

    intent = models.ForeignKey(
        Intent, on_delete=models.CASCADE, related_name="signals", verbose_name=_("intent")
    )
    kind = models.CharField(_("when the visitor"), max_length=20, choices=Kind.choices)
    parameter = models.CharField(
        _("parameter"),
        max_length=100,
        blank=True,
        help_text=_('For UTM and query parameter signals: e.g. "utm_campaign" or "sort".'),
    )
    operator = models.CharField(
        _("operator"), max_length=20, choices=TextOperator.choices, default=TextOperator.EQUALS
    )
    pattern = models.CharField(
        _("pattern"),
        max_length=500,
        blank=True,
        help_text=_(
            "Path, parameter value, medium (search, social, email, paid, referral, direct, "
            "chatbot), event name or search words, compared with the operator."
        ),
    )
    min_count = models.PositiveSmallIntegerField(
        _("from the nth time"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Page signals only: count once the visitor has viewed the same page this many "
            "times (3 = the same product viewed three times)."
        ),
    )
    points = models.FloatField(
        _("points"), default=5.0, validators=[MinValueValidator(-1000), MaxValueValidator(1000)]
    )
    cap = models.FloatField(
        _("cap"),
        default=20.0,
        validators=[MinValueValidator(0), MaxValueValidator(10_000)],
        help_text=_("Most points this signal can contribute (0 = no cap)."),
    )

    class Meta:
        ordering = ["intent", "kind", "pk"]
        verbose_name = _("intent signal")
        verbose_name_plural = _("intent signals")

    def __str__(self):
        return self.describe()

    @property
    def key(self) -> str:
        """Profile key of this signal's contribution."""
        return str(self.pk)

    def clean(self):
        self.parameter = self.parameter.strip()
        if self.kind in (self.Kind.UTM, self.Kind.QUERY_PARAM) and not self.parameter:
            raise ValidationError({"parameter": _("Name the parameter to look at.")})
        if self.kind == self.Kind.REFERRER_MEDIUM:
            mediums = split_list(self.pattern.lower()) or [self.pattern.strip().lower()]
            unknown = [medium for medium in mediums if medium not in MEDIUMS]
            if unknown:
                raise ValidationError(
                    {
                        "pattern": _("Unknown medium: %(m)s. Use one of: %(all)s.")
                        % {"m": ", ".join(unknown) or "(empty)", "all": ", ".join(MEDIUMS)}
                    }
                )
            self.operator = TextOperator.IN
            self.pattern = ", ".join(mediums)
            return
        validate_pattern(self.operator, self.pattern, field="pattern")

    def matches(self, value: str | None) -> bool:
        return match_text(
            self.operator, value, self.pattern, case_sensitive=self.kind == self.Kind.PAGE_PATH
        )

    def describe(self) -> str:
        what = {
            self.Kind.PAGE_PATH: "views a page whose path",
            self.Kind.UTM: f"arrives with {self.parameter} that",
            self.Kind.REFERRER_MEDIUM: "arrives from a medium that",
            self.Kind.EVENT: "triggers an event whose name",
            self.Kind.SEARCH_TERM: "searches for words that",
            self.Kind.QUERY_PARAM: f"opens a page whose ?{self.parameter}",
        }.get(self.kind, self.kind)
        text = f"{what} {describe_text(self.operator, self.pattern)}"
        if self.kind == self.Kind.PAGE_PATH and self.min_count > 1:
            text += f" for the {ordinal(self.min_count)} time or more"
        cap = f", up to {self.cap:g}" if self.cap else ""
        return f"{text}: {self.points:+g} points{cap}"


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``... ``11th``, ``12th``, ``13th``, ``21st``."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class TopicMapping(models.Model):
    """Pages whose path matches add interest in topics (psychographics)."""

    operator = models.CharField(
        _("path"), max_length=20, choices=TextOperator.choices, default=TextOperator.STARTS_WITH
    )
    path = models.CharField(_("path pattern"), max_length=500, help_text=_("e.g. /clubs/"))
    topics = models.CharField(
        _("topics"), max_length=500, help_text=_("Comma-separated topics, e.g. golf, equipment")
    )
    points = models.FloatField(
        _("points per view"), default=1.0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["path", "pk"]
        verbose_name = _("topic mapping")
        verbose_name_plural = _("topic mappings")

    def __str__(self):
        return f"{self.path} → {self.topics}"

    @property
    def topic_list(self) -> list[str]:
        """The topics, as :func:`~personalize.rules.matching.topic_slug` names them."""
        return list(_topic_list(self.topics))

    def clean(self):
        validate_pattern(self.operator, self.path, field="path")
        bad = [topic for topic in split_list(self.topics) if not topic_slug(topic)]
        if bad or not self.topic_list:
            raise ValidationError(
                {
                    "topics": _("Not usable as topics: %(bad)s. Use a few words or letters each.")
                    % {"bad": ", ".join(bad) or "(none given)"}
                }
            )
        self.topics = ", ".join(self.topic_list)

    def matches(self, path: str) -> bool:
        return match_text(self.operator, path, self.path, case_sensitive=True)


@functools.lru_cache(maxsize=1024)
def _topic_list(topics: str) -> tuple[str, ...]:
    """:attr:`TopicMapping.topic_list` of a ``topics`` text, remembered by value (bounded
    LRU): a page view mapped to topics asks for it again on every request."""
    slugs = (topic_slug(topic) for topic in split_list(topics))
    return tuple(dict.fromkeys(slug for slug in slugs if slug))
