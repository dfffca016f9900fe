"""Rate limits of the visitor endpoints: per visitor and per client address.

Each limit is a fixed-window counter in the personalize cache (``cache.add`` + ``cache.incr``,
atomic on Redis and Memcached), so concurrent requests are counted exactly. A limit is a
``"<n>/<period>"`` string (``s``, ``min``, ``h``, ``day``): ``PERSONALIZE_API_RATE_PER_VISITOR``
and ``PERSONALIZE_API_RATE_PER_ADDRESS``, read at call time; ``None`` disables one. A value
that is not a rate is logged once and replaced by the default.

The address is never stored: the counter's key holds a keyed hash of it (IPv6 addresses are
counted per /64 network, which one client usually owns whole). Behind a proxy, set
``PERSONALIZE_TRUSTED_PROXIES``, or every visitor shares the proxy's address and its limit.
When the cache fails, requests are let through (and the failure logged once).
"""

from __future__ import annotations

import ipaddress
import math
import time

from django.core.cache import caches
from django.utils.crypto import salted_hmac
from rest_framework.throttling import BaseThrottle

from personalize.conf import DEFAULTS, PREFIX, get_parsed_setting, get_setting
from personalize.tracking.geo import client_ip
from personalize.utils import log_once

#: The spellings of a rate's period, with its length in seconds ("10/month" is refused rather
#: than read as ten a minute).
PERIODS = {
    **dict.fromkeys(("s", "sec", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
}


def parse_rate(rate) -> tuple[int, int] | None:
    """``"120/min"`` -> (120, 60); None for None. Raises ValueError for anything else."""
    if rate is None:
        return None
    if not isinstance(rate, str):
        raise ValueError(f"a rate is a string such as '120/min'; got {rate!r}")
    count, _sep, period = rate.partition("/")
    period = period.strip().lower()
    if not count.strip().isdigit() or period not in PERIODS:
        raise ValueError(f"a rate looks like '120/min' (s, min, hour or day); got {rate!r}")
    return int(count), PERIODS[period]


def configured_rate(name: str) -> tuple[int, int] | None:
    """The rate of setting ``name``, parsed once per settings change.

    A value that is not a rate must not fail every API request: it is logged once and the
    default applies (system check ``personalize.E020`` reports it too).
    """

    def build(value):
        try:
            return parse_rate(value)
        except ValueError as exc:
            log_once(
                ("throttle-rate", name),
                "personalize: %s%s is not a rate (%s); using the default %r.",
                PREFIX,
                name,
                exc,
                DEFAULTS[name],
            )
            return parse_rate(DEFAULTS[name])

    return get_parsed_setting(name, build)


class WindowThrottle(BaseThrottle):
    """A fixed-window request counter; subclasses say whose requests it counts."""

    scope = ""
    setting = ""

    def get_ident(self, request) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        self.retry_after = None
        rate = configured_rate(self.setting)
        if rate is None:
            return True
        ident = self.get_ident(request)
        if ident is None:
            return True
        limit, period = rate
        now = time.time()
        window = int(now // period)
        key = f"personalize:throttle:{self.scope}:{ident}:{window}"
        cache = caches[get_setting("CACHE_ALIAS")]
        try:
            cache.add(key, 0, period + 1)
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: this request opens the window
            count = 1
        except Exception:
            log_once(
                "throttle", "personalize: API rate limits need a working cache.", exc_info=True
            )
            return True
        if count <= limit:
            return True
        self.retry_after = max(1, math.ceil((window + 1) * period - now))
        return False

    def wait(self):
        return self.retry_after


class VisitorRateThrottle(WindowThrottle):
    """Requests of one visitor (by the id in their signed cookie; new visitors have none)."""

    scope = "visitor"
    setting = "API_RATE_PER_VISITOR"

    def get_ident(self, request) -> str | None:
        visitor = getattr(request, "visitor", None)
        return getattr(visitor, "cookie_id", None)


class AddressRateThrottle(WindowThrottle):
    """Requests from one client address (kept only as a keyed hash)."""

    scope = "address"
    setting = "API_RATE_PER_ADDRESS"

    def get_ident(self, request) -> str | None:
        address = client_ip(request.META)
        if not address:
            return None
        ip = ipaddress.ip_address(address)
        if ip.version == 6 and ip.ipv4_mapped is None:
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        return salted_hmac("personalize.api.throttle", address, algorithm="sha256").hexdigest()[:32]
