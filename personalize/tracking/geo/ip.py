"""The client address, from ``REMOTE_ADDR`` and, behind trusted proxies, ``X-Forwarded-For``.

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
from collections.abc import Mapping
from typing import Any

from personalize.conf import get_parsed_setting
from personalize.tracking.geo.common import _log_once
from personalize.tracking.headers import raw_header as _header

#: Addresses whose lookup result is kept in memory, per resolver.
LOOKUP_CACHE_SIZE = 4096
#: At most this many ``X-Forwarded-For`` entries are examined.
MAX_FORWARDED_HOPS = 32

_MAX_IP_LENGTH = 64  # longest IPv6 text with zone, brackets and port is well under this


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
    return get_parsed_setting("TRUSTED_PROXIES", _build_trusted_proxies)


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
