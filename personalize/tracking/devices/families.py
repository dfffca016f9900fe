"""ua-parser's browser and OS families mapped to our small, stable vocabulary; in-app browsers."""

from __future__ import annotations

import re

_BROWSER_FAMILIES = {
    "chrome": "Chrome",
    "chrome mobile": "Chrome",
    "chrome mobile ios": "Chrome",
    "chromium": "Chrome",
    "headlesschrome": "Chrome",
    "chrome frame": "Chrome",
    "safari": "Safari",
    "mobile safari": "Safari",
    "firefox": "Firefox",
    "firefox mobile": "Firefox",
    "firefox ios": "Firefox",
    "firefox focus": "Firefox",
    "firefox beta": "Firefox",
    "firefox alpha": "Firefox",
    "edge": "Edge",
    "edge mobile": "Edge",
    "opera": "Opera",
    "opera mini": "Opera",
    "opera mobile": "Opera",
    "opera gx": "Opera",
    "opera touch": "Opera",
    "opera coast": "Opera",
    "samsung internet": "Samsung Internet",
    "brave": "Brave",
    "vivaldi": "Vivaldi",
    "yandex browser": "Yandex Browser",
    "uc browser": "UC Browser",
    "ucbrowser": "UC Browser",
    "uc browser mini": "UC Browser",
    "amazon silk": "Silk",
    "silk": "Silk",
    "ie": "IE",
    "ie mobile": "IE",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "chrome mobile webview": "WebView",
    "mobile safari ui/wkwebview": "WebView",
}

#: Other apps' in-app browsers (ua-parser families, lowercase): reported as ``WebView``, without
#: a version (the app's version is not a browser version).
_IN_APP_FAMILIES = frozenset(
    {"tiktok", "wechat browser", "wechat", "snapchat", "pinterest", "line", "twitter", "kakaotalk"}
)

_OS_FAMILIES = {
    "ios": "iOS",
    "ipados": "iOS",
    "android": "Android",
    "fire os": "Android",
    "windows": "Windows",
    "mac os x": "macOS",
    "macos": "macOS",
    "chrome os": "ChromeOS",
    "chromium os": "ChromeOS",
    "linux": "Linux",
    "ubuntu": "Linux",
    "kubuntu": "Linux",
    "xubuntu": "Linux",
    "lubuntu": "Linux",
    "debian": "Linux",
    "fedora": "Linux",
    "red hat": "Linux",
    "centos": "Linux",
    "suse": "Linux",
    "opensuse": "Linux",
    "mint": "Linux",
    "linux mint": "Linux",
    "arch linux": "Linux",
    "gentoo": "Linux",
    "slackware": "Linux",
    "mandriva": "Linux",
    "manjaro": "Linux",
}


def _in_app_browser(ua: str) -> str:
    if "FBAN/" in ua or "FBAV/" in ua or "FB_IAB/" in ua:
        return "Facebook"
    if "Instagram" in ua:
        return "Instagram"
    if "LinkedInApp" in ua:
        return "LinkedIn"
    return ""


def _map_browser(family: str | None) -> str:
    if not family:
        return "Other"
    lowered = family.lower()
    mapped = _BROWSER_FAMILIES.get(lowered)
    if mapped:
        return mapped
    if lowered == "facebook" or lowered.startswith("facebook "):  # not "FacebookBot"
        return "Facebook"
    if lowered in _IN_APP_FAMILIES:
        return "WebView"
    return "Other"


def _is_in_app_family(family: str | None) -> bool:
    return bool(family) and family.lower() in _IN_APP_FAMILIES


def _map_os(family: str | None) -> str:
    if not family:
        return ""
    lowered = family.lower()
    mapped = _OS_FAMILIES.get(lowered)
    if mapped:
        return mapped
    if lowered.startswith("windows") and "phone" not in lowered and "mobile" not in lowered:
        return "Windows"  # "Windows 10", "Windows XP"... in older regex data
    return "Other"


_IN_APP_VERSION_RES = {
    "Facebook": re.compile(r"FBAV/(\d{1,10})"),
    "Instagram": re.compile(r"Instagram (\d{1,10})"),
    "LinkedIn": re.compile(r"LinkedInApp\]?/(\d{1,10})"),
}


def _in_app_version(ua: str, browser: str) -> str:
    match = _IN_APP_VERSION_RES[browser].search(ua)
    return match.group(1) if match else ""
