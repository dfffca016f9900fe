"""Acquisition rules: how the visitor arrived."""

from __future__ import annotations

from operator import attrgetter

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.models.segment import Segment
from personalize.rules.base import Rule
from personalize.rules.matching import (
    TextOperator,
    describe_text,
    match_text,
    usable_text_matcher,
    validate_pattern,
)
from personalize.tracking.referrer import MEDIUMS


class Scope(models.TextChoices):
    VISIT = "visit", _("this visit")
    FIRST_VISIT = "first", _("the first visit")


MEDIUM_CHOICES = [(medium, medium.capitalize()) for medium in MEDIUMS]
_MEDIUM_WORDS = {
    "search": "a search engine",
    "social": "a social network",
    "email": "an e-mail",
    "paid": "a paid ad",
    "referral": "a link on another site",
    "direct": "nowhere (direct or bookmarked)",
    "chatbot": "an AI assistant",
}


def scope_field():
    return models.CharField(
        _("looking at"), max_length=5, choices=Scope.choices, default=Scope.VISIT
    )


class SourceMixin:
    """For rules that read the traffic source of the visit (or of the first visit)."""

    category = Segment.Category.ACQUISITION

    def source_of(self, ctx):
        return ctx.first_source if self.scope == Scope.FIRST_VISIT else ctx.source

    def source_getter(self):
        """:meth:`source_of` with the scope resolved: ``ctx -> Source``."""
        return attrgetter("first_source" if self.scope == Scope.FIRST_VISIT else "source")

    def scope_words(self) -> str:
        return " on their first visit" if self.scope == Scope.FIRST_VISIT else ""


class ReferrerRule(SourceMixin, Rule):
    """Where the visit came from: a medium (search, social...), a named source or a host."""

    class HostOperator(models.TextChoices):
        IS = "is", _("is")
        ENDS_WITH = "ends_with", _("is or ends with")

    medium = models.CharField(_("medium"), max_length=10, choices=MEDIUM_CHOICES, blank=True)
    source_name = models.CharField(
        _("source"),
        max_length=100,
        blank=True,
        help_text=_('Source name as classified, e.g. "google", "facebook", "chatgpt".'),
    )
    host_operator = models.CharField(
        _("referring host"), max_length=10, choices=HostOperator.choices, blank=True
    )
    host = models.CharField(
        _("host"), max_length=255, blank=True, help_text=_("e.g. golfdigest.com")
    )
    scope = scope_field()

    class Meta:
        verbose_name = _("referrer rule")
        verbose_name_plural = _("referrer rules")

    def clean(self):
        self.host = self.host.strip().lower().removeprefix("www.").strip(".")
        self.source_name = self.source_name.strip().lower()
        if bool(self.host) != bool(self.host_operator):
            raise ValidationError(
                {"host": _("Give both how to compare the referring host and the host.")}
            )
        if not (self.medium or self.source_name or self.host):
            raise ValidationError(_("Choose a medium, a source or a referring host."))
        if self.host and (" " in self.host or "/" in self.host):
            raise ValidationError({"host": _("Enter a host name such as example.com, no path.")})

    def evaluate_condition(self, ctx) -> bool:
        source = self.source_of(ctx)
        if self.medium and source.medium != self.medium:
            return False
        if self.source_name and source.source != self.source_name:
            return False
        if self.host:
            host = source.referrer_host
            if self.host_operator == self.HostOperator.ENDS_WITH:
                return host == self.host or host.endswith("." + self.host)
            return host == self.host
        return True

    def compile_condition(self):
        source_of = self.source_getter()
        medium, source_name, host = self.medium, self.source_name, self.host
        suffix = "." + host if self.host_operator == self.HostOperator.ENDS_WITH else None

        def condition(ctx) -> bool:
            source = source_of(ctx)
            if medium and source.medium != medium:
                return False
            if source_name and source.source != source_name:
                return False
            if host:
                referrer = source.referrer_host
                return referrer == host or (suffix is not None and referrer.endswith(suffix))
            return True

        return condition

    def to_q(self, now):
        """Medium and source of the latest (or first) stored page view; a host is not stored
        per visit, so host conditions are evaluated in Python."""
        from django.db.models import Q
        from django.db.models.lookups import Exact

        from personalize.rules.sql import latest_page_view

        if self.host:
            return None
        first = self.scope == Scope.FIRST_VISIT
        condition = Q()
        if self.medium:
            condition &= Q(Exact(latest_page_view("medium", first=first), self.medium))
        if self.source_name:
            condition &= Q(Exact(latest_page_view("source", first=first), self.source_name))
        return condition

    def describe_condition(self) -> str:
        parts = []
        if self.medium:
            parts.append(f"arrived from {_MEDIUM_WORDS.get(self.medium, self.medium)}")
        if self.source_name:
            parts.append(f'source is "{self.source_name}"')
        if self.host:
            verb = "is" if self.host_operator == self.HostOperator.IS else "is or ends with"
            parts.append(f'referring host {verb} "{self.host}"')
        return " and ".join(parts) + self.scope_words()


class UTMRule(SourceMixin, Rule):
    """A campaign parameter of the visit's landing URL (utm_source, utm_medium...)."""

    class Parameter(models.TextChoices):
        SOURCE = "utm_source", "utm_source"
        MEDIUM = "utm_medium", "utm_medium"
        CAMPAIGN = "utm_campaign", "utm_campaign"
        TERM = "utm_term", "utm_term"
        CONTENT = "utm_content", "utm_content"
        ID = "utm_id", "utm_id"

    parameter = models.CharField(
        _("parameter"), max_length=20, choices=Parameter.choices, default=Parameter.MEDIUM
    )
    operator = models.CharField(
        _("operator"), max_length=20, choices=TextOperator.choices, default=TextOperator.EQUALS
    )
    value = models.CharField(_("value"), max_length=500, blank=True)
    scope = scope_field()

    class Meta:
        verbose_name = _("campaign (UTM) rule")
        verbose_name_plural = _("campaign (UTM) rules")

    def clean(self):
        validate_pattern(self.operator, self.value, field="value")

    def evaluate_condition(self, ctx) -> bool:
        return match_text(self.operator, self.source_of(ctx).utm.get(self.parameter), self.value)

    def compile_condition(self):
        source_of, parameter = self.source_getter(), self.parameter
        matches = usable_text_matcher(self.operator, self.value)
        if matches is None:
            return self.evaluate_condition
        return lambda ctx: matches(source_of(ctx).utm.get(parameter))

    #: Parameters stored on every event, hence usable in SQL.
    STORED_PARAMETERS = (Parameter.SOURCE, Parameter.MEDIUM, Parameter.CAMPAIGN)

    def to_q(self, now):
        """The parameter on the latest (or first) stored page view; utm_term, utm_content and
        utm_id are not stored on events, so those rules are evaluated in Python."""
        from personalize.rules.sql import latest_page_view, text_q

        if self.parameter not in self.STORED_PARAMETERS:
            return None
        value = latest_page_view(self.parameter, first=self.scope == Scope.FIRST_VISIT)
        return text_q(value, self.operator, self.value, case_sensitive=False)

    def describe_condition(self) -> str:
        return (
            f"campaign parameter {self.parameter} {describe_text(self.operator, self.value)}"
            f"{self.scope_words()}"
        )


class QueryParamRule(Rule):
    """A query-string parameter of the current page's URL."""

    parameter = models.CharField(_("parameter"), max_length=100)
    operator = models.CharField(
        _("operator"), max_length=20, choices=TextOperator.choices, default=TextOperator.EQUALS
    )
    value = models.CharField(_("value"), max_length=500, blank=True)

    category = Segment.Category.ACQUISITION

    class Meta:
        verbose_name = _("query parameter rule")
        verbose_name_plural = _("query parameter rules")

    def clean(self):
        self.parameter = self.parameter.strip()
        if not self.parameter:
            raise ValidationError({"parameter": _("Enter a parameter name.")})
        validate_pattern(self.operator, self.value, field="value")

    def evaluate_condition(self, ctx) -> bool:
        return match_text(self.operator, ctx.query.get(self.parameter), self.value)

    def compile_condition(self):
        parameter, matches = self.parameter, usable_text_matcher(self.operator, self.value)
        if matches is None:
            return self.evaluate_condition
        return lambda ctx: matches(ctx.query.get(parameter))

    def to_q(self, now):
        """Nobody: the query string is a fact of the current request, and stored visitors have
        no current request (offline, the Python evaluation sees no parameter either)."""
        from personalize.rules.sql import NOBODY

        return NOBODY

    def describe_condition(self) -> str:
        return f"the page's ?{self.parameter} parameter {describe_text(self.operator, self.value)}"


class LandingPageRule(SourceMixin, Rule):
    """The first page of the visit (or of the visitor's first visit)."""

    path_operator = models.CharField(
        _("landing page path"),
        max_length=20,
        choices=TextOperator.choices,
        default=TextOperator.STARTS_WITH,
    )
    path = models.CharField(_("path pattern"), max_length=500, help_text=_("e.g. /guide/"))
    scope = scope_field()

    class Meta:
        verbose_name = _("landing page rule")
        verbose_name_plural = _("landing page rules")

    def clean(self):
        validate_pattern(self.path_operator, self.path, field="path")

    def evaluate_condition(self, ctx) -> bool:
        landing = ctx.first_landing_path if self.scope == Scope.FIRST_VISIT else ctx.landing_path
        if not landing:  # no page viewed yet (e.g. an API call before any page)
            return False
        return match_text(self.path_operator, landing, self.path, case_sensitive=True)

    def describe_condition(self) -> str:
        return (
            f"landed on a page whose path {describe_text(self.path_operator, self.path)}"
            f"{self.scope_words()}"
        )


class SearchTermRule(Rule):
    """What the visitor searched for: on a search engine that sent them, or on this site.

    The search engine term is the one of the current visit (engines send it rarely now, mostly
    from paid search and some privacy-minded engines). The site's own search is the
    ``PERSONALIZE_SITE_SEARCH_PARAM`` parameter (``?q=``) of the current page, else the last
    search made in this visit.
    """

    class Where(models.TextChoices):
        ANYWHERE = "any", _("a search engine or this site's search")
        ENGINE = "engine", _("a search engine")
        SITE = "site", _("this site's search")

    where = models.CharField(
        _("searched on"), max_length=6, choices=Where.choices, default=Where.ANYWHERE
    )
    operator = models.CharField(
        _("operator"), max_length=20, choices=TextOperator.choices, default=TextOperator.CONTAINS
    )
    value = models.CharField(_("words"), max_length=500, blank=True, help_text=_("e.g. cheap"))

    category = Segment.Category.ACQUISITION

    class Meta:
        verbose_name = _("search term rule")
        verbose_name_plural = _("search term rules")

    def clean(self):
        validate_pattern(self.operator, self.value, field="value")

    def terms(self, ctx) -> list[str]:
        terms = []
        if self.where != self.Where.SITE:
            terms.append(ctx.source.term)
        if self.where != self.Where.ENGINE:
            terms.append(ctx.site_search)
        return [term for term in terms if term]

    def evaluate_condition(self, ctx) -> bool:
        return any(match_text(self.operator, term, self.value) for term in self.terms(ctx))

    def describe_condition(self) -> str:
        where = {
            self.Where.ENGINE: "on a search engine",
            self.Where.SITE: "on this site",
        }.get(self.where, "on a search engine or this site")
        return f"searched {where}, and the search {describe_text(self.operator, self.value)}"
