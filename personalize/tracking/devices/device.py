"""The :class:`Device` value, its vocabularies, and the cleaning of its fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEVICE_TYPES = ("mobile", "tablet", "desktop")

BROWSERS = (
    "Chrome",
    "Safari",
    "Firefox",
    "Edge",
    "Opera",
    "Samsung Internet",
    "Brave",
    "Vivaldi",
    "Yandex Browser",
    "UC Browser",
    "Silk",
    "IE",
    "Facebook",
    "Instagram",
    "LinkedIn",
    "WebView",
    "Other",
)

OPERATING_SYSTEMS = ("iOS", "Android", "Windows", "macOS", "Linux", "ChromeOS", "Other")

#: Every string field of a :class:`Device` is at most this long.
MAX_FIELD_LENGTH = 50

# C0/C1 control characters (NUL included) and lone surrogates: never let them through.
_UNSAFE_CHARS_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_VERSION_RE = re.compile(r"\d{1,10}")


def _clean(value: Any, limit: int = MAX_FIELD_LENGTH) -> str:
    """Return ``value`` as a printable, stripped string of at most ``limit`` characters."""
    if not isinstance(value, str):
        return ""
    return _UNSAFE_CHARS_RE.sub("", value).strip()[:limit]


def _version(value: Any) -> str:
    """The leading digits of ``value`` (a major version), or ``""``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str):
        return ""
    match = _VERSION_RE.match(value.strip())
    return match.group() if match else ""


@dataclass(frozen=True, slots=True)
class Device:
    """What we know about the visitor's device, from request headers only."""

    type: str = "desktop"
    browser: str = ""
    browser_version: str = ""
    os: str = ""
    os_version: str = ""
    is_bot: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "browser": self.browser,
            "browser_version": self.browser_version,
            "os": self.os,
            "os_version": self.os_version,
            "is_bot": self.is_bot,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Device:
        """Rebuild a device from :meth:`as_dict` output; anything unexpected becomes a default."""
        if not isinstance(data, Mapping):
            return cls()
        try:
            device_type = data.get("type")
            is_bot = data.get("is_bot")
            return cls(
                type=device_type if device_type in DEVICE_TYPES else "desktop",
                browser=_clean(data.get("browser")),
                browser_version=_version(data.get("browser_version")),
                os=_clean(data.get("os")),
                os_version=_version(data.get("os_version")),
                is_bot=is_bot is True or is_bot == 1 or is_bot in ("1", "true", "True"),
            )
        except Exception:
            # A hostile mapping (raising __getitem__, unhashable values...) gives a default.
            return cls()


_EMPTY = Device()
