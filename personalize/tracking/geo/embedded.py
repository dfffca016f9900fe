"""Country from the IPv4 + IPv6 database shipped with geoip2fast (:class:`EmbeddedResolver`).

The database is loaded on first use (about 0.2 s), once per process, under a lock; lookups are
cached per address.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from personalize.tracking.geo.common import _log_once
from personalize.tracking.geo.ip import LOOKUP_CACHE_SIZE, _is_public
from personalize.tracking.geo.location import Geo, GeoResolver, _country

_embedded_db: Any = None
_embedded_failed = False
_embedded_lock = threading.Lock()


def _embedded() -> Any:
    """The geoip2fast database, loaded on first use (about 0.2 s), or ``None`` if unusable."""
    if _embedded_db is not None or _embedded_failed:
        return _embedded_db
    with _embedded_lock:
        if _embedded_db is None and not _embedded_failed:
            _load_embedded()
    return _embedded_db


def _load_embedded() -> None:
    global _embedded_db, _embedded_failed
    # Importing geoip2fast sets PYTHONWARNINGS=ignore for the whole process (and so for every
    # subprocess it starts): undo that.
    previous = os.environ.get("PYTHONWARNINGS")
    try:
        import geoip2fast
        from geoip2fast import GeoIP2Fast
    except Exception:
        _embedded_failed = True
        _log_once("embedded", logging.WARNING, "geoip2fast unavailable", exc_info=True)
        return
    finally:
        if previous is None:
            os.environ.pop("PYTHONWARNINGS", None)
        else:
            os.environ["PYTHONWARNINGS"] = previous
    # Absolute paths: given a bare file name, geoip2fast would look in the working directory
    # first. The IPv6 file covers IPv4 too; the IPv4-only file is the fallback.
    folder = os.path.dirname(os.path.abspath(geoip2fast.__file__))
    for name in ("geoip2fast-ipv6.dat.gz", "geoip2fast.dat.gz"):
        try:
            path = os.path.join(folder, name)
            _embedded_db = GeoIP2Fast(verbose=False, geoip2fast_data_file=path)
            return
        except Exception:
            _log_once(f"embedded:{name}", logging.WARNING, "Cannot load %s", name, exc_info=True)
    _embedded_failed = True


@functools.lru_cache(maxsize=LOOKUP_CACHE_SIZE)
def _embedded_lookup(ip: str) -> Geo | None:
    if not _is_public(ip):
        return None
    database = _embedded()
    if database is None:
        return None
    result = database.lookup(ip)
    if getattr(result, "is_private", False):
        return None
    country = _country(getattr(result, "country_code", ""))
    return Geo(country=country, source="embedded") if country else None


class EmbeddedResolver(GeoResolver):
    """Country from the IPv4 + IPv6 database shipped with geoip2fast (offline, no setup).

    geoip2fast keeps its data in module globals: another ``GeoIP2Fast`` instance loading a
    different file in the same process would change what this resolver answers.
    """

    source = "embedded"

    def resolve(self, meta: Mapping[str, Any], ip: str | None) -> Geo | None:
        if not ip:
            return None
        return _embedded_lookup(ip)
