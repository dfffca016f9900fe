"""The Redis event buffer shared by :class:`personalize.sinks.BufferedSink` (append) and
:mod:`personalize.services.buffer` (drain).

Keys, all derived from ``PERSONALIZE_BUFFER_KEY`` (``K``):

``K``                    list of JSON batches waiting to be ingested (oldest at the head)
``K:processing:<token>`` a chunk claimed by one drain, until its database commit
``K:leases``             hash ``token -> claim time`` (Redis clock) of the chunks in flight
``K:dropped``            batches refused because the list was full
``K:dead``               batches that could not be ingested, kept for inspection (capped)

Every multi-step change is one Lua script, so it is atomic and costs one round trip. On Redis
Cluster, give ``PERSONALIZE_BUFFER_KEY`` a hash tag (``{personalize}:events``) so the keys share
a slot.
"""

from __future__ import annotations

import functools
import os
import threading
import time

from django.conf import settings

from personalize.conf import get_setting

#: Read/connect timeout of the drain side (a worker, not a request).
WORKER_TIMEOUT = 10.0
#: Dead batches kept for inspection.
MAX_DEAD = 10_000
REDIS_CACHE_BACKENDS = ("RedisCache",)

# KEYS: list, dropped counter; ARGV: max length, batch... -> number of batches accepted.
PUSH = """
local room = tonumber(ARGV[1]) - redis.call('LLEN', KEYS[1])
local n = #ARGV - 1
local take = math.min(math.max(room, 0), n)
for i = 2, take + 1, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, take + 1)))
end
if take < n then redis.call('INCRBY', KEYS[2], n - take) end
return take
"""

# KEYS: list, processing list, leases; ARGV: count, token -> the claimed batches.
CLAIM = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return items end
redis.call('LTRIM', KEYS[1], #items, -1)
for i = 1, #items, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(items, i, math.min(i + 999, #items)))
end
redis.call('HSET', KEYS[3], ARGV[2], redis.call('TIME')[1])
return items
"""

# KEYS: list, processing list, leases; ARGV: token -> batches put back at the head, in order.
REQUEUE = """
local n = 0
while redis.call('RPOPLPUSH', KEYS[2], KEYS[1]) do n = n + 1 end
redis.call('HDEL', KEYS[3], ARGV[1])
return n
"""


def buffer_url() -> str | None:
    """The Redis URL of the buffer.

    ``PERSONALIZE_BUFFER_REDIS_URL`` if set; else the ``LOCATION`` of the personalize cache
    alias when that cache is a Redis cache (the profile store's Redis); else the ``REDIS_URL``
    environment variable; else None.
    """
    url = get_setting("BUFFER_REDIS_URL")
    if url:
        return url
    cache = getattr(settings, "CACHES", {}).get(get_setting("CACHE_ALIAS"), {})
    if cache.get("BACKEND", "").endswith(REDIS_CACHE_BACKENDS):
        location = cache.get("LOCATION")
        if isinstance(location, list | tuple):
            location = location[0] if location else None
        if isinstance(location, str) and location:
            return location.split(",")[0].strip()
    return os.environ.get("REDIS_URL") or None


@functools.lru_cache(maxsize=16)
def _client(url: str, timeout: float):
    import redis

    pool = redis.ConnectionPool.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        health_check_interval=0,
    )
    # Built on a pool, the client makes no retries: one failed call costs one timeout.
    return redis.Redis(connection_pool=pool)


def get_client(*, worker: bool = False):
    """A redis-py client for the buffer; short timeouts unless ``worker``. None without a URL."""
    url = buffer_url()
    if not url:
        return None
    timeout = WORKER_TIMEOUT if worker else float(get_setting("BUFFER_SOCKET_TIMEOUT"))
    return _client(url, timeout)


@functools.lru_cache(maxsize=64)
def _script(client, source: str):
    return client.register_script(source)


def run(client, source: str, keys: list[str], args: list):
    """Run a Lua script (EVALSHA, loading it once if the server does not know it)."""
    return _script(client, source)(keys=keys, args=args)


class Keys:
    """Names of the buffer's keys, from ``PERSONALIZE_BUFFER_KEY`` read at call time."""

    def __init__(self, base: str | None = None):
        self.base = base or get_setting("BUFFER_KEY")

    @property
    def list(self) -> str:
        return self.base

    @property
    def leases(self) -> str:
        return f"{self.base}:leases"

    @property
    def dropped(self) -> str:
        return f"{self.base}:dropped"

    @property
    def dead(self) -> str:
        return f"{self.base}:dead"

    def processing(self, token: str) -> str:
        return f"{self.base}:processing:{token}"


class CircuitBreaker:
    """Skip a failing dependency for ``interval`` seconds after a failure.

    Closed: every caller tries. Open: nobody tries until the interval has passed. Then one
    caller (the first to ask) makes a trial call while the others keep skipping; success closes
    the breaker, failure opens it again. A down dependency thus costs one timeout per interval
    per process, not one per request.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        return self._open_until > 0.0

    def allow(self, interval: float) -> bool:
        if not self._open_until:  # closed: the usual case, no lock to take
            return True
        now = time.monotonic()
        with self._lock:
            if not self._open_until:
                return True
            if now < self._open_until:
                return False
            self._open_until = now + interval  # this caller makes the trial call
            return True

    def success(self) -> None:
        with self._lock:
            self._open_until = 0.0

    def failure(self, interval: float) -> None:
        with self._lock:
            self._open_until = time.monotonic() + interval
