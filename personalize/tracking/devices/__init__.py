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

* ``Chrome`` also covers Chromium, Chrome on iOS (CriOS) and HeadlessChrome;
  ``Safari`` covers Mobile Safari; ``Firefox`` covers Firefox for Android/iOS; ``Edge`` and
  ``IE`` cover their mobile variants; ``Opera`` covers Opera Mini/Mobile/GX; ``Silk`` is
  Amazon's browser.
* ``Facebook`` (incl. Messenger), ``Instagram`` and ``LinkedIn`` are those apps' in-app
  browsers; ``WebView`` is any other embedded browser (Android WebView, iOS WKWebView, and
  the in-app browsers of TikTok, WeChat, Snapchat, Pinterest, LINE, X/Twitter and KakaoTalk,
  reported without a version: the app's version is not a browser's).
* ``Other`` is any other browser or client (including bots and HTTP libraries).
* There is no ``iPadOS``: iPads report ``iOS`` and are told apart by ``type == "tablet"``.
  Windows Phone, KaiOS, BlackBerry, Tizen, webOS, FreeBSD... are ``Other``.
* Frozen versions are not versions: Chrome's reduced User-Agent says ``Android 10; K`` on
  every Android device and every Mac browser says ``Mac OS X 10_15_7`` (``10.15``), so those
  give an empty ``os_version``. Windows 10 and 11 both say ``Windows NT 10.0`` and report
  ``10``: only the ``Sec-CH-UA-Platform-Version`` hint tells Windows 11 (and the real Android
  version), and Chromium sends it only to a site that asks for it with ``Accept-CH``.

Device type rules (first match wins)
------------------------------------
1. ``iPad`` → tablet. iPadOS 13+ Safari asks for the desktop site by default and sends a
   User-Agent identical to macOS Safari: such iPads are indistinguishable from Macs and are
   reported as desktop/macOS.
2. ``iPhone``/``iPod`` → mobile; Windows Phone / IEMobile → mobile.
3. Smart TVs, streaming sticks and game consoles (SmartTV, Tizen/webOS TV, Android TV,
   Fire TV, Chromecast/Google TV, PlayStation, Xbox, Nintendo...) → desktop (large, lean-back
   screens).
4. Kindle, Silk, PlayBook and a ``Tablet`` token (but not the old ``Tablet PC`` token that
   ordinary Windows desktops sent) → tablet.
5. Android with ``Mobi`` → mobile; Android without it → tablet (Google's guidance for
   Android browsers).
6. ``Mobi``, Opera Mini, KaiOS, BlackBerry/BB10, Symbian, J2ME/MIDP... → mobile.
7. Otherwise desktop, including an empty User-Agent: Django's test client sends none and
   must be treated as an ordinary visitor.

Client Hints (Chromium browsers) refine this when present; see
:mod:`~personalize.tracking.devices.hints`.

Performance
-----------
User-Agents are cut to :data:`MAX_UA_LENGTH` characters and their classification is cached
(:data:`PARSE_CACHE_SIZE` distinct values, Client Hint combinations likewise), so a warm call
takes about a microsecond; an unseen User-Agent costs a few tens of microseconds. ua-parser
loads its data on first use (about 0.2 s): call :func:`warm_up` to pay that before the first
request. ``BOT_USER_AGENTS`` patterns are searched on every call (not cached), so keep them
simple.

Bots (:mod:`~personalize.tracking.devices.bots`) and prefetch/prerender requests
(:mod:`~personalize.tracking.devices.prefetch`) are described in their modules.

Modules
-------
* :mod:`~personalize.tracking.devices.detect`: :func:`detect_device`, :func:`is_bot`,
  :func:`clear_caches`.
* :mod:`~personalize.tracking.devices.useragent`: :func:`parse_user_agent`, the type rules above.
* :mod:`~personalize.tracking.devices.families`: ua-parser families mapped to the vocabulary.
* :mod:`~personalize.tracking.devices.hints`: Client Hints.
* :mod:`~personalize.tracking.devices.bots`: bot tokens and ``BOT_USER_AGENTS``.
* :mod:`~personalize.tracking.devices.prefetch`: :func:`is_prefetch`, :func:`is_prerender`.
* :mod:`~personalize.tracking.devices.device`: :class:`Device` and the vocabularies.
* :mod:`~personalize.tracking.devices.common`: cached settings, log-once, header access.
"""

# ``__all__`` is the public API. The ``name as name`` imports keep the other names of the former
# single module (limits, constants, cache helpers, private names tests use) importable here.
from personalize.tracking.devices.bots import BOT_TOKENS
from personalize.tracking.devices.detect import clear_caches as clear_caches
from personalize.tracking.devices.detect import detect_device, is_bot
from personalize.tracking.devices.device import BROWSERS, DEVICE_TYPES, OPERATING_SYSTEMS, Device
from personalize.tracking.devices.device import MAX_FIELD_LENGTH as MAX_FIELD_LENGTH
from personalize.tracking.devices.prefetch import is_prefetch, is_prerender
from personalize.tracking.devices.useragent import MAX_UA_LENGTH as MAX_UA_LENGTH
from personalize.tracking.devices.useragent import PARSE_CACHE_SIZE as PARSE_CACHE_SIZE
from personalize.tracking.devices.useragent import _parse_cached as _parse_cached
from personalize.tracking.devices.useragent import parse_user_agent
from personalize.tracking.devices.useragent import warm_up as warm_up

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
