"""Small helpers used across the package."""

from __future__ import annotations

import hashlib
import logging
import threading

logger = logging.getLogger("personalize")

_logged: set = set()
_logged_lock = threading.Lock()
MAX_LOGGED_KEYS = 10_000


def log_once(key, message: str, *args, level=logging.ERROR, exc_info=False) -> None:
    """Log ``message`` the first time ``key`` is seen in this process (bounded memory).

    Failures on the hot path (a broken rule, a down cache) would otherwise log on every
    request; once per cause is enough to notice and fix them.
    """
    with _logged_lock:
        if key in _logged:
            return
        if len(_logged) >= MAX_LOGGED_KEYS:
            _logged.clear()
        _logged.add(key)
    logger.log(level, message, *args, exc_info=exc_info)


def reset_log_once() -> None:
    with _logged_lock:
        _logged.clear()


def bucket(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) for the given parts (sticky assignment)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
