"""Country, region and city from headers set by a CDN or load balancer (:class:`HeaderResolver`).

``PERSONALIZE_GEO_TRUSTED_HEADERS`` accepts:

* a list of header names, each giving the country (the first valid one wins)::

      PERSONALIZE_GEO_TRUSTED_HEADERS = ["CF-IPCountry"]

* a dict mapping ``"country"``, ``"region"`` and ``"city"`` to a header name or a list of
  names (``"country"`` is required)::

      PERSONALIZE_GEO_TRUSTED_HEADERS = {
          "country": "CloudFront-Viewer-Country",
          "region": "CloudFront-Viewer-Country-Region",
          "city": "CloudFront-Viewer-City",
      }

A header whose value is a list of ``key=value`` pairs, as Akamai's EdgeScape header
(``X-Akamai-Edgescape: georegion=246,country_code=US,region_code=CA,city=SANJOSE,...``), is
read by key: ``country_code`` for the country, ``region_code`` for the region and ``city`` for
the city, so one header can serve all three::

      PERSONALIZE_GEO_TRUSTED_HEADERS = {
          "country": "X-Akamai-Edgescape",
          "region": "X-Akamai-Edgescape",
          "city": "X-Akamai-Edgescape",
      }

Header values are validated: the country must be two ASCII letters and not a placeholder
(``XX``, ``ZZ``, ``T1`` for Tor, ``A1``/``A2`` anonymous proxies...); region and city are
percent-decoded (CloudFront URL-encodes them), decoded as UTF-8 when possible, stripped of
control characters and cut to :data:`MAX_TEXT_LENGTH` characters.

Trust: :class:`HeaderResolver` believes the configured headers on every request, so only
configure it when every request really passes through the CDN that sets (and overwrites) them.
"""

from __future__ import annotations

import codecs
import functools
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from personalize.conf import get_parsed_setting
from personalize.tracking.geo.common import _log_once
from personalize.tracking.geo.location import Geo, GeoResolver, _country, _region, _text
from personalize.tracking.headers import raw_header as _header

#: The end of a header value cut inside a percent escape.
_CUT_ESCAPE = re.compile(r"%[0-9A-Fa-f]?$")

_MAX_HEADER_LENGTH = 1024
_HEADER_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _freeze(value: Any) -> Any:
    """A hashable copy of a settings value made of dicts, lists and strings."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True, slots=True)
class _HeaderConfig:
    country: tuple[str, ...]
    region: tuple[str, ...]
    city: tuple[str, ...]


def _meta_key(name: Any) -> str | None:
    if not isinstance(name, str) or not _HEADER_NAME_RE.fullmatch(name.strip()):
        _log_once(
            f"geo-header:{name!r:.100}",
            logging.WARNING,
            "Ignoring invalid header name %r in PERSONALIZE_GEO_TRUSTED_HEADERS.",
            name,
        )
        return None
    key = name.strip().upper().replace("-", "_")
    return key if key.startswith("HTTP_") else f"HTTP_{key}"


def _meta_keys(names: Any) -> tuple[str, ...]:
    if isinstance(names, str):
        names = (names,)
    if not isinstance(names, tuple):
        names = (names,)
    return tuple(key for key in map(_meta_key, names) if key)


@functools.lru_cache(maxsize=8)
def _parse_header_config(key: tuple[bool, Any]) -> _HeaderConfig | None:
    is_mapping, frozen = key
    config = None
    if is_mapping:
        parts = dict(frozen)
        unknown = set(parts) - {"country", "region", "city"}
        if unknown:
            _log_once(
                f"geo-headers-keys:{sorted(unknown)!r:.200}",
                logging.WARNING,
                "Ignoring unknown keys %s in PERSONALIZE_GEO_TRUSTED_HEADERS.",
                ", ".join(sorted(unknown)),
            )
        config = _HeaderConfig(
            country=_meta_keys(parts.get("country", ())),
            region=_meta_keys(parts.get("region", ())),
            city=_meta_keys(parts.get("city", ())),
        )
    elif isinstance(frozen, tuple):
        config = _HeaderConfig(country=_meta_keys(frozen), region=(), city=())
    if config is None or not config.country:
        _log_once(
            f"geo-headers:{frozen!r:.200}",
            logging.WARNING,
            "PERSONALIZE_GEO_TRUSTED_HEADERS must be a list of country headers or a dict with "
            "a 'country' header (and optional 'region' and 'city'); ignored: %r",
            frozen,
        )
        return None
    return config


def _header_config() -> _HeaderConfig | None:
    return get_parsed_setting("GEO_TRUSTED_HEADERS", _build_header_config)


def _build_header_config(value: Any) -> _HeaderConfig | None:
    if not value:
        return None
    if isinstance(value, str):
        value = (value,)
    key = (isinstance(value, Mapping), _freeze(value))
    try:
        return _parse_header_config(key)
    except TypeError:  # something unhashable deep inside
        return _parse_header_config.__wrapped__(key)


def _header_text(value: str) -> str:
    """Percent-decode, UTF-8-decode (WSGI hands us latin-1 text) and clean a header value."""
    cut = len(value) > _MAX_HEADER_LENGTH
    value = value[:_MAX_HEADER_LENGTH]
    if cut:  # a percent escape cut in two is dropped, not kept as "%C"
        value = _CUT_ESCAPE.sub("", value)
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:  # already real text (tests, ASGI servers decoding UTF-8)
        raw = value.encode("utf-8", "replace")
    if b"%" in raw:
        raw = unquote_to_bytes(raw)
    try:
        # (a character the cut left incomplete at the end is dropped, not misread)
        text = codecs.getincrementaldecoder("utf-8")().decode(raw, final=not cut)
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return _text(text)


def _field(value: str, key: str) -> str:
    """``value`` itself, or the ``key`` field of a ``k=v,k=v`` list (Akamai EdgeScape)."""
    if "=" not in value:
        return value
    for pair in value[:_MAX_HEADER_LENGTH].split(","):
        name, _, field = pair.partition("=")
        if name.strip().lower() == key:
            return field.strip()
    return ""


class HeaderResolver(GeoResolver):
    """Country (region, city) from CDN headers listed in ``GEO_TRUSTED_HEADERS``."""

    source = "header"

    def resolve(self, meta: Mapping[str, Any], ip: str | None) -> Geo | None:
        config = _header_config()
        if config is None:
            return None
        country = ""
        for key in config.country:
            country = _country(_field(_header(meta, key), "country_code")[:8])
            if country:
                break
        if not country:
            return None
        region = next(
            filter(
                None,
                (_header_text(_field(_header(meta, k), "region_code")) for k in config.region),
            ),
            "",
        )
        city = next(
            filter(None, (_header_text(_field(_header(meta, k), "city")) for k in config.city)),
            "",
        )
        return Geo(country=country, region=_region(region, country), city=city, source="header")
