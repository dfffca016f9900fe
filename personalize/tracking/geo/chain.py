"""The resolver chain (``PERSONALIZE_GEO_RESOLVERS``): :func:`resolve_geo`, and the caches.

:func:`warm_up` loads the databases the configured resolvers need; :func:`clear_caches` forgets
every cached lookup, parsed setting and open database of this package.
"""

from __future__ import annotations

import functools
import logging
import os
import traceback
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django.utils.module_loading import import_string

from personalize.conf import clear_cache, get_parsed_setting, get_setting
from personalize.tracking.geo.cdn import _parse_header_config
from personalize.tracking.geo.common import _log_once
from personalize.tracking.geo.embedded import EmbeddedResolver, _embedded, _embedded_lookup
from personalize.tracking.geo.ip import _is_public, _parse_ip_cached, _parse_networks, client_ip
from personalize.tracking.geo.location import _UNKNOWN, Geo, GeoResolver, _country
from personalize.tracking.geo.maxmind import (
    GeoIP2Resolver,
    _geoip2_lookup,
    _geoip2_reader,
    _readers,
    _readers_lock,
)


def _resolver_chain() -> tuple[tuple[str, GeoResolver], ...]:
    return get_parsed_setting("GEO_RESOLVERS", _build_resolver_chain)


def _build_resolver_chain(value: Any) -> tuple[tuple[str, GeoResolver], ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = (value,)
    try:
        return _build_chain(tuple(value))
    except TypeError:  # not a list, or an unhashable entry
        try:
            return _build_chain.__wrapped__(tuple(value))
        except TypeError:
            _log_once(
                "resolvers-type",
                logging.WARNING,
                "PERSONALIZE_GEO_RESOLVERS must be a list of dotted paths; ignored.",
            )
            return ()


@functools.lru_cache(maxsize=8)
def _build_chain(entries: tuple[Any, ...]) -> tuple[tuple[str, GeoResolver], ...]:
    chain = []
    for entry in entries:
        label = entry if isinstance(entry, str) else repr(entry)[:200]
        try:
            target = import_string(entry) if isinstance(entry, str) else entry
            resolver = target() if isinstance(target, type) else target
            if not callable(getattr(resolver, "resolve", None)):
                raise TypeError(f"{label} has no resolve() method")
        except Exception:
            _log_once(
                f"resolver-load:{label}",
                logging.WARNING,
                "Ignoring PERSONALIZE_GEO_RESOLVERS entry %s: it cannot be loaded.",
                label,
                exc_info=True,
            )
            continue
        chain.append((label, resolver))
    return tuple(chain)


class AddressScrubbedError(Exception):
    """Stands in, in a log record, for an exception whose text held the client address."""


def _without_address(exc: BaseException, ip: str | None) -> Any:
    """``exc_info`` for logging ``exc`` without the client address in it.

    Lookup libraries name the address they could not look up ("The address 203.0.113.7 is
    not in the database"); logs must not keep it. When the address appears anywhere in the
    formatted exception (its chain included), the record carries an
    :class:`AddressScrubbedError` with the same traceback and the address masked instead.
    """
    try:
        text = "".join(traceback.format_exception_only(type(exc), exc))
        chained = exc.__cause__ or exc.__context__
        while chained is not None and ip and ip not in text:
            text += "".join(traceback.format_exception_only(type(chained), chained))
            chained = chained.__cause__ or chained.__context__
        if not ip or ip not in text:
            return True
        message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        scrubbed = AddressScrubbedError(message.replace(ip, "<client address>"))
        scrubbed.__suppress_context__ = True
        return (AddressScrubbedError, scrubbed, exc.__traceback__)
    except Exception:
        return False


def resolve_geo(meta: Mapping[str, Any]) -> Geo:
    """Where the request comes from: the first resolver answer with a country wins."""
    try:
        ip = client_ip(meta)
        for label, resolver in _resolver_chain():
            try:
                geo = resolver.resolve(meta, ip)
            except Exception as exc:
                _log_once(
                    f"resolver-run:{label}",
                    logging.ERROR,
                    "GEO resolver %s failed; trying the next one.",
                    label,
                    exc_info=_without_address(exc, ip),
                )
                continue
            if not isinstance(geo, Geo) or not geo.country:
                continue
            country = _country(geo.country)
            if not country:
                continue
            if country != geo.country:
                geo = replace(geo, country=country)
            return geo
        return _UNKNOWN
    except Exception:
        _log_once("resolve", logging.ERROR, "Geo resolution failed", exc_info=True)
        return _UNKNOWN


def warm_up() -> None:
    """Load the databases the configured resolvers need now rather than on the first request."""
    for _label, resolver in _resolver_chain():
        if isinstance(resolver, EmbeddedResolver):
            _embedded()
        elif isinstance(resolver, GeoIP2Resolver):
            path = get_setting("GEOIP_PATH")
            if path:
                _geoip2_reader(os.fsdecode(os.fspath(path)))


def clear_caches() -> None:
    """Forget cached lookups, parsed settings and open GeoIP2 readers (tests, new database).

    Readers are closed: do not call this while other threads are resolving.
    """
    clear_cache()
    for cached in (
        _parse_ip_cached,
        _is_public,
        _parse_networks,
        _parse_header_config,
        _geoip2_lookup,
        _embedded_lookup,
        _build_chain,
    ):
        cached.cache_clear()
    with _readers_lock:
        readers = list(_readers.values())
        _readers.clear()
    for reader in readers:
        if reader is not None:
            try:
                reader.close()
            except Exception:
                _log_once("geoip2-close", logging.DEBUG, "Closing a GeoIP2 reader failed")
