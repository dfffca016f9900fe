"""Helpers the device modules share."""

from __future__ import annotations

from typing import Any

from personalize.utils import log_once

# Client Hint headers are short; anything longer is cut before parsing.
_MAX_HINT_LENGTH = 256


# Log-once keys are named after the package: one set for all of its modules.
def _log_once(key: str, level: int, msg: str, *args: Any, exc_info: bool = False) -> None:
    """Log ``msg`` the first time ``key`` is seen in this process, stay quiet afterwards."""
    log_once(f"{__package__}:{key}", msg, *args, level=level, exc_info=exc_info)
