"""Where the visitor is: :class:`Geo`, the validation of its fields, and the resolver base."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: ``Geo.source`` values of the built-in resolvers.
SOURCES = ("header", "geoip", "embedded")
#: Region and city are cut to this many characters.
MAX_TEXT_LENGTH = 100
#: Two-letter codes that do not name a country.
PLACEHOLDER_COUNTRIES = frozenset({"XX", "ZZ", "EU", "AP", "T1", "A1", "A2", "O1"})

_MAX_SOURCE_LENGTH = 20
_UNSAFE_CHARS_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_COUNTRY_RE = re.compile(r"[A-Za-z]{2}")


def _text(value: Any, limit: int = MAX_TEXT_LENGTH) -> str:
    if not isinstance(value, str):
        return ""
    return _UNSAFE_CHARS_RE.sub("", value).strip()[:limit]


def _country(value: Any) -> str:
    """An upper-case ISO 3166-1 alpha-2 code, or ``""`` for anything else."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if not _COUNTRY_RE.fullmatch(value):
        return ""
    value = value.upper()
    return "" if value in PLACEHOLDER_COUNTRIES else value


def _region(value: Any, country: str) -> str:
    region = _text(value)
    if country and region[:3].upper() == f"{country}-":
        region = region[3:]  # "US-CA" → "CA": the country is already in Geo.country
    return region


@dataclass(frozen=True, slots=True)
class Geo:
    """Where the visitor is, as far as we can tell. All fields are ``""`` when unknown."""

    country: str = ""
    region: str = ""
    city: str = ""
    source: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "country": self.country,
            "region": self.region,
            "city": self.city,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Geo:
        """Rebuild from :meth:`as_dict` output; anything invalid gives an unknown location."""
        if not isinstance(data, Mapping):
            return cls()
        try:
            country = _country(data.get("country"))
            if not country:
                return cls()
            return cls(
                country=country,
                region=_region(data.get("region"), country),
                city=_text(data.get("city")),
                source=_text(data.get("source"), _MAX_SOURCE_LENGTH),
            )
        except Exception:
            return cls()


_UNKNOWN = Geo()


class GeoResolver:
    """Base class: turn a request (and its client address) into a :class:`Geo`."""

    #: The ``Geo.source`` of this resolver's answers.
    source = ""

    def resolve(self, meta: Mapping[str, Any], ip: str | None) -> Geo | None:
        """Return a :class:`Geo`, or ``None`` to let the next resolver try."""
        raise NotImplementedError
