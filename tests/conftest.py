import pytest

from personalize.engine import snapshot
from personalize.services import slots
from personalize.utils import reset_log_once


@pytest.fixture(autouse=True)
def _fresh_state(settings):
    """Each test starts with an empty cache, no snapshot and no log-once memory."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    snapshot.reset()
    slots.forget_registered()
    reset_log_once()
    yield
    snapshot.reset()
