"""Geographic rules: where the visitor is, as resolved from the request (never stored as IP)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.db.models.lookups import In
from django.utils.translation import gettext_lazy as _

from personalize.models.segment import Segment
from personalize.rules.base import Rule
from personalize.rules.matching import split_list

#: ISO 3166-1 alpha-2 codes (the 249 assigned ones) and XK (Kosovo, user-assigned but what
#: GeoIP databases and CDNs report): the only codes a visitor's country can be.
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW XK
"""
ISO_COUNTRIES = frozenset(_ISO_CODES.split())
#: Codes editors type that are not a country's, with the code they mean.
_COMMON_MISTAKES = {"UK": "GB"}


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
        bad = [code for code in countries if code not in ISO_COUNTRIES]
        if bad:
            message = _("Not ISO country codes: %(codes)s.") % {"codes": ", ".join(bad)}
            hints = [
                f"{code} → {_COMMON_MISTAKES[code]}" for code in bad if code in _COMMON_MISTAKES
            ]
            if hints:
                message += " " + _("Did you mean: %(hints)s?") % {"hints": ", ".join(hints)}
            raise ValidationError({"countries": message})
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
