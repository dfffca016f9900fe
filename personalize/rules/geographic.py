"""Geographic rules: where the visitor is, as resolved from the request (never stored as IP)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.db.models.lookups import In
from django.utils.translation import gettext_lazy as _

from personalize.models.segment import Segment
from personalize.rules.base import Rule
from personalize.rules.matching import split_list

_COUNTRY = re.compile(r"^[A-Z]{2}$")


class LocationRule(Rule):
    """Country, region or city in a list. Every list that is filled in must match."""

    countries = models.CharField(
        _("countries"),
        max_length=1000,
        blank=True,
        help_text=_("ISO country codes, comma-separated: GB, IE"),
    )
    regions = models.CharField(
        _("regions"),
        max_length=1000,
        blank=True,
        help_text=_("Region codes or names, comma-separated: ENG, SCT"),
    )
    cities = models.CharField(
        _("cities"), max_length=1000, blank=True, help_text=_("City names, comma-separated")
    )

    category = Segment.Category.GEOGRAPHIC

    class Meta:
        verbose_name = _("location rule")
        verbose_name_plural = _("location rules")

    def clean(self):
        countries = [code.upper() for code in split_list(self.countries)]
        bad = [code for code in countries if not _COUNTRY.match(code)]
        if bad:
            raise ValidationError(
                {"countries": _("Not ISO country codes: %(codes)s.") % {"codes": ", ".join(bad)}}
            )
        self.countries = ", ".join(countries)
        if not (countries or split_list(self.regions) or split_list(self.cities)):
            raise ValidationError(_("Enter at least one country, region or city."))

    def prepare_for(self, snapshot) -> None:
        super().prepare_for(snapshot)
        self._countries = frozenset(code.upper() for code in split_list(self.countries))
        self._regions = frozenset(item.casefold() for item in split_list(self.regions))
        self._cities = frozenset(item.casefold() for item in split_list(self.cities))

    def evaluate_condition(self, ctx) -> bool:
        geo = ctx.geo
        if self._countries and geo.country.upper() not in self._countries:
            return False
        if self._regions and geo.region.casefold() not in self._regions:
            return False
        return not (self._cities and geo.city.casefold() not in self._cities)

    def to_q(self, now):
        """The visitor's last known place, as stored on its row."""
        from personalize.rules.sql import EVERYONE

        condition = models.Q()
        countries = [code.upper() for code in split_list(self.countries)]
        if countries:
            condition &= models.Q(In(Upper("country"), countries))
        for field, items in (("region", self.regions), ("city", self.cities)):
            names = split_list(items)
            if names:
                any_name = models.Q()
                for name in names:
                    any_name |= models.Q(**{f"{field}__iexact": name})
                condition &= any_name
        return condition or EVERYONE  # nothing to compare (a half-filled rule): anywhere

    def describe_condition(self) -> str:
        parts = []
        for label, value in (
            ("country", self.countries),
            ("region", self.regions),
            ("city", self.cities),
        ):
            items = split_list(value)
            if items:
                parts.append(f"{label} is {' or '.join(items)}")
        return "visits from a place where " + " and ".join(parts) if parts else "anywhere"
