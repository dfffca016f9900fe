"""Geography: the visitor's country (and region and city when known), never storing the IP.

:func:`resolve_geo` runs the resolvers named in ``PERSONALIZE_GEO_RESOLVERS`` (dotted paths,
in order) and returns the first answer with a country:

* :class:`HeaderResolver` (``source="header"``) reads country/region/city headers set by a
  CDN or load balancer. It does nothing unless ``PERSONALIZE_GEO_TRUSTED_HEADERS`` names
  them, because any client can send such headers when the site is not behind that CDN.
* :class:`GeoIP2Resolver` (``source="geoip"``) looks the address up in a MaxMind GeoIP2 or
  GeoLite2 Country or City database (``.mmdb``) at ``PERSONALIZE_GEOIP_PATH`` (a file, or a
  directory holding ``GeoIP2-City.mmdb``, ``GeoLite2-City.mmdb``, ``GeoIP2-Country.mmdb`` or
  ``GeoLite2-Country.mmdb``). It does nothing when the setting is empty.
* :class:`EmbeddedResolver` (``source="embedded"``) uses the IPv4 + IPv6 country database
  shipped with the ``geoip2fast`` package: country only, works offline, no setup.

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

Header values are validated: the country must be two ASCII letters and not a placeholder
(``XX``, ``ZZ``, ``T1`` for Tor, ``A1``/``A2`` anonymous proxies...); region and city are
percent-decoded (CloudFront URL-encodes them), decoded as UTF-8 when possible, stripped of
control characters and cut to :data:`MAX_TEXT_LENGTH` characters.

Privacy: the IP address is used for the lookup and then forgotten. It is never written to the
database, the cache or a log; the only copies are the keys of a few bounded in-process LRU
caches (at most :data:`LOOKUP_CACHE_SIZE` entries each) that make repeated lookups take
microseconds, and they vanish with the process.

Trust: :class:`HeaderResolver` believes the configured headers on every request, so only
configure it when every request really passes through the CDN that sets (and overwrites) them.

Databases are opened lazily, once per process (and per ``GEOIP_PATH``), under a lock; call
:func:`warm_up` after forking to pay that (about 0.2 s for the embedded database) before the
first request, and :func:`clear_caches` after replacing a database file.

:func:`client_ip` trusts ``X-Forwarded-For`` only when ``REMOTE_ADDR`` is one of
``PERSONALIZE_TRUSTED_PROXIES`` (addresses or networks, IPv4 or IPv6). It then walks the header
from the right, skipping trusted proxies, and returns the first address that is not one. The
RFC 7239 ``Forwarded`` header is deliberately not read: most proxies neither set nor strip it,
so a client could put any address in it.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote_to_bytes

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from personalize.conf import PREFIX, get_setting
from personalize.utils import log_once

__all__ = [
    "EmbeddedResolver",
    "Geo",
    "GeoIP2Resolver",
    "GeoResolver",
    "HeaderResolver",
    "client_ip",
    "resolve_geo",
]

#: ``Geo.source`` values of the built-in resolvers.
SOURCES = ("header", "geoip", "embedded")
#: Region and city are cut to this many characters.
MAX_TEXT_LENGTH = 100
#: Addresses whose lookup result is kept in memory, per resolver.
LOOKUP_CACHE_SIZE = 4096
#: At most this many ``X-Forwarded-For`` entries are examined.
MAX_FORWARDED_HOPS = 32
#: Database files looked for when ``GEOIP_PATH`` is a directory, best first.
GEOIP2_FILENAMES = (
    "GeoIP2-City.mmdb",
    "GeoLite2-City.mmdb",
    "GeoIP2-Country.mmdb",
    "GeoLite2-Country.mmdb",
)
#: Two-letter codes that do not name a country.
PLACEHOLDER_COUNTRIES = frozenset({"XX", "ZZ", "EU", "AP", "T1", "A1", "A2", "O1"})

_MAX_SOURCE_LENGTH = 20
_MAX_IP_LENGTH = 64  # longest IPv6 text with zone, brackets and port is well under this
_MAX_HEADER_LENGTH = 1024
_UNSAFE_CHARS_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_COUNTRY_RE = re.compile(r"[A-Za-z]{2}")
_HEADER_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,100}")


# --------------------------------------------------------------------------------------------
# Helpers


def _log_once(key: str, level: int, msg: str, *args: Any, exc_info: bool = False) -> None:
    """Log ``msg`` the first time ``key`` is seen in this process, stay quiet afterwards."""
    log_once(f"{__name__}:{key}", msg, *args, level=level, exc_info=exc_info)


def _header(meta: Mapping[str, Any], key: str) -> str:
    value = meta.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    return ""


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


def _freeze(value: Any) -> Any:
    """A hashable copy of a settings value made of dicts, lists and strings."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_freeze(v) for v in value)
    return value


# Settings are read on every request, and ``get_setting`` costs microseconds for an unset name
# (an AttributeError inside Django). So each setting is read once and kept, already parsed,
# until any PERSONALIZE_* setting changes: ``override_settings`` and pytest-django's
# ``settings`` fixture announce that with the ``setting_changed`` signal.
_settings_cache: dict[str, Any] = {}
_settings_generation = [0]


def _setting(name: str, build: Any = None) -> Any:
    """The value of setting ``name``, passed through ``build`` when given (both cached)."""
    try:
        return _settings_cache[name]
    except KeyError:
        pass
    generation = _settings_generation[0]
    value = get_setting(name)
    if build is not None:
        value = build(value)
    if generation == _settings_generation[0]:
        _settings_cache[name] = value
    return value


@receiver(setting_changed, dispatch_uid=f"{__name__}.settings")
def _on_setting_changed(*, setting: str = "", **kwargs: Any) -> None:
    if setting.startswith(PREFIX):
        _settings_generation[0] += 1
        _settings_cache.clear()


# --------------------------------------------------------------------------------------------
# Geo


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


# --------------------------------------------------------------------------------------------
# Client address

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse_ip(value: str) -> tuple[str, _IPAddress] | None:
    """Parse one address as found in REMOTE_ADDR or X-Forwarded-For: ports, brackets allowed."""
    value = value.strip()
    if not value or len(value) > _MAX_IP_LENGTH:
        return None
    return _parse_ip_cached(value)


@functools.lru_cache(maxsize=LOOKUP_CACHE_SIZE)
def _parse_ip_cached(value: str) -> tuple[str, _IPAddress] | None:
    if value.startswith("["):  # "[2001:db8::1]" or "[2001:db8::1]:443"
        end = value.find("]")
        rest = value[end + 1 :]
        if end == -1 or (rest and not _is_port(rest)):
            return None
        value = value[1:end]
    elif value.count(":") == 1:  # "1.2.3.4:5678"
        host, _, port = value.partition(":")
        if not _is_port(":" + port):
            return None
        value = host
    value = value.split("%", 1)[0]  # IPv6 zone index ("fe80::1%eth0")
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # "::ffff:1.2.3.4" from dual-stack sockets is plain IPv4
    return str(ip), ip


def _is_port(text: str) -> bool:
    port = text[1:]
    return text[:1] == ":" and 0 < len(port) <= 5 and port.isascii() and port.isdigit()


_Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def _trusted_proxies() -> _Networks:
    return _setting("TRUSTED_PROXIES", _build_trusted_proxies)


def _build_trusted_proxies(value: Any) -> _Networks:
    if not value:
        return ()
    if isinstance(value, str):
        value = (value,)
    try:
        return _parse_networks(tuple(value))
    except TypeError:
        _log_once(
            "trusted-proxies-type",
            logging.WARNING,
            "PERSONALIZE_TRUSTED_PROXIES must be a list of addresses or networks; ignored.",
        )
        return ()


@functools.lru_cache(maxsize=8)
def _parse_networks(entries: tuple[Any, ...]) -> _Networks:
    networks = []
    for entry in entries:
        try:
            text = entry.strip() if isinstance(entry, str) else entry
            network = ipaddress.ip_network(text, strict=False)
        except (TypeError, ValueError):
            _log_once(
                f"trusted-proxy:{entry!r:.100}",
                logging.WARNING,
                "Ignoring invalid PERSONALIZE_TRUSTED_PROXIES entry %r.",
                entry,
            )
            continue
        networks.append(network)
    return tuple(networks)


def _is_trusted(ip: _IPAddress, networks: _Networks) -> bool:
    return any(ip in network for network in networks)


def client_ip(meta: Mapping[str, Any]) -> str | None:
    """The visitor's address (normalized text), or ``None`` when it cannot be known."""
    try:
        remote = _parse_ip(_header(meta, "REMOTE_ADDR"))
        if remote is None:
            return None
        proxies = _trusted_proxies()
        if not proxies or not _is_trusted(remote[1], proxies):
            return remote[0]
        forwarded = _header(meta, "HTTP_X_FORWARDED_FOR")
        closest = remote
        # Entries right of the first untrusted one were appended by our own proxies; anything
        # further left was written by the client and is never looked at. (Never cut the header
        # from the left: its right end is the part we can trust.)
        for hop in reversed(forwarded.rsplit(",", MAX_FORWARDED_HOPS)):
            if not hop.strip():
                continue
            parsed = _parse_ip(hop)
            if parsed is None:
                return None  # a trusted proxy wrote something we cannot read ("unknown")
            if not _is_trusted(parsed[1], proxies):
                return parsed[0]
            closest = parsed
        return closest[0]  # every hop is a trusted proxy: the request started inside
    except Exception:
        _log_once("client-ip", logging.ERROR, "Client address detection failed", exc_info=True)
        return None


@functools.lru_cache(maxsize=LOOKUP_CACHE_SIZE)
def _is_public(ip: str) -> bool:
    """False for private, loopback, link-local, documentation, reserved and multicast."""
    parsed = _parse_ip(ip)
    if parsed is None:
        return False
    address = parsed[1]
    return address.is_global and not address.is_multicast


# --------------------------------------------------------------------------------------------
# Resolvers


class GeoResolver:
    """Base class: turn a request (and its client address) into a :class:`Geo`."""

    #: The ``Geo.source`` of this resolver's answers.
    source = ""

    def resolve(self, meta: Mapping[str, Any], ip: str | None) -> Geo | None:
        """Return a :class:`Geo`, or ``None`` to let the next resolver try."""
        raise NotImplementedError


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
    return _setting("GEO_TRUSTED_HEADERS", _build_header_config)


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
    value = value[:_MAX_HEADER_LENGTH]
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:  # already real text (tests, ASGI servers decoding UTF-8)
        raw = value.encode("utf-8", "replace")
    if b"%" in raw:
        raw = unquote_to_bytes(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return _text(text)


class HeaderResolver(GeoResolver):
    """Country (region, city) from CDN headers listed in ``GEO_TRUSTED_HEADERS``."""

    source = "header"

    def resolve(self, meta: Mapping[str, Any], ip: str | None) -> Geo | None:
        config = _header_config()
        if config is None:
            return None
        country = ""
        for key in config.country:
            country = _country(_header(meta, key)[:8])
            if country:
                break
        if not country:
            return None
        region = next(filter(None, (_header_text(_header(meta, k)) for k in config.region)), "")
        city = next(filter(None, (_header_text(_header(meta, k)) for k in config.city)), "")
        return Geo(country=country, region=_region(region, country), city=city, source="header")


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
        path = _setting("GEOIP_PATH")
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


# --------------------------------------------------------------------------------------------
# The chain


def _resolver_chain() -> tuple[tuple[str, GeoResolver], ...]:
    return _setting("GEO_RESOLVERS", _build_resolver_chain)


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


def resolve_geo(meta: Mapping[str, Any]) -> Geo:
    """Where the request comes from: the first resolver answer with a country wins."""
    try:
        ip = client_ip(meta)
        for label, resolver in _resolver_chain():
            try:
                geo = resolver.resolve(meta, ip)
            except Exception:
                _log_once(
                    f"resolver-run:{label}",
                    logging.ERROR,
                    "GEO resolver %s failed; trying the next one.",
                    label,
                    exc_info=True,
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
            path = _setting("GEOIP_PATH")
            if path:
                _geoip2_reader(os.fsdecode(os.fspath(path)))


def clear_caches() -> None:
    """Forget cached lookups, parsed settings and open GeoIP2 readers (tests, new database).

    Readers are closed: do not call this while other threads are resolving.
    """
    _on_setting_changed(setting=PREFIX)
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
