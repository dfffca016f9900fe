"""Client Hints (Chromium browsers): refining the device the User-Agent describes.

Client Hints refine the device type rules when present: ``Sec-CH-UA-Mobile: ?1`` → mobile;
``?0`` with ``Sec-CH-UA-Platform: "Android"`` → tablet (a phone using "request desktop site"
looks the same and is reported as a tablet too); ``?0`` with a desktop platform → desktop.
``Sec-CH-UA-Platform`` replaces the operating system (and ``Sec-CH-UA-Platform-Version``
its version, Windows 11 included) and a specific ``Sec-CH-UA`` brand (Brave, Edge, Opera...)
replaces a browser that the User-Agent could only call Chrome.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import Any

from personalize.tracking.devices.common import _MAX_HINT_LENGTH
from personalize.tracking.devices.device import Device, _version
from personalize.tracking.devices.useragent import PARSE_CACHE_SIZE

_PLATFORMS = {
    "android": "Android",
    "chrome os": "ChromeOS",
    "chromium os": "ChromeOS",
    "ios": "iOS",
    "linux": "Linux",
    "macos": "macOS",
    "windows": "Windows",
    "fuchsia": "Other",
}
_DESKTOP_PLATFORMS = frozenset({"ChromeOS", "Linux", "macOS", "Windows"})

_BRANDS = {
    "brave": "Brave",
    "microsoft edge": "Edge",
    "opera": "Opera",
    "opera gx": "Opera",
    "yandex": "Yandex Browser",
    "yabrowser": "Yandex Browser",
    "samsung internet": "Samsung Internet",
    "vivaldi": "Vivaldi",
    "android webview": "WebView",
    "google chrome": "Chrome",
    "headlesschrome": "Chrome",
}
_BRAND_RE = re.compile(r'"([^"]{1,64})"\s*;\s*v\s*=\s*"([^"]{0,32})"')


def _unquote_hint(value: str) -> str:
    return value[:_MAX_HINT_LENGTH].strip().strip('"').strip()


def _brand_browser(header: str) -> tuple[str, str]:
    """The most specific browser named in a ``Sec-CH-UA`` brand list, with its major version."""
    best, best_version = "", ""
    for name, version in _BRAND_RE.findall(header[:_MAX_HINT_LENGTH]):
        mapped = _BRANDS.get(name.strip().lower())
        if mapped is None:
            continue  # "Chromium" and GREASE brands such as "Not-A.Brand"
        if mapped != "Chrome" or not best:
            best, best_version = mapped, _version(version)
    return best, best_version


def _apply_client_hints(
    device: Device, mobile: str, platform: str, platform_version: str, brands: str
) -> Device:
    changes: dict[str, Any] = {}

    os_name = _PLATFORMS.get(_unquote_hint(platform).lower()) if platform else None
    if os_name is not None and os_name != device.os:
        changes["os"] = os_name
        changes["os_version"] = ""
    effective_os = os_name or device.os
    if os_name is not None and platform_version:
        major = _version(_unquote_hint(platform_version))
        if major:
            if effective_os == "Windows":
                # Windows reports its UniversalApiContract version: 13+ is Windows 11.
                major = "11" if int(major) >= 13 else ("10" if int(major) >= 1 else "")
            if major:
                changes["os_version"] = major

    hint = _unquote_hint(mobile) if mobile else ""
    if hint == "?1":
        changes["type"] = "mobile"
    elif hint == "?0":
        if os_name == "Android":
            changes["type"] = "tablet"
        elif os_name in _DESKTOP_PLATFORMS:
            changes["type"] = "desktop"

    if brands and device.browser in ("Chrome", "Other", ""):
        brand, brand_version = _brand_browser(brands)
        if brand and brand != device.browser:
            changes["browser"] = brand
            changes["browser_version"] = brand_version
        elif brand and not device.browser_version and brand_version:
            changes["browser_version"] = brand_version

    if not changes:
        return device
    return replace(device, **changes)


_apply_client_hints_cached = functools.lru_cache(maxsize=PARSE_CACHE_SIZE)(_apply_client_hints)
