"""Helpers the geo modules share: log-once, cached settings, reading a header from META."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from personalize.conf import PREFIX, get_setting
from personalize.utils import log_once


# Log-once keys and the dispatch uid below are named after the package: one set for all of
# its modules.
def _log_once(key: str, level: int, msg: str, *args: Any, exc_info: bool = False) -> None:
    """Log ``msg`` the first time ``key`` is seen in this process, stay quiet afterwards."""
    log_once(f"{__package__}:{key}", msg, *args, level=level, exc_info=exc_info)


def _header(meta: Mapping[str, Any], key: str) -> str:
    value = meta.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    return ""


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


@receiver(setting_changed, dispatch_uid=f"{__package__}.settings")
def _on_setting_changed(*, setting: str = "", **kwargs: Any) -> None:
    if setting.startswith(PREFIX):
        _settings_generation[0] += 1
        _settings_cache.clear()
