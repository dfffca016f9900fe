"""User-Agent parsing: ua-parser plus token heuristics, cached per distinct User-Agent.

The device type rules and the vocabularies are described in the package docstring.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import replace

import ua_parser

from personalize.tracking.devices.bots import _is_known_bot, _matches_extra_patterns
from personalize.tracking.devices.common import _log_once
from personalize.tracking.devices.device import _EMPTY, _UNSAFE_CHARS_RE, Device, _clean, _version
from personalize.tracking.devices.families import (
    _in_app_browser,
    _in_app_version,
    _is_in_app_family,
    _map_browser,
    _map_os,
)

#: User-Agents are cut to this many characters before anything looks at them.
MAX_UA_LENGTH = 1000
#: Distinct (truncated) User-Agents whose parse result is kept in memory.
PARSE_CACHE_SIZE = 4096

# Substring tests on the lower-cased User-Agent are much faster than one big regular
# expression; the few regular expressions left only run when a substring says they may match.
_MOBILE_OS_TOKENS = ("iphone", "ipod", "windows phone", "iemobile", "windows mobile", "windows ce")
_TV_TOKENS = (
    "smarttv",
    "smart-tv",
    "googletv",
    "androidtv",
    "hbbtv",
    "appletv",
    "bravia",
    "crkey",
    "chromecast",
    "web0s",
    "netcast",
    "roku",
    "xbox",
    "nintendo",
)
_TV_WORD_RE = re.compile(r"(?<![a-z])tv(?![a-z])")
_FIRE_TV_RE = re.compile(r"\bAFT[A-Z]{1,5}\b")  # Fire TV models: AFTMM, AFTKA, AFTT...
_TABLET_TOKENS = ("kindle", "silk/", "playbook", "rim tablet")
_KINDLE_FIRE_RE = re.compile(r"\bKF[A-Z]{2,6}\b")  # Kindle Fire models: KFMAWI, KFTT...
_TABLET_WORD_RE = re.compile(r"tablet(?! pc)")  # "Tablet PC" was sent by Windows desktops
_MOBILE_TOKENS = (
    "mobi",
    "opera mini",
    "kaios",
    "blackberry",
    "bb10",
    "symbian",
    "symbos",
    "j2me",
    "midp",
    "palm",
    "webos",
    "nokia",
    "series60",
    "series 60",
)
_PHONE_WORD_RE = re.compile(r"(?<![a-z])phone(?![a-z])")


def _is_tv(ua: str, lowered: str) -> bool:
    if any(token in lowered for token in _TV_TOKENS):
        return True
    if "playstation" in lowered and "playstation vita" not in lowered:
        return True
    if "tv" in lowered and _TV_WORD_RE.search(lowered):
        return True
    return "AFT" in ua and _FIRE_TV_RE.search(ua) is not None


def _heuristic_type(ua: str, lowered: str) -> str:
    if "ipad" in lowered:
        return "tablet"
    if any(token in lowered for token in _MOBILE_OS_TOKENS):
        return "mobile"
    if _is_tv(ua, lowered):
        return "desktop"
    if (
        any(token in lowered for token in _TABLET_TOKENS)
        or ("KF" in ua and _KINDLE_FIRE_RE.search(ua))
        or ("tablet" in lowered and _TABLET_WORD_RE.search(lowered))
    ):
        return "tablet"
    if "android" in lowered:
        return "mobile" if "mobi" in lowered else "tablet"
    if any(token in lowered for token in _MOBILE_TOKENS) or (
        "phone" in lowered and _PHONE_WORD_RE.search(lowered)
    ):
        return "mobile"
    return "desktop"


def _heuristic_os(ua: str, lowered: str) -> str:
    """The operating system by plain tokens, for when ua-parser cannot tell."""
    if "windows phone" in lowered:
        return "Other"
    if "iphone" in lowered or "ipad" in lowered or "ipod" in lowered:
        return "iOS"
    if "android" in lowered:
        return "Android"
    if "CrOS" in ua:
        return "ChromeOS"
    if "windows" in lowered:
        return "Windows"
    if "mac os x" in lowered or "macintosh" in lowered:
        return "macOS"
    if "linux" in lowered or "x11" in lowered:
        return "Linux"
    return ""


def _frozen_os_version(lowered: str, os_name: str, os_version: str) -> str:
    """``os_version``, or "" when the User-Agent carries a frozen placeholder instead.

    Chrome's reduced User-Agent says ``Android 10; K`` on every Android phone and tablet;
    Safari, Chrome and Firefox say ``Mac OS X 10_15_7`` (``10.15``) on every Mac since
    macOS 11. Neither is the visitor's version.
    """
    if os_name == "Android" and "; k)" in lowered:
        return ""
    if os_name == "macOS" and ("os x 10_15_7" in lowered or "os x 10.15;" in lowered):
        return ""
    return os_version


def parse_user_agent(ua: str) -> Device:
    """Classify a User-Agent string (cut to :data:`MAX_UA_LENGTH` characters).

    The built-in classification is cached (:data:`PARSE_CACHE_SIZE` entries); the
    ``BOT_USER_AGENTS`` setting is applied on top, so ``override_settings`` takes effect at once.
    """
    if isinstance(ua, bytes | bytearray):
        ua = bytes(ua).decode("latin-1")
    if not isinstance(ua, str) or not ua:
        return _EMPTY
    ua = ua[:MAX_UA_LENGTH]
    device = _parse_cached(ua)
    if not device.is_bot and _matches_extra_patterns(ua):
        device = replace(device, is_bot=True)
    return device


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parse_cached(ua: str) -> Device:
    try:
        return _parse(ua)
    except Exception:
        _log_once("parse", logging.ERROR, "User-Agent classification failed", exc_info=True)
        return _EMPTY


def _parse(raw_ua: str) -> Device:
    # Control characters and lone surrogates become spaces (they would break the parser's
    # UTF-8 encoding and have no meaning in a User-Agent anyway).
    ua = _UNSAFE_CHARS_RE.sub(" ", raw_ua).strip()
    if not ua:
        return _EMPTY

    lowered = ua.lower()
    device_type = _heuristic_type(ua, lowered)
    bot = _is_known_bot(lowered)
    browser = "Other"
    browser_version = ""
    os_name = _heuristic_os(ua, lowered)
    os_version = ""

    try:
        result = ua_parser.parse(ua)
    except Exception:
        _log_once(
            "ua-parser",
            logging.ERROR,
            "ua-parser failed; using heuristics for this User-Agent",
            exc_info=True,
        )
        result = None

    if result is not None:
        agent, system, hardware = result.user_agent, result.os, result.device
        if hardware is not None and hardware.family == "Spider":
            bot = True
        if agent is not None:
            browser = _map_browser(agent.family)
            if browser != "Other" and not _is_in_app_family(agent.family):
                browser_version = _version(agent.major)
        if system is not None and system.family:
            os_name = _map_os(system.family)
            os_version = _version(system.major) if os_name != "Other" else ""
        if device_type == "desktop" and hardware is not None and not _is_tv(ua, lowered):
            # ua-parser knows some devices our token rules do not.
            if hardware.family in ("Generic Tablet",) or hardware.brand == "Generic_Android_Tablet":
                device_type = "tablet"
            elif hardware.family in ("Generic Smartphone", "Generic Feature Phone"):
                device_type = "mobile"

    os_version = _frozen_os_version(lowered, os_name, os_version)
    in_app = _in_app_browser(ua)
    if in_app:
        browser = in_app
        browser_version = _in_app_version(ua, in_app)

    return Device(
        type=device_type,
        browser=_clean(browser),
        browser_version=browser_version,
        os=_clean(os_name),
        os_version=os_version,
        is_bot=bot,
    )


def warm_up() -> None:
    """Load ua-parser's data now (about 0.2 s) instead of on the first request."""
    _parse_cached("Mozilla/5.0 (Windows NT 10.0; Win64; x64) personalize-warm-up")
