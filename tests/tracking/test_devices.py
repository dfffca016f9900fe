"""Device, browser, OS and bot detection from request headers (personalize.tracking.devices)."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator

import pytest
import ua_parser
from django.conf import settings
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from personalize.tracking import devices
from personalize.tracking.devices import (
    BROWSERS,
    DEVICE_TYPES,
    MAX_FIELD_LENGTH,
    MAX_UA_LENGTH,
    OPERATING_SYSTEMS,
    Device,
    detect_device,
    is_bot,
    is_prefetch,
    is_prerender,
    parse_user_agent,
)

# Settings this module relies on, pinned whatever the project's test settings say.
BASELINE = {"PERSONALIZE_BOT_USER_AGENTS": []}


@pytest.fixture(autouse=True, scope="module")
def _personalize_settings() -> Iterator[None]:
    # Works with pytest-django (settings already configured) and without it (-p no:django).
    if not settings.configured:
        settings.configure()
    with override_settings(**BASELINE):
        yield


@contextlib.contextmanager
def captured_logs(level: int = logging.DEBUG) -> Iterator[list[logging.LogRecord]]:
    """Records of the package logger, whatever the project's LOGGING does with propagation."""
    records: list[logging.LogRecord] = []

    class ListHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = ListHandler(level)
    log = logging.getLogger("personalize")
    previous = log.level
    log.addHandler(handler)
    log.setLevel(level)
    try:
        yield records
    finally:
        log.removeHandler(handler)
        log.setLevel(previous)


def ua_meta(ua: str, **headers: str) -> dict[str, str]:
    return {"HTTP_USER_AGENT": ua, **headers}


# --------------------------------------------------------------------------------------------
# Real-world browsers: (user agent, type, browser, browser major, os, os major)

BROWSER_CASES = {
    # Apple phones and tablets.
    "iphone-safari": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        ("mobile", "Safari", "17", "iOS", "17"),
    ),
    "iphone-chrome": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/123.0.6312.52 Mobile/15E148 Safari/604.1",
        ("mobile", "Chrome", "123", "iOS", "17"),
    ),
    "iphone-firefox": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) FxiOS/124.0 Mobile/15E148 Safari/605.1.15",
        ("mobile", "Firefox", "124", "iOS", "17"),
    ),
    "iphone-edge": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 EdgiOS/123.0.2420.56 Mobile/15E148 Safari/605.1.15",
        ("mobile", "Edge", "123", "iOS", "17"),
    ),
    "ipod-touch": (
        "Mozilla/5.0 (iPod touch; CPU iPhone OS 12_5_7 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1",
        ("mobile", "Safari", "12", "iOS", "12"),
    ),
    "ipad-safari-old-ua": (
        "Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/12.1 Mobile/15E148 Safari/604.1",
        ("tablet", "Safari", "12", "iOS", "12"),
    ),
    "ipad-chrome": (
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/123.0.6312.52 Mobile/15E148 Safari/604.1",
        ("tablet", "Chrome", "123", "iOS", "17"),
    ),
    # iPadOS 13+ Safari sends the macOS User-Agent: documented as indistinguishable.
    "ipad-desktop-mode": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        ("desktop", "Safari", "17", "macOS", ""),
    ),
    # Android phones.
    "pixel-chrome": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.6367.82 Mobile Safari/537.36",
        ("mobile", "Chrome", "124", "Android", "14"),
    ),
    "android-chrome-reduced-ua": (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36",
        ("mobile", "Chrome", "124", "Android", ""),  # "Android 10; K" is a placeholder
    ),
    "samsung-internet-phone": (
        "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
        ("mobile", "Samsung Internet", "24", "Android", "13"),
    ),
    "android-firefox-phone": (
        "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
        ("mobile", "Firefox", "125", "Android", "14"),
    ),
    "android-webview": (
        "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36",
        ("mobile", "WebView", "124", "Android", "13"),
    ),
    "android-brave": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36 Brave/124",
        ("mobile", "Brave", "124", "Android", "14"),
    ),
    "android-opera": (
        "Mozilla/5.0 (Linux; Android 10; VOG-L29) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/122.0.0.0 Mobile Safari/537.36 OPR/81.1.4292.78723",
        ("mobile", "Opera", "81", "Android", "10"),
    ),
    "android-yandex": (
        "Mozilla/5.0 (Linux; Android 12; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 YaBrowser/24.1.5.79.00 SA/3 Mobile Safari/537.36",
        ("mobile", "Yandex Browser", "24", "Android", "12"),
    ),
    "uc-browser": (
        "Mozilla/5.0 (Linux; U; Android 10; en-US; RMX1911 Build/QKQ1.200209.002) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 "
        "UCBrowser/13.4.0.1306 Mobile Safari/537.36",
        ("mobile", "UC Browser", "13", "Android", "10"),
    ),
    "huawei-browser": (
        "Mozilla/5.0 (Linux; Android 10; HarmonyOS; ELS-NX9; HMSCore 6.13.0.302) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.5735.196 "
        "HuaweiBrowser/14.0.5.302 Mobile Safari/537.36",
        ("mobile", "Other", "", "Android", "10"),
    ),
    "cubot-phone-is-not-a-bot": (
        "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36",
        ("mobile", "Chrome", "120", "Android", "10"),
    ),
    # Android tablets (no "Mobile" token) and Kindles.
    "galaxy-tab-chrome": (
        "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/123.0.6312.118 Safari/537.36",
        ("tablet", "Chrome", "123", "Android", "13"),
    ),
    "galaxy-tab-samsung-internet": (
        "Mozilla/5.0 (Linux; Android 12; SM-T870) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36",
        ("tablet", "Samsung Internet", "23", "Android", "12"),
    ),
    "lenovo-tab": (
        "Mozilla/5.0 (Linux; Android 11; Lenovo TB-J606F) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
        ("tablet", "Chrome", "123", "Android", "11"),
    ),
    "nexus-7": (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 7 Build/MOB30X) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/67.0.3396.87 Safari/537.36",
        ("tablet", "Chrome", "67", "Android", "6"),
    ),
    "android-firefox-tablet": (
        "Mozilla/5.0 (Android 13; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0",
        ("tablet", "Firefox", "125", "Android", "13"),
    ),
    "kindle-fire-silk": (
        "Mozilla/5.0 (Linux; Android 9; KFMAWI) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Silk/122.3.1 like Chrome/122.0.6261.119 Safari/537.36",
        ("tablet", "Silk", "122", "Android", "9"),
    ),
    "kindle-e-reader": (
        "Mozilla/5.0 (Linux; U; en-US) AppleWebKit/528.5+ (KHTML, like Gecko, Safari/528.5+) "
        "Version/4.0 Kindle/3.0 (screen 600x800; rotate)",
        ("tablet", "Other", "", "Other", ""),
    ),
    "blackberry-playbook": (
        "Mozilla/5.0 (PlayBook; U; RIM Tablet OS 2.1.0; en-US) AppleWebKit/536.2+ "
        "(KHTML, like Gecko) Version/7.2.1.0 Safari/536.2+",
        ("tablet", "Other", "", "Other", ""),
    ),
    "firefox-os-tablet": (
        "Mozilla/5.0 (Tablet; rv:26.0) Gecko/26.0 Firefox/26.0",
        ("tablet", "Firefox", "26", "Other", ""),
    ),
    # Desktops.
    "windows-chrome": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
        ("desktop", "Chrome", "124", "Windows", "10"),
    ),
    "windows-edge": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
        ("desktop", "Edge", "124", "Windows", "10"),
    ),
    "windows-edge-legacy": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045",
        ("desktop", "Edge", "18", "Windows", "10"),
    ),
    "windows-arm-edge": (
        "Mozilla/5.0 (Windows NT 10.0; ARM64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
        ("desktop", "Edge", "124", "Windows", "10"),
    ),
    "windows-touch-laptop": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Touch) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        ("desktop", "Chrome", "124", "Windows", "10"),
    ),
    "windows-firefox": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        ("desktop", "Firefox", "125", "Windows", "10"),
    ),
    "windows-ie11": (
        "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
        ("desktop", "IE", "11", "Windows", "10"),
    ),
    "windows-opera": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/123.0.0.0 Safari/537.36 OPR/109.0.0.0",
        ("desktop", "Opera", "109", "Windows", "10"),
    ),
    "windows-vivaldi": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/122.0.0.0 Safari/537.36 Vivaldi/6.6.3271.57",
        ("desktop", "Vivaldi", "6", "Windows", "10"),
    ),
    "windows-yandex": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/122.0.0.0 YaBrowser/24.4.0.0 Safari/537.36",
        ("desktop", "Yandex Browser", "24", "Windows", "10"),
    ),
    "macos-safari": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
        ("desktop", "Safari", "17", "macOS", ""),  # 10_15_7 is frozen since macOS 11
    ),
    "macos-chrome": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        ("desktop", "Chrome", "124", "macOS", ""),
    ),
    "macos-firefox": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
        ("desktop", "Firefox", "125", "macOS", "14"),
    ),
    "linux-firefox": (
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        ("desktop", "Firefox", "125", "Linux", ""),
    ),
    "ubuntu-firefox": (
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        ("desktop", "Firefox", "125", "Linux", ""),
    ),
    "linux-chrome": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
        ("desktop", "Chrome", "124", "Linux", ""),
    ),
    "freebsd-firefox": (
        "Mozilla/5.0 (X11; FreeBSD amd64; rv:122.0) Gecko/20100101 Firefox/122.0",
        ("desktop", "Firefox", "122", "Other", ""),
    ),
    "chromeos": (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
        ("desktop", "Chrome", "124", "ChromeOS", "14541"),
    ),
    # HeadlessChrome is a browser, driven by end-to-end tests: not a bot by default.
    "headless-chrome": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/124.0.6367.29 Safari/537.36",
        ("desktop", "Chrome", "124", "Linux", ""),
    ),
    # Opera Mini and other mobile platforms.
    "opera-mini-j2me": (
        "Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) "
        "Presto/2.5.25 Version/10.54",
        ("mobile", "Opera", "9", "Other", ""),
    ),
    "opera-mini-android": (
        "Mozilla/5.0 (Linux; U; Android 12; en-US; SM-A125F Build/SP1A.210812.016) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/106.0.0.0 "
        "Mobile Safari/537.36 OPR/78.0.2254.70374",
        ("mobile", "Opera", "78", "Android", "12"),
    ),
    "windows-phone-ie": (
        "Mozilla/5.0 (Mobile; Windows Phone 8.1; Android 4.0; ARM; Trident/7.0; Touch; rv:11.0; "
        "IEMobile/11.0; NOKIA; Lumia 635) like iPhone OS 7_0_3 Mac OS X AppleWebKit/537 "
        "(KHTML, like Gecko) Mobile Safari/537",
        ("mobile", "IE", "11", "Other", ""),
    ),
    "windows-phone-edge": (
        "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 "
        "Edge/15.15063",
        ("mobile", "Edge", "15", "Other", ""),
    ),
    "kaios": (
        "Mozilla/5.0 (Mobile; Nokia_8110_4G; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5",
        ("mobile", "Firefox", "48", "Other", ""),
    ),
    "blackberry-10": (
        "Mozilla/5.0 (BB10; Touch) AppleWebKit/537.35+ (KHTML, like Gecko) "
        "Version/10.3.3.2205 Mobile Safari/537.35+",
        ("mobile", "Other", "", "Other", ""),
    ),
    "blackberry-legacy": (
        "BlackBerry9700/5.0.0.862 Profile/MIDP-2.1 Configuration/CLDC-1.1 VendorID/331",
        ("mobile", "Other", "", "Other", ""),
    ),
    # In-app browsers.
    "facebook-ios": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/458.0.0.38.108;FBBV/588066406;"
        "FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.4.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
        ("mobile", "Facebook", "458", "iOS", "17"),
    ),
    "facebook-android": (
        "Mozilla/5.0 (Linux; Android 14; SM-S911B Build/UP1A.231005.007; wv) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.54 "
        "Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/460.0.0.48.109;]",
        ("mobile", "Facebook", "460", "Android", "14"),
    ),
    "instagram-ios": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Instagram 327.0.3.30.90 (iPhone14,5; iOS 17_4; "
        "en_US; en; scale=3.00; 1170x2532; 586890297)",
        ("mobile", "Instagram", "327", "iOS", "17"),
    ),
    "linkedin-ios": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.29.5186",
        ("mobile", "LinkedIn", "9", "iOS", "17"),
    ),
    # Smart TVs and consoles are desktops (large, lean-back screens).
    "samsung-tizen-tv": (
        "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36",
        ("desktop", "Samsung Internet", "4", "Other", ""),
    ),
    "lg-webos-tv": (
        "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/79.0.3945.79 Safari/537.36 WebAppManager",
        ("desktop", "Chrome", "79", "Other", ""),
    ),
    "sony-android-tv": (
        "Mozilla/5.0 (Linux; Android 9; BRAVIA 4K GB ATV3 Build/PTT1.190515.001.S52) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.104 Safari/537.36",
        ("desktop", "Chrome", "96", "Android", "9"),
    ),
    "fire-tv-stick": (
        "Mozilla/5.0 (Linux; Android 9; AFTMM) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Silk/98.5.22 like Chrome/98.0.4758.136 Safari/537.36",
        ("desktop", "Silk", "98", "Android", "9"),
    ),
    "playstation-5": (
        "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/13.0 Safari/605.1.15",
        ("desktop", "Safari", "13", "", ""),
    ),
    # HTTP libraries are not bots by default.
    "curl": ("curl/8.5.0", ("desktop", "Other", "", "", "")),
    "python-requests": ("python-requests/2.31.0", ("desktop", "Other", "", "", "")),
    "go-http-client": ("Go-http-client/2.0", ("desktop", "Other", "", "", "")),
    "okhttp": ("okhttp/4.12.0", ("desktop", "Other", "", "", "")),
}


def test_there_are_enough_real_world_browsers() -> None:
    assert len(BROWSER_CASES) >= 50


def assert_browser(ua: str, expected: tuple[str, str, str, str, str]) -> None:
    """The User-Agent reads as this (type, browser, version, os, os version), not as a bot."""
    device = detect_device(ua_meta(ua))
    got = (device.type, device.browser, device.browser_version, device.os, device.os_version)
    assert got == expected
    assert device.is_bot is False
    assert is_bot(ua_meta(ua)) is False
    assert parse_user_agent(ua) == device


@pytest.mark.parametrize(("ua", "expected"), list(BROWSER_CASES.values()), ids=list(BROWSER_CASES))
def test_real_world_browsers(ua: str, expected: tuple[str, str, str, str, str]) -> None:
    assert_browser(ua, expected)


def test_every_vocabulary_value_is_documented() -> None:
    assert set(DEVICE_TYPES) == {"mobile", "tablet", "desktop"}
    for ua, (device_type, browser, _, os_name, _) in BROWSER_CASES.values():
        assert device_type in DEVICE_TYPES, ua
        assert browser in BROWSERS, ua
        assert os_name in (*OPERATING_SYSTEMS, ""), ua


# --------------------------------------------------------------------------------------------
# Bots

BOT_CASES = {
    "googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "googlebot-smartphone": (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.6367.91 Mobile Safari/537.36 "
        "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    ),
    "google-inspectiontool": (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.6367.91 Mobile Safari/537.36 "
        "(compatible; Google-InspectionTool/1.0;)"
    ),
    "googleother": "Mozilla/5.0 (compatible; GoogleOther)",
    "adsbot-google": "AdsBot-Google (+http://www.google.com/adsbot.html)",
    "mediapartners-google": "Mediapartners-Google",
    "feedfetcher-google": "FeedFetcher-Google; (+http://www.google.com/feedfetcher.html)",
    "google-read-aloud": (
        "Mozilla/5.0 (Linux; Android 7.0; SM-G930V Build/NRD90M) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/59.0.3071.125 Mobile Safari/537.36 "
        "(compatible; Google-Read-Aloud; +https://support.google.com/webmasters/answer/1061943)"
    ),
    "google-pagerenderer": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko; "
        "Google-PageRenderer Google (+https://developers.google.com/+/web/snippet/)) "
        "Chrome/56.0.2924.87 Safari/537.36"
    ),
    "google-favicon": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/49.0.2623.75 Safari/537.36 Google Favicon"
    ),
    "chrome-lighthouse": (
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/114.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse"
    ),
    "bingbot": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
        "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"
    ),
    "applebot": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 "
        "(Applebot/0.1; +http://www.apple.com/go/applebot)"
    ),
    "applebot-extended": "Mozilla/5.0 (Applebot-Extended/0.1; +http://www.apple.com/go/applebot)",
    "duckduckbot": "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "yandexbot": "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "yandeximages": "Mozilla/5.0 (compatible; YandexImages/3.0; +http://yandex.com/bots)",
    "baiduspider": "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "seznambot": "Mozilla/5.0 (compatible; SeznamBot/4.0; +https://o-seznam.cz/napoveda/vyhledavani/)",
    "sogou": "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
    "qwantify": "Mozilla/5.0 (compatible; Qwantify/2.4w; +https://www.qwant.com/)/2.4w",
    "facebookexternalhit": (
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
    ),
    "facebot": "Facebot",
    "meta-externalagent": (
        "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)"
    ),
    "twitterbot": "Twitterbot/1.0",
    "linkedinbot": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "slackbot": "Slackbot 1.0 (+https://api.slack.com/robots)",
    "slackbot-linkexpanding": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "discordbot": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "telegrambot": "TelegramBot (like TwitterBot)",
    "whatsapp": "WhatsApp/2.23.20.0",
    "skypeuripreview": (
        "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 "
        "skype-url-preview@microsoft.com"
    ),
    "iframely": "Iframely/1.3.1 (+https://iframely.com/docs/about) Atlassian",
    "embedly": "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)",
    "redditbot": "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
    "pinterestbot": "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)",
    "mastodon": "http.rb/5.1.1 (Mastodon/4.2.8; +https://mastodon.social/) Bot",
    "ahrefsbot": "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "semrushbot": "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "mj12bot": "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
    "dotbot": "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot)",
    "petalbot": (
        "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)"
    ),
    "gptbot": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
        "+https://openai.com/gptbot)"
    ),
    "chatgpt-user": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; "
        "+https://openai.com/bot"
    ),
    "oai-searchbot": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; "
        "+https://openai.com/searchbot"
    ),
    "claudebot": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
        "+claudebot@anthropic.com)"
    ),
    "claude-web": "Claude-Web/1.0",
    "anthropic-ai": "anthropic-ai",
    "perplexitybot": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; "
        "+https://perplexity.ai/perplexitybot)"
    ),
    "ccbot": "CCBot/2.0 (https://commoncrawl.org/faq/)",
    "bytespider": (
        "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)"
    ),
    "amazonbot": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/119.0.0.0 Safari/537.36 (Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot)"
    ),
    "cohere-ai": "cohere-ai",
    "diffbot": (
        "Mozilla/5.0 (X11; U; Linux x86_64; en-US) AppleWebKit/534.16 (KHTML, like Gecko; "
        "compatible; Diffbot/0.1; +http://www.diffbot.com)"
    ),
    "uptimerobot": "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "pingdom": "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
    "pingdom-pagespeed": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 PingdomPageSpeed/1.0 (pingbot/2.0; +http://www.pingdom.com/)"
    ),
    "statuscake": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 StatusCake"
    ),
    "site24x7": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 Site24x7"
    ),
    "datadog-synthetics": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/122.0.0.0 Safari/537.36 DatadogSynthetics"
    ),
    "generic-crawler-word": "MyCompany-crawler/1.0",
    "generic-spider-word": "Example spider 2.0",
    "generic-bot-word": "SomeService bot (https://example.com)",
    "generic-crawl-word": "acme-crawl/3.1",
}


def test_there_are_enough_bots() -> None:
    assert len(BOT_CASES) >= 50


def assert_bot(ua: str) -> None:
    """The User-Agent is a bot's, and the device still has a type."""
    device = detect_device(ua_meta(ua))
    assert device.is_bot is True
    assert is_bot(ua_meta(ua)) is True
    assert device.type in DEVICE_TYPES


@pytest.mark.parametrize("ua", list(BOT_CASES.values()), ids=list(BOT_CASES))
def test_bots(ua: str) -> None:
    assert_bot(ua)


def test_bots_keep_their_device_type() -> None:
    smartphone = detect_device(ua_meta(BOT_CASES["googlebot-smartphone"]))
    assert (smartphone.type, smartphone.os, smartphone.is_bot) == ("mobile", "Android", True)
    assert detect_device(ua_meta(BOT_CASES["googlebot"])).type == "desktop"


@pytest.mark.parametrize(
    "ua",
    [
        # "Cubot" is a phone brand: "bot" only counts as a whole word.
        "Mozilla/5.0 (Linux; Android 11; CUBOT_P50) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/96.0.4664.104 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; Robotic Arm Controller) Mobile",
        "Mozilla/5.0 (X11; Linux x86_64) SamsungBrowser/20.0 Chrome/106.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 YaBrowser/24.1.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Twitter for iPhone/10.34",
    ],
)
def test_lookalikes_are_not_bots(ua: str) -> None:
    assert detect_device(ua_meta(ua)).is_bot is False


def test_empty_user_agent_is_a_normal_desktop_visitor() -> None:
    assert detect_device({}) == Device()
    assert detect_device(ua_meta("")) == Device(type="desktop", is_bot=False)
    assert detect_device(ua_meta("   ")).type == "desktop"
    assert is_bot({}) is False


def test_django_test_client_request_is_a_normal_visitor() -> None:
    meta = RequestFactory().get("/").META
    assert "HTTP_USER_AGENT" not in meta
    device = detect_device(meta)
    assert device.type == "desktop"
    assert device.is_bot is False
    assert is_prefetch(meta) is False


# --------------------------------------------------------------------------------------------
# BOT_USER_AGENTS setting


def test_bot_user_agents_setting_extends_the_list() -> None:
    okhttp = ua_meta("okhttp/4.12.0")
    node = ua_meta("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)")
    assert is_bot(okhttp) is False
    with override_settings(PERSONALIZE_BOT_USER_AGENTS=[r"^okhttp/", r"NODE-fetch"]):
        assert is_bot(okhttp) is True
        assert detect_device(okhttp).is_bot is True
        assert is_bot(node) is True  # case-insensitive
        assert is_bot(ua_meta("undici")) is False
    # Leaving override_settings takes effect at once, although parse results are cached.
    assert is_bot(okhttp) is False
    assert detect_device(node).is_bot is False


def test_bot_user_agents_setting_accepts_a_single_string_and_compiled_patterns() -> None:
    with override_settings(PERSONALIZE_BOT_USER_AGENTS=r"okhttp/"):
        assert is_bot(ua_meta("okhttp/4.12.0")) is True
    with override_settings(PERSONALIZE_BOT_USER_AGENTS=(re.compile("Go-http"),)):
        assert is_bot(ua_meta("Go-http-client/2.0")) is True


def test_invalid_bot_pattern_is_logged_once_and_ignored() -> None:
    patterns = ["(unclosed-test-devices", r"^okhttp/", 42]
    with captured_logs() as records, override_settings(PERSONALIZE_BOT_USER_AGENTS=patterns):
        for _ in range(3):
            assert is_bot(ua_meta("okhttp/4.12.0")) is True
            assert is_bot(ua_meta("Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0")) is False
    invalid = [r for r in records if "(unclosed-test-devices" in r.getMessage()]
    assert len(invalid) == 1
    assert invalid[0].levelno == logging.WARNING
    assert len([r for r in records if "42" in r.getMessage()]) == 1


def test_bot_user_agents_setting_of_the_wrong_type_is_ignored() -> None:
    with override_settings(PERSONALIZE_BOT_USER_AGENTS=12345):
        assert is_bot(ua_meta("okhttp/4.12.0")) is False
        assert detect_device(ua_meta(BOT_CASES["googlebot"])).is_bot is True


# --------------------------------------------------------------------------------------------
# Client Hints

CHROME_WINDOWS = BROWSER_CASES["windows-chrome"][0]
CHROME_ANDROID_REDUCED = BROWSER_CASES["android-chrome-reduced-ua"][0]
CHROME_ANDROID_TABLET = BROWSER_CASES["galaxy-tab-chrome"][0]
CHROME_LINUX = BROWSER_CASES["linux-chrome"][0]


def test_client_hint_mobile_makes_a_phone() -> None:
    device = detect_device(
        ua_meta(CHROME_LINUX, HTTP_SEC_CH_UA_MOBILE="?1", HTTP_SEC_CH_UA_PLATFORM='"Android"')
    )
    assert (device.type, device.os, device.os_version) == ("mobile", "Android", "")


def test_client_hint_not_mobile_on_android_is_a_tablet() -> None:
    device = detect_device(
        ua_meta(
            CHROME_ANDROID_REDUCED, HTTP_SEC_CH_UA_MOBILE="?0", HTTP_SEC_CH_UA_PLATFORM='"Android"'
        )
    )
    assert (device.type, device.os, device.os_version) == ("tablet", "Android", "")


def test_client_hint_not_mobile_on_a_desktop_platform_is_a_desktop() -> None:
    device = detect_device(
        ua_meta(
            CHROME_ANDROID_TABLET, HTTP_SEC_CH_UA_MOBILE="?0", HTTP_SEC_CH_UA_PLATFORM='"Windows"'
        )
    )
    assert (device.type, device.os) == ("desktop", "Windows")


def test_client_hint_not_mobile_without_platform_keeps_the_user_agent_type() -> None:
    device = detect_device(ua_meta(CHROME_ANDROID_TABLET, HTTP_SEC_CH_UA_MOBILE="?0"))
    assert device.type == "tablet"


@pytest.mark.parametrize(
    ("platform", "version", "expected_os", "expected_version"),
    [
        ('"Windows"', '"15.0.0"', "Windows", "11"),
        ('"Windows"', '"13.0.0"', "Windows", "11"),
        ('"Windows"', '"10.0.0"', "Windows", "10"),
        ('"macOS"', '"14.4.1"', "macOS", "14"),
        ('"Chrome OS"', '"15633.69.0"', "ChromeOS", "15633"),
        ('"Chromium OS"', "", "ChromeOS", ""),
        ('"Linux"', '""', "Linux", ""),
        ('"Android"', '"14.0.0"', "Android", "14"),
        ('"Fuchsia"', "", "Other", ""),
        ('"Unknown"', "", "Windows", "10"),  # unknown values change nothing
        ("", '"15.0.0"', "Windows", "10"),  # a version without a platform is ignored
    ],
)
def test_client_hint_platform_refines_the_os(
    platform: str, version: str, expected_os: str, expected_version: str
) -> None:
    meta = ua_meta(CHROME_WINDOWS, HTTP_SEC_CH_UA_PLATFORM=platform)
    if version:
        meta["HTTP_SEC_CH_UA_PLATFORM_VERSION"] = version
    device = detect_device(meta)
    assert (device.os, device.os_version) == (expected_os, expected_version)


@pytest.mark.parametrize(
    ("brands", "expected"),
    [
        ('"Brave";v="124", "Chromium";v="124", "Not-A.Brand";v="99"', ("Brave", "124")),
        ('"Chromium";v="124", "Opera";v="110", "Not-A.Brand";v="24"', ("Opera", "110")),
        ('"Not_A Brand";v="8", "Chromium";v="120", "YaBrowser";v="24.1"', ("Yandex Browser", "24")),
        ('"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"', ("Chrome", "124")),
        ('"Not-A.Brand";v="99", "Chromium";v="124"', ("Chrome", "124")),  # nothing specific
        ("garbage without quotes", ("Chrome", "124")),
    ],
)
def test_client_hint_brands_refine_a_chrome_browser(brands: str, expected: tuple[str, str]) -> None:
    device = detect_device(ua_meta(CHROME_WINDOWS, HTTP_SEC_CH_UA=brands))
    assert (device.browser, device.browser_version) == expected


def test_client_hint_brands_do_not_override_a_specific_browser() -> None:
    edge = BROWSER_CASES["windows-edge"][0]
    device = detect_device(ua_meta(edge, HTTP_SEC_CH_UA='"Brave";v="1"'))
    assert (device.browser, device.browser_version) == ("Edge", "124")


def test_client_hints_without_user_agent() -> None:
    device = detect_device(
        {
            "HTTP_SEC_CH_UA": '"Microsoft Edge";v="124", "Chromium";v="124"',
            "HTTP_SEC_CH_UA_MOBILE": "?1",
            "HTTP_SEC_CH_UA_PLATFORM": '"Android"',
        }
    )
    assert device == Device(type="mobile", browser="Edge", browser_version="124", os="Android")


# --------------------------------------------------------------------------------------------
# Prefetch and prerender


@pytest.mark.parametrize(
    ("headers", "prefetch", "prerender"),
    [
        ({}, False, False),
        ({"HTTP_SEC_PURPOSE": "prefetch"}, True, False),
        ({"HTTP_SEC_PURPOSE": "prefetch;prerender"}, True, True),
        ({"HTTP_SEC_PURPOSE": "prefetch; prerender"}, True, True),
        ({"HTTP_SEC_PURPOSE": "prefetch;anonymous-client-ip"}, True, False),
        ({"HTTP_SEC_PURPOSE": "Prefetch"}, True, False),
        ({"HTTP_SEC_PURPOSE": "something-else"}, False, False),
        ({"HTTP_PURPOSE": "prefetch"}, True, False),
        ({"HTTP_X_PURPOSE": "preview"}, True, False),
        ({"HTTP_X_PURPOSE": "prefetch"}, True, False),
        ({"HTTP_X_MOZ": "prefetch"}, True, False),
        ({"HTTP_X_MOZ": "microsummary"}, False, False),
        ({"HTTP_PURPOSE": ""}, False, False),
        ({"HTTP_SEC_FETCH_DEST": "document"}, False, False),
    ],
)
def test_prefetch_and_prerender(headers: dict[str, str], prefetch: bool, prerender: bool) -> None:
    meta = ua_meta(CHROME_WINDOWS, **headers)
    assert is_prefetch(meta) is prefetch
    assert is_prerender(meta) is prerender


def test_prefetch_detection_never_raises() -> None:
    class Exploding(dict):
        def get(self, *args: object, **kwargs: object) -> object:
            raise RuntimeError("boom")

    assert is_prefetch(Exploding()) is False
    assert is_prerender(Exploding()) is False
    assert is_prefetch({"HTTP_SEC_PURPOSE": b"prefetch"}) is True
    assert is_prefetch({"HTTP_SEC_PURPOSE": None}) is False


# --------------------------------------------------------------------------------------------
# Hostile input


def assert_bounded(device: Device) -> None:
    assert device.type in DEVICE_TYPES
    for value in (device.browser, device.browser_version, device.os, device.os_version):
        assert isinstance(value, str)
        assert len(value) <= MAX_FIELD_LENGTH
        assert not re.search("[\x00-\x1f\x7f-\x9f\ud800-\udfff]", value)
    assert device.browser in (*BROWSERS, "")
    assert device.os in (*OPERATING_SYSTEMS, "")
    assert device.browser_version == "" or device.browser_version.isdigit()
    assert device.os_version == "" or device.os_version.isdigit()
    assert isinstance(device.is_bot, bool)


def test_huge_user_agent_is_truncated() -> None:
    iphone = BROWSER_CASES["iphone-safari"][0]
    huge = iphone + " " + "A" * 100_000
    device = detect_device(ua_meta(huge))
    assert_bounded(device)
    assert device == parse_user_agent(huge[:MAX_UA_LENGTH])
    assert device.type == "mobile"
    # A bot token beyond the first MAX_UA_LENGTH characters is never looked at.
    assert detect_device(ua_meta("A" * MAX_UA_LENGTH + " Googlebot/2.1")).is_bot is False


def test_nul_bytes_and_control_characters() -> None:
    ua = "Mozilla/5.0 (iPhone\x00; CPU iPhone OS 17_4 like Mac OS X)\r\n\x1b[31m Mobile/15E148"
    device = detect_device(ua_meta(ua))
    assert_bounded(device)
    assert device.type == "mobile"
    assert detect_device(ua_meta("\x00" * 50)) == Device()


def test_lone_surrogates() -> None:
    ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) \ud800\udfff\ud83d Mobile"
    device = detect_device(ua_meta(ua))
    assert_bounded(device)
    assert (device.type, device.os) == ("mobile", "iOS")
    assert is_bot(ua_meta("\udcff" * 10 + " Googlebot/2.1")) is True


def test_latin1_mojibake_and_bytes() -> None:
    # WSGI decodes header bytes as latin-1: UTF-8 and binary garbage arrive as mojibake.
    raw = "Mozilla/5.0 (Linux; Android 13; Café SM-X700) Chrome/123.0 Safari/537.36 ☃".encode()
    mojibake = raw.decode("latin-1")
    device = detect_device(ua_meta(mojibake))
    assert_bounded(device)
    assert (device.type, device.browser, device.os) == ("tablet", "Chrome", "Android")
    assert detect_device({"HTTP_USER_AGENT": raw}).os == "Android"  # bytes are accepted
    assert_bounded(detect_device(ua_meta(bytes(range(256)).decode("latin-1"))))


@pytest.mark.parametrize("value", [None, 42, 3.5, ["Googlebot"], object()])
def test_non_string_header_values(value: object) -> None:
    assert detect_device({"HTTP_USER_AGENT": value, "HTTP_SEC_CH_UA_MOBILE": value}) == Device()


def test_broken_meta_never_raises() -> None:
    class Exploding(dict):
        def get(self, *args: object, **kwargs: object) -> object:
            raise RuntimeError("boom")

    assert detect_device(Exploding()) == Device()
    assert is_bot(Exploding()) is False


def test_ua_parser_failure_falls_back_to_heuristics(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ua: str) -> None:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(ua_parser, "parse", broken)
    with captured_logs() as records:
        phone = parse_user_agent("Mozilla/5.0 (Linux; Android 14; Fallback-1) Mobile Safari")
        tablet = parse_user_agent("Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) Fallback-2")
        crawler = parse_user_agent("Mozilla/5.0 (compatible; Googlebot/2.1) Fallback-3")
    assert (phone.type, phone.os, phone.browser, phone.is_bot) == (
        "mobile",
        "Android",
        "Other",
        False,
    )
    assert (tablet.type, tablet.os) == ("tablet", "iOS")
    assert crawler.is_bot is True
    failures = [r for r in records if "ua-parser failed" in r.getMessage()]
    assert len(failures) <= 1  # logged once per process (maybe by an earlier test)


def test_parse_results_are_cached() -> None:
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:99.0) Gecko/20100101 Firefox/99.0 cache-test"
    first = parse_user_agent(ua)
    hits = devices._parse_cached.cache_info().hits
    assert parse_user_agent(ua) is first
    assert devices._parse_cached.cache_info().hits == hits + 1
    assert devices._parse_cached.cache_info().maxsize == devices.PARSE_CACHE_SIZE


hostile_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=2000)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    ua=hostile_text | st.binary(max_size=500).map(lambda b: b.decode("latin-1")),
    mobile=hostile_text,
    platform=hostile_text,
    brands=hostile_text,
    purpose=hostile_text,
)
def test_detection_never_raises_and_stays_bounded(
    ua: str, mobile: str, platform: str, brands: str, purpose: str
) -> None:
    meta = {
        "HTTP_USER_AGENT": ua,
        "HTTP_SEC_CH_UA_MOBILE": mobile,
        "HTTP_SEC_CH_UA_PLATFORM": platform,
        "HTTP_SEC_CH_UA_PLATFORM_VERSION": platform,
        "HTTP_SEC_CH_UA": brands,
        "HTTP_SEC_PURPOSE": purpose,
        "HTTP_X_PURPOSE": purpose,
    }
    device = detect_device(meta)
    assert_bounded(device)
    assert is_bot(meta) is device.is_bot
    assert isinstance(is_prefetch(meta), bool)
    assert isinstance(is_prerender(meta), bool)
    assert Device.from_dict(device.as_dict()) == device


# --------------------------------------------------------------------------------------------
# Serialization


def test_as_dict_round_trip() -> None:
    device = detect_device(ua_meta(BROWSER_CASES["samsung-internet-phone"][0]))
    data = device.as_dict()
    assert data == {
        "type": "mobile",
        "browser": "Samsung Internet",
        "browser_version": "24",
        "os": "Android",
        "os_version": "13",
        "is_bot": False,
    }
    assert Device.from_dict(data) == device


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, Device()),
        ([], Device()),
        ("mobile", Device()),
        ({}, Device()),
        ({"type": "phone"}, Device()),
        ({"type": ["mobile"]}, Device()),
        ({"type": "tablet", "is_bot": "yes"}, Device(type="tablet")),
        ({"is_bot": True}, Device(is_bot=True)),
        ({"is_bot": 1}, Device(is_bot=True)),
        (
            {"browser_version": "124.0.1", "os_version": 17},
            Device(browser_version="124", os_version="17"),
        ),
        ({"browser_version": "abc", "os_version": True}, Device()),
        ({"browser": "X" * 500, "os": "\x00iOS\ud800"}, Device(browser="X" * 50, os="iOS")),
        ({"browser": 12, "os": None}, Device()),
    ],
)
def test_from_dict_is_tolerant(data: object, expected: Device) -> None:
    assert Device.from_dict(data) == expected


def test_from_dict_survives_a_hostile_mapping() -> None:
    class Exploding(dict):
        def get(self, *args: object, **kwargs: object) -> object:
            raise RuntimeError("boom")

    assert Device.from_dict(Exploding(type="mobile")) == Device()
