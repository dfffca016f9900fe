"""Country, region and city from a MaxMind GeoIP2 or GeoLite2 database (:class:`GeoIP2Resolver`).

The database at ``PERSONALIZE_GEOIP_PATH`` is opened once per process (and per path), under a
lock; lookups are cached per address.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from personalize.conf import get_setting
from personalize.tracking.geo.common import _log_once
from personalize.tracking.geo.ip import LOOKUP_CACHE_SIZE, _is_public
from personalize.tracking.geo.location import Geo, GeoResolver, _country, _region, _text

#: Database files looked for when ``GEOIP_PATH`` is a directory, best first.
GEOIP2_FILENAMES = (
    "GeoIP2-City.mmdb",
    "GeoLite2-City.mmdb",
    "GeoIP2-Country.mmdb",
    "GeoLite2-Country.mmdb",
)


_readers: dict[str, Any] = {}
_readers_lock = threading.Lock()


def _geoip2_reader(path: str) -> Any:
    """The open reader for ``path`` (opened once per process), or ``None`` if unusable."""
    try:
        return _readers[path]
    except KeyError:
        pass
    with _readers_lock:
        if path not in _readers:
            _readers[path] = _open_geoip2(path)
        return _readers[path]


def _open_geoip2(path: str) -> Any:
    import maxminddb

    target = path
    if os.path.isdir(path):
        for name in GEOIP2_FILENAMES:
            candidate = os.path.join(path, name)
            if os.path.isfile(candidate):
                target = candidate
                break
        else:
            _log_once(
                f"geoip2-open:{path}",
                logging.WARNING,
                "No GeoIP2 database (%s) in PERSONALIZE_GEOIP_PATH %s; GeoIP2 lookups disabled.",
                ", ".join(GEOIP2_FILENAMES),
                path,
            )
            return None
    try:
        return maxminddb.open_database(target)
    except Exception as exc:
        _log_once(
            f"geoip2-open:{path}",
            logging.WARNING,
            "Cannot open the GeoIP2 database %s (%s); GeoIP2 lookups disabled.",
            target,
            exc,
        )
        return None


def _name(item: Any) -> str:
    if not isinstance(item, Mapping):
        return ""
    names = item.get("names")
    if not isinstance(names, Mapping):
        return ""
    name = names.get("en")
    if not isinstance(name, str):
        name = next((value for value in names.values() if isinstance(value, str)), "")
    return _text(name)


def _geo_from_record(record: Any) -> Geo | None:
    if not isinstance(record, Mapping):
        return None
    country_record = record.get("country")
    if not isinstance(country_record, Mapping):
        return None
    country = _country(country_record.get("iso_code"))
    if not country:
        return None
    region = ""
    subdivisions = record.get("subdivisions")
    if isinstance(subdivisions, list | tuple) and subdivisions:
        first = subdivisions[0]
        if isinstance(first, Mapping):
            region = _text(first.get("iso_code")) or _name(first)
    return Geo(
        country=country,
        region=_region(region, country),
        city=_name(record.get("city")),
        source="geoip",
    )


@functools.lru_cache(maxsize=LOOKUP_CACHE_SIZE)
def _geoip2_lookup(path: str, ip: str) -> Geo | None:
    if not _is_public(ip):
        return None
    reader = _geoip2_reader(path)
    if reader is None:
        return None
    try:
        record = reader.get(ip)
    except ValueError:  # e.g. an IPv6 address and an IPv4-only database
        return None
    return _geo_from_record(record)


class GeoIP2Resolver(GeoResolver):
    """Country, region and city from the MaxMind database at ``GEOIP_PATH``."""

    source = "geoip"

    def resolve(self, meta: Mapping[str, Any], ip: str | None) -> Geo | None:
        if not ip:
            return None
        path = get_setting("GEOIP_PATH")
        if not path:
            return None
        try:
            path = os.fsdecode(os.fspath(path))
        except TypeError:
            _log_once(
                "geoip2-path-type",
                logging.WARNING,
                "PERSONALIZE_GEOIP_PATH must be a path; ignored: %r",
                path,
            )
            return None
        return _geoip2_lookup(path, ip)
