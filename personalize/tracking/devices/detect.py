"""What callers ask about a request's device, from a ``request.META``-like mapping."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from personalize.conf import clear_cache
from personalize.tracking.devices.bots import _compile_patterns
from personalize.tracking.devices.common import _MAX_HINT_LENGTH, _log_once
from personalize.tracking.devices.device import _EMPTY, Device
from personalize.tracking.devices.hints import _apply_client_hints_cached
from personalize.tracking.devices.useragent import _parse_cached, parse_user_agent
from personalize.tracking.headers import raw_header as _header


def detect_device(meta: Mapping[str, Any]) -> Device:
    """The visitor's :class:`Device` from a ``request.META``-like mapping. Never raises."""
    try:
        device = parse_user_agent(_header(meta, "HTTP_USER_AGENT"))
        mobile = _header(meta, "HTTP_SEC_CH_UA_MOBILE")
        platform = _header(meta, "HTTP_SEC_CH_UA_PLATFORM")
        brands = _header(meta, "HTTP_SEC_CH_UA")
        if mobile or platform or brands:
            device = _apply_client_hints_cached(
                device,
                mobile[:_MAX_HINT_LENGTH],
                platform[:_MAX_HINT_LENGTH],
                _header(meta, "HTTP_SEC_CH_UA_PLATFORM_VERSION")[:_MAX_HINT_LENGTH],
                brands[:_MAX_HINT_LENGTH],
            )
        return device
    except Exception:
        _log_once("detect", logging.ERROR, "Device detection failed", exc_info=True)
        return _EMPTY


def is_bot(meta: Mapping[str, Any]) -> bool:
    """True when the request's User-Agent belongs to a crawler, unfurler or monitor."""
    try:
        return parse_user_agent(_header(meta, "HTTP_USER_AGENT")).is_bot
    except Exception:
        _log_once("is-bot", logging.ERROR, "Bot detection failed", exc_info=True)
        return False


def clear_caches() -> None:
    """Forget cached parse results and compiled ``BOT_USER_AGENTS`` patterns."""
    clear_cache()
    _parse_cached.cache_clear()
    _apply_client_hints_cached.cache_clear()
    _compile_patterns.cache_clear()
