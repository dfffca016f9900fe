import io
import re

import pytest
from django.core.cache import caches
from django.test import Client

from personalize.engine import snapshot
from personalize.services import slots
from personalize.sinks import get_sink
from personalize.store import get_store
from personalize.utils import reset_log_once

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
SLOT_MARKUP = re.compile(r'data-personalize-slot="([^"]+)" data-personalize-variant="([^"]+)"')


def clear_cache(cache) -> None:
    """Empty ``cache``. On Redis, delete only this run's keys (its ``KEY_PREFIX``): Django's
    ``clear()`` there is FLUSHDB, which would also wipe what other test runs and applications
    keep in the same database (their event buffers included)."""
    backend = getattr(cache, "_cache", None)  # through django.core.cache.cache's proxy too
    if not hasattr(backend, "get_client"):  # not Redis
        cache.clear()
        return
    prefix = cache.key_prefix
    if not prefix:
        raise RuntimeError("a Redis cache of the tests needs a KEY_PREFIX of its own")
    client = backend.get_client(write=True)
    pattern = re.sub(r"([\\*?\[\]])", r"\\\1", prefix) + ":*"
    keys = list(client.scan_iter(match=pattern, count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


@pytest.fixture(autouse=True, scope="session")
def _no_keys_left_behind():
    """The run's cache keys are deleted at the end too (some never expire)."""
    yield
    for cache in caches.all():
        clear_cache(cache)


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts with an empty cache, no snapshot, no log-once memory and a profile
    store that has seen no cache failure."""
    for cache in caches.all():
        clear_cache(cache)
    store_breaker = getattr(get_store(), "breaker", None)
    if store_breaker is not None:
        store_breaker.success()
    snapshot.reset()
    slots.forget_registered()
    reset_log_once()
    get_sink().stats.reset()
    yield
    snapshot.reset()


def shown(response) -> dict[str, str]:
    """slot key -> variant slug rendered in a response."""
    return dict(SLOT_MARKUP.findall(response.content.decode()))


@pytest.fixture
def demo(db):
    """The Fairway Golf demo (segments, intents, slots, variants, products), loaded as
    ``make demo`` loads it, without the editor account."""
    from django.core.management import call_command

    call_command("loaddemo", "--no-admin", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def use_sink(settings):
    """``use_sink(path)``: make ``path`` the event sink and return a fresh instance of it.

    Set any other setting the sink reads before calling. The memoized sink is forgotten again
    afterwards, so later tests get the sink of their own settings."""
    from personalize import sinks

    def use(path: str):
        settings.PERSONALIZE_EVENT_SINK = path
        sinks._sink_for.cache_clear()
        return sinks.get_sink()

    yield use
    sinks._sink_for.cache_clear()


@pytest.fixture
def memory_sink(use_sink):
    """A sink that only keeps the batches it is given (``sink.batches``), so a request runs no
    query of its own for events."""
    return use_sink("tests.scale.helpers.MemorySink")


@pytest.fixture
def browser():
    return Client(HTTP_USER_AGENT=DESKTOP, HTTP_ACCEPT="text/html,application/xhtml+xml")
