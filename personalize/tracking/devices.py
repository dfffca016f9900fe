"""Technographics: device type, browser, operating system and bot detection.

Everything here works from request headers only (a ``request.META``-like mapping) and never
raises: hostile or broken input gives a plain desktop :class:`Device`.

Vocabulary
----------
``Device.type`` is one of :data:`DEVICE_TYPES`. ``Device.browser`` is one of
:data:`BROWSERS` (``""`` when there is no User-Agent at all) and ``Device.os`` one of
:data:`OPERATING_SYSTEMS` (``""`` when unknown). Versions are major versions, digits only.
The vocabularies are deliberately small and stable so that segment rules written against them
keep matching when parser data changes:

* ``Chrome`` also covers Chromium, Chrome on iOS (CriOS) and HeadlessChrome; ``Safari`` covers
  Mobile Safari; ``Firefox`` covers Firefox for Android/iOS; ``Edge`` and ``IE`` cover their
  mobile variants; ``Opera`` covers Opera Mini/Mobile/GX; ``Silk`` is Amazon's browser.
* ``Facebook`` (incl. Messenger), ``Instagram`` and ``LinkedIn`` are those apps' in-app
  browsers; ``WebView`` is any other embedded browser (Android WebView, iOS WKWebView).
* ``Other`` is any other browser or client (including bots and HTTP libraries).
* There is no ``iPadOS``: iPads report ``iOS`` and are told apart by ``type == "tablet"``.
  Windows Phone, KaiOS, BlackBerry, Tizen, webOS, FreeBSD... are ``Other``.

Device type rules (first match wins)
------------------------------------
1. ``iPad`` → tablet. iPadOS 13+ Safari asks for the desktop site by default and sends a
   User-Agent identical to macOS Safari: such iPads are indistinguishable from Macs and are
   reported as desktop/macOS.
2. ``iPhone``/``iPod`` → mobile; Windows Phone / IEMobile → mobile.
3. Smart TVs, streaming sticks and game consoles (SmartTV, Tizen/webOS TV, Android TV,
   Fire TV, Chromecast, PlayStation, Xbox, Nintendo...) → desktop (large, lean-back screens).
4. Kindle, Silk, PlayBook and a ``Tablet`` token (but not the old ``Tablet PC`` token that
   ordinary Windows desktops sent) → tablet.
5. Android with ``Mobi`` → mobile; Android without it → tablet (Google's guidance for
   Android browsers).
6. ``Mobi``, Opera Mini, KaiOS, BlackBerry/BB10, Symbian, J2ME/MIDP... → mobile.
7. Otherwise desktop, including an empty User-Agent: Django's test client sends none and
   must be treated as an ordinary visitor.

Client Hints (Chromium browsers) refine this when present: ``Sec-CH-UA-Mobile: ?1`` → mobile;
``?0`` with ``Sec-CH-UA-Platform: "Android"`` → tablet (a phone using "request desktop site"
looks the same and is reported as a tablet too); ``?0`` with a desktop platform → desktop.
``Sec-CH-UA-Platform`` replaces the operating system (and ``Sec-CH-UA-Platform-Version``
its version, Windows 11 included) and a specific ``Sec-CH-UA`` brand (Brave, Edge, Opera...)
replaces a browser that the User-Agent could only call Chrome.

Bots
----
A client is a bot when ua-parser classifies it as a ``Spider``, when it matches
:data:`BOT_TOKENS` (search engines, social link unfurlers, SEO and AI crawlers, uptime
monitors and audit tools, plus the whole words bot/crawler/crawl/spider/scraper), or when it
matches one of the ``PERSONALIZE_BOT_USER_AGENTS`` regular expressions (searched
case-insensitively; an invalid pattern is logged once and ignored). Policy:

* anything that fetches pages without a person looking at them in a browser is a bot, even
  when it acts for a person (ChatGPT-User, Perplexity-User, Claude-User, Google-Read-Aloud);
* headless browsers (HeadlessChrome, PhantomJS) are *not* bots: end-to-end tests drive them;
* generic HTTP libraries (curl, python-requests, Go-http-client, okhttp...) are *not* bots:
  apps and scripts use them for real traffic. Add them through ``BOT_USER_AGENTS``
  (e.g. ``r"^curl/"``) to exclude them.

Prefetch and prerender
----------------------
:func:`is_prefetch` is true for every speculative request: ``Sec-Purpose: prefetch`` (with or
without the ``prerender`` or ``anonymous-client-ip`` parameters), ``Purpose: prefetch``,
``X-Purpose: prefetch|preview`` and ``X-Moz: prefetch``. Such a page may never be shown, so it
should not be counted as a view. A prerendered page (:func:`is_prerender`) *is* shown if the
visitor navigates to it, so it should still be personalized normally; only counting the view
must wait (the browser fires ``prerenderingchange`` on activation).

Performance
-----------
User-Agents are cut to :data:`MAX_UA_LENGTH` characters and their classification is cached
(:data:`PARSE_CACHE_SIZE` distinct values, Client Hint combinations likewise), so a warm call
takes about a microsecond; an unseen User-Agent costs a few tens of microseconds. ua-parser
loads its data on first use (about 0.2 s): call :func:`warm_up` to pay that before the first
request. ``BOT_USER_AGENTS`` patterns are searched on every call (not cached), so keep them
simple.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import ua_parser
from django.core.signals import setting_changed
from django.dispatch import receiver

from personalize.conf import PREFIX, get_setting
from personalize.utils import log_once

__all__ = [
    "BOT_TOKENS",
    "BROWSERS",
    "DEVICE_TYPES",
    "OPERATING_SYSTEMS",
    "Device",
    "detect_device",
    "is_bot",
    "is_prefetch",
    "is_prerender",
    "parse_user_agent",
]

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

#: User-Agents are cut to this many characters before anything looks at them.
MAX_UA_LENGTH = 1000
#: Every string field of a :class:`Device` is at most this long.
MAX_FIELD_LENGTH = 50
#: Distinct (truncated) User-Agents whose parse result is kept in memory.
PARSE_CACHE_SIZE = 4096
# Client Hint headers are short; anything longer is cut before parsing.
_MAX_HINT_LENGTH = 256

# C0/C1 control characters (NUL included) and lone surrogates: never let them through.
_UNSAFE_CHARS_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_VERSION_RE = re.compile(r"\d{1,10}")


# --------------------------------------------------------------------------------------------
# Logging helpers


def _log_once(key: str, level: int, msg: str, *args: Any, exc_info: bool = False) -> None:
    """Log ``msg`` the first time ``key`` is seen in this process, stay quiet afterwards."""
    log_once(f"{__name__}:{key}", msg, *args, level=level, exc_info=exc_info)


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


@receiver(setting_changed, dispatch_uid=f"{__name__}.settings")
def _on_setting_changed(*, setting: str = "", **kwargs: Any) -> None:
    if setting.startswith(PREFIX):
        _settings_generation[0] += 1
        _settings_cache.clear()


# --------------------------------------------------------------------------------------------
# Cleaning helpers


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


def _header(meta: Mapping[str, Any], key: str) -> str:
    """A header from a META-like mapping as a string (WSGI gives latin-1 decoded text)."""
    value = meta.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    return ""


# --------------------------------------------------------------------------------------------
# Device


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


# --------------------------------------------------------------------------------------------
# Bot patterns

#: Lower-case fragments of known bots' User-Agents, searched anywhere (case-insensitively).
#: Besides these, a User-Agent is a bot when it contains one of the whole words bot, crawler,
#: crawl, spider or scraper, starts with ``WhatsApp/`` (link previews) or names one of
#: Yandex's robots (but not Yandex Browser).
BOT_TOKENS: tuple[str, ...] = (
    # Search engines and their helpers.
    "googlebot",
    "google-inspectiontool",
    "googleother",
    "google-extended",
    "adsbot-google",
    "mediapartners-google",
    "apis-google",
    "feedfetcher-google",
    "storebot-google",
    "google-read-aloud",
    "google-pagerenderer",
    "google favicon",
    "google-site-verification",
    "google-safety",
    "bingbot",
    "bingpreview",
    "msnbot",
    "adidxbot",
    "applebot",
    "duckduckbot",
    "duckassistbot",
    "baiduspider",
    "seznambot",
    "qwantify",
    "qwantbot",
    "exabot",
    "yahoo! slurp",
    "petalbot",
    "coccocbot",
    "mojeekbot",
    # Social networks and chat apps unfurling links.
    "facebookexternalhit",
    "facebookcatalog",
    "facebot",
    "meta-externalagent",
    "meta-externalfetcher",
    "twitterbot",
    "linkedinbot",
    "slackbot",
    "slack-imgproxy",
    "discordbot",
    "telegrambot",
    "skypeuripreview",
    "iframely",
    "embedly",
    "redditbot",
    "pinterestbot",
    "pinterest/0.",
    "vkshare",
    "bluesky cardyb",
    "(mastodon/",
    # SEO tools.
    "ahrefsbot",
    "ahrefssiteaudit",
    "semrushbot",
    "siteauditbot",
    "mj12bot",
    "dotbot",
    "rogerbot",
    "screaming frog",
    "blexbot",
    "serpstatbot",
    "dataforseobot",
    "barkrowler",
    # AI crawlers and assistants fetching pages (also when acting for a person).
    "gptbot",
    "chatgpt-user",
    "oai-searchbot",
    "claudebot",
    "claude-web",
    "claude-user",
    "claude-searchbot",
    "anthropic-ai",
    "perplexitybot",
    "perplexity-user",
    "ccbot",
    "bytespider",
    "amazonbot",
    "cohere-ai",
    "diffbot",
    "youbot",
    "timpibot",
    "imagesiftbot",
    # Uptime monitors, synthetic checks and audits.
    "uptimerobot",
    "pingdom",
    "statuscake",
    "site24x7",
    "datadogsynthetics",
    "newrelicpinger",
    "betteruptime",
    "better uptime",
    "uptime-kuma",
    "checkly",
    "freshping",
    "hetrixtools",
    "chrome-lighthouse",
    # Archivers.
    "ia_archiver",
    "archive.org_bot",
)

# Run on the lower-cased User-Agent, and only when a cheap substring test says it may match.
_BOT_WORD_RE = re.compile(r"(?<![a-z0-9])(?:bot|crawler|crawl|spider|scraper)(?![a-z])")
_YANDEX_BOT_RE = re.compile(
    r"yandex(?:bot|images|metrika|mobilebot|accessibilitybot|renderresourcesbot|favicons"
    r"|video|media|webmaster|directdyn|screenshotbot)"
)


def _is_known_bot(lowered: str) -> bool:
    """Built-in bot detection on a lower-cased User-Agent (pure substring tests first)."""
    for token in BOT_TOKENS:
        if token in lowered:
            return True
    if lowered.startswith("whatsapp/"):
        return True
    if "yandex" in lowered and _YANDEX_BOT_RE.search(lowered):
        return True
    return (
        "bot" in lowered or "crawl" in lowered or "spider" in lowered or "scraper" in lowered
    ) and _BOT_WORD_RE.search(lowered) is not None


def _extra_bot_patterns() -> tuple[re.Pattern[str], ...]:
    """The compiled ``BOT_USER_AGENTS`` setting (cached until a setting changes)."""
    return _setting("BOT_USER_AGENTS", _build_extra_bot_patterns)


def _build_extra_bot_patterns(value: Any) -> tuple[re.Pattern[str], ...]:
    if not value:
        return ()
    if isinstance(value, str | re.Pattern):
        value = (value,)
    try:
        key = tuple(value)
        return _compile_patterns(key)
    except TypeError:  # not iterable, or an unhashable entry: compile without caching
        try:
            return _compile_patterns.__wrapped__(tuple(value))
        except TypeError:
            _log_once(
                "bot-setting-type",
                logging.WARNING,
                "PERSONALIZE_BOT_USER_AGENTS must be a list of regular expressions; ignored.",
            )
            return ()


@functools.lru_cache(maxsize=16)
def _compile_patterns(patterns: tuple[Any, ...]) -> tuple[re.Pattern[str], ...]:
    compiled: list[re.Pattern[str]] = []
    for pattern in patterns:
        if isinstance(pattern, re.Pattern):
            compiled.append(pattern)
            continue
        if not isinstance(pattern, str):
            _log_once(
                f"bot-pattern-type:{pattern!r:.200}",
                logging.WARNING,
                "Ignoring PERSONALIZE_BOT_USER_AGENTS entry %r: not a string.",
                pattern,
            )
            continue
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except (re.error, RecursionError, OverflowError, ValueError) as exc:
            _log_once(
                f"bot-pattern:{pattern}",
                logging.WARNING,
                "Ignoring invalid PERSONALIZE_BOT_USER_AGENTS pattern %r: %s",
                pattern,
                exc,
            )
    return tuple(compiled)


def _matches_extra_patterns(ua: str) -> bool:
    for pattern in _extra_bot_patterns():
        try:
            if pattern.search(ua):
                return True
        except Exception:  # e.g. a bytes pattern searched in a str
            _log_once(
                f"bot-pattern-search:{pattern.pattern!r:.200}",
                logging.WARNING,
                "PERSONALIZE_BOT_USER_AGENTS pattern %r cannot be used; ignored.",
                pattern.pattern,
                exc_info=True,
            )
    return False


# --------------------------------------------------------------------------------------------
# Heuristics on the raw User-Agent

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


# --------------------------------------------------------------------------------------------
# ua-parser families → our vocabulary

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
    return "Other"


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


# --------------------------------------------------------------------------------------------
# Parsing


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


_EMPTY = Device()


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
            if browser != "Other":
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


_IN_APP_VERSION_RES = {
    "Facebook": re.compile(r"FBAV/(\d{1,10})"),
    "Instagram": re.compile(r"Instagram (\d{1,10})"),
    "LinkedIn": re.compile(r"LinkedInApp\]?/(\d{1,10})"),
}


def _in_app_version(ua: str, browser: str) -> str:
    match = _IN_APP_VERSION_RES[browser].search(ua)
    return match.group(1) if match else ""


# --------------------------------------------------------------------------------------------
# Client Hints

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


# --------------------------------------------------------------------------------------------
# Public helpers


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


def _purpose_tokens(value: str) -> set[str]:
    tokens = set()
    for item in value[:_MAX_HINT_LENGTH].lower().replace(",", ";").split(";"):
        token = item.strip().split("=", 1)[0].strip().strip('"')
        if token:
            tokens.add(token)
    return tokens


def is_prefetch(meta: Mapping[str, Any]) -> bool:
    """True for a speculative request (prefetch *or* prerender) that may never be shown."""
    try:
        if "prefetch" in _purpose_tokens(_header(meta, "HTTP_SEC_PURPOSE")):
            return True
        for key in ("HTTP_PURPOSE", "HTTP_X_PURPOSE"):
            if _purpose_tokens(_header(meta, key)) & {"prefetch", "preview"}:
                return True
        return "prefetch" in _purpose_tokens(_header(meta, "HTTP_X_MOZ"))
    except Exception:
        _log_once("prefetch", logging.ERROR, "Prefetch detection failed", exc_info=True)
        return False


def is_prerender(meta: Mapping[str, Any]) -> bool:
    """True for a prerender (``Sec-Purpose: prefetch;prerender``): shown if activated."""
    try:
        return "prerender" in _purpose_tokens(_header(meta, "HTTP_SEC_PURPOSE"))
    except Exception:
        _log_once("prerender", logging.ERROR, "Prerender detection failed", exc_info=True)
        return False


def warm_up() -> None:
    """Load ua-parser's data now (about 0.2 s) instead of on the first request."""
    _parse_cached("Mozilla/5.0 (Windows NT 10.0; Win64; x64) personalize-warm-up")


def clear_caches() -> None:
    """Forget cached parse results and compiled ``BOT_USER_AGENTS`` patterns."""
    _on_setting_changed(setting=PREFIX)
    _parse_cached.cache_clear()
    _apply_client_hints_cached.cache_clear()
    _compile_patterns.cache_clear()
