"""Hosts: reading a referrer URL, normalizing hosts, looking them up, telling internal ones.

Host look-ups are pure and cached in bounded LRU caches; a referrer is read without regular
expressions and only its first :data:`MAX_REFERRER_LENGTH` characters are looked at.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

from personalize.tracking.headers import wsgi_text
from personalize.tracking.referrer.tables import (
    _ANDROID,
    _BRANDS,
    _DEFAULT_REFERRAL,
    _GENERIC_SUFFIXES,
    _HOSTS,
    _SECOND_LEVELS,
    _WEBMAIL,
    _WEBMAIL_PREFIXES,
    MAX_HOST,
    MAX_INTERNAL_HOSTS,
    MAX_REFERRER_LENGTH,
    _Entry,
)
from personalize.tracking.referrer.text import _TEXT_TABLE, _URL_TABLE

logger = logging.getLogger(__name__)

_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._")
_PACKAGE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+-.")


def _valid_punycode(encoded: str) -> bool:
    """Whether an ``xn--`` label decodes to printable text that needed encoding at all."""
    try:
        decoded = encoded.encode("ascii").decode("punycode")
    except UnicodeError:
        return False
    return bool(decoded) and not decoded.isascii() and decoded == decoded.translate(_TEXT_TABLE)


@lru_cache(maxsize=4096)
def _normalize_host(raw: str) -> str:
    """Lowercase ASCII host without port, ``www.`` or trailing dot; "" when not a valid host."""
    host = raw.strip()
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return ""
        if "%" in host[:end]:  # no zone ids: they are free text
            return ""
        try:
            return str(ipaddress.IPv6Address(host[1:end]))[:MAX_HOST]
        except ValueError:
            return ""
    host = host.partition(":")[0].rstrip(".").lower()
    if not host:
        return ""
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").rstrip(".")
        except (UnicodeError, ValueError):
            return ""
    if len(host) > 253 or not _HOST_CHARS.issuperset(host):
        return ""
    labels = host.split(".")
    if any(not label or len(label) > 63 for label in labels):
        return ""
    for label in labels:
        if label.startswith("xn--") and not _valid_punycode(label[4:]):
            return ""
    if labels[0] == "www" and len(labels) > 2:
        host = host[4:]
    return host


def _host_of(hostport: str) -> str:
    """Host of a ``host[:port]`` or ``[v6][:port]`` string (bounded before the cache)."""
    if not isinstance(hostport, str) or not hostport or len(hostport) > 300:
        return ""
    return _normalize_host(hostport)


@lru_cache(maxsize=4096)
def _lookup(host: str) -> _Entry:
    """Table entry for a normalized host: exact host, then parent domains, then brand.*."""
    labels = host.split(".")
    count = len(labels)
    brand_at = -1  # index of the brand label when host is [sub.]brand.<country suffix>
    if (
        count >= 3
        and labels[-2] in _SECOND_LEVELS
        and len(labels[-1]) == 2
        and labels[-3] in _BRANDS
    ):
        brand_at = count - 3
    elif (
        count >= 2
        and (labels[-1] in _GENERIC_SUFFIXES or (len(labels[-1]) == 2 and labels[-1].isalpha()))
        and labels[-2] in _BRANDS
    ):
        brand_at = count - 2
    for start in range(max(count - 1, 1)):
        entry = _HOSTS.get(".".join(labels[start:]))
        if entry is not None:
            return entry
        if start <= brand_at:
            entry = _HOSTS.get(".".join(labels[start : brand_at + 1]) + ".*")
            if entry is not None:
                return entry
    if count >= 2 and labels[0] in _WEBMAIL_PREFIXES:
        return _WEBMAIL
    return _DEFAULT_REFERRAL


def _lookup_package(package: str) -> _Entry | None:
    parts = package.split(".")
    for end in range(len(parts), 1, -1):
        entry = _ANDROID.get(".".join(parts[:end]))
        if entry is not None:
            return entry
    return None


@lru_cache(maxsize=64)
def _internal_matcher(request_host: str, entries: tuple[str, ...]) -> tuple[frozenset, tuple]:
    exact = set()
    suffixes = []
    own = _host_of(request_host)
    if own:
        exact.add(own)
    for entry in entries:
        if entry.startswith("."):
            base = _host_of(entry[1:])
            if base:
                exact.add(base)
                suffixes.append("." + base)
        else:
            host = _host_of(entry)
            if host:
                exact.add(host)
    return frozenset(exact), tuple(suffixes)


def _is_internal(host: str, request_host: object, internal_hosts: object) -> bool:
    if isinstance(internal_hosts, str):
        internal_hosts = (internal_hosts,)
    entries: tuple[str, ...] = ()
    if internal_hosts:
        try:
            entries = tuple(
                e.strip().lower()
                for e in islice(internal_hosts, MAX_INTERNAL_HOSTS)
                if isinstance(e, str) and e.strip() not in ("", "*") and len(e) <= 300
            )
        except TypeError:
            entries = ()
    own = request_host.strip().lower() if isinstance(request_host, str) else ""
    exact, suffixes = _internal_matcher(own, entries)
    return host in exact or (bool(suffixes) and host.endswith(suffixes))


class _Referrer(NamedTuple):
    kind: str  # "web", "android" or "ios"
    host: str  # normalized host, package name or app id
    path: str = ""
    query: str = ""
    fragment: str = ""


_NON_WEB_SCHEMES = frozenset(
    {
        "about",
        "javascript",
        "data",
        "blob",
        "file",
        "mailto",
        "tel",
        "chrome",
        "edge",
        "view-source",
    }
)


def _parse_referrer(referrer: object) -> _Referrer | None:
    if isinstance(referrer, bytes | bytearray):
        referrer = bytes(referrer[:MAX_REFERRER_LENGTH]).decode("utf-8", "replace")
    if not isinstance(referrer, str):
        return None
    text = wsgi_text(referrer[:MAX_REFERRER_LENGTH]).translate(_URL_TABLE).strip()
    if not text:
        return None

    scheme = ""
    rest = text
    colon = text.find(":")
    if text.startswith("//"):
        scheme, rest = "http", text[2:]
    elif colon > 0:
        candidate = text[:colon].lower()
        if candidate[0].isalpha() and _SCHEME_CHARS.issuperset(candidate):
            scheme, rest = candidate, text[colon + 1 :]

    if scheme in ("http", "https"):
        rest = rest.replace("\\", "/").lstrip("/")
    elif scheme in ("android-app", "ios-app"):
        if not rest.startswith("//"):
            return None
        authority = rest[2:]
        for stop in "/?#":
            authority = authority.partition(stop)[0]
        name = authority.strip().lower()
        if not name or len(name) > MAX_HOST or not _PACKAGE_CHARS.issuperset(name):
            return None
        if scheme == "ios-app" and not name.isdigit():
            return None
        return _Referrer("android" if scheme == "android-app" else "ios", name)
    elif scheme in _NON_WEB_SCHEMES or "://" in text[:64]:
        return None
    else:
        # No scheme at all ("www.google.com/search?q=x"), or a host:port that looks like one.
        head = text
        for stop in "/?#":
            head = head.partition(stop)[0]
        if "." not in head.rpartition("@")[2].partition(":")[0]:
            return None
        rest = text

    authority, sep, remainder = rest, "", ""
    for index, char in enumerate(rest):
        if char in "/?#":
            authority, sep, remainder = rest[:index], char, rest[index + 1 :]
            break
    host = _host_of(authority.rpartition("@")[2])
    if not host:
        return None
    remainder = sep + remainder
    remainder, _, fragment = remainder.partition("#")
    path, _, query = remainder.partition("?")
    return _Referrer("web", host, path, query, fragment)


def referrer_host(referrer: str | None) -> str:
    """Normalized host of a referrer URL ("" when there is none or it cannot be parsed).

    Lowercase ASCII (punycode) without ``www.``, port, userinfo or trailing dot; for
    ``android-app://`` and ``ios-app://`` referrers, the package name or app id.
    """
    try:
        ref = _parse_referrer(referrer)
    except Exception:
        logger.debug("Unparseable referrer", exc_info=True)
        return ""
    return ref.host if ref is not None else ""
