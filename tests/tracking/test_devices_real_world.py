"""Devices, browsers and bots as real clients announce themselves, in current versions.

Complements ``test_devices.py``: current desktop and mobile browsers with Chrome's reduced
User-Agent, in-app browsers, TVs and consoles, Client Hints, and the crawlers, unfurlers,
monitors and audit tools that must never be tracked, down to the request that is not tracked;
headless browsers and scripting clients, which are visitors unless a site excludes them.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings

from personalize.request_facts import RequestFacts
from personalize.tracking.devices import detect_device, is_bot, is_prefetch, is_prerender
from tests.tracking.test_devices import BOT_CASES, assert_bot, assert_browser

CHROME = "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0"
WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"
ANDROID_REDUCED = "Mozilla/5.0 (Linux; Android 10; K)"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15"
IPAD = "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15"

# User-Agent -> (type, browser, browser version, os, os version); none of them is in
# ``test_devices.BROWSER_CASES``.
BROWSERS = {
    # Windows 10 and 11 send the same "Windows NT 10.0".
    "chrome-windows": (
        f"{WIN} {CHROME} Safari/537.36",
        ("desktop", "Chrome", "131", "Windows", "10"),
    ),
    "edge-windows": (
        f"{WIN} {CHROME} Safari/537.36 Edg/131.0.0.0",
        ("desktop", "Edge", "131", "Windows", "10"),
    ),
    "firefox-windows": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        ("desktop", "Firefox", "133", "Windows", "10"),
    ),
    "opera-windows": (
        f"{WIN} {CHROME} Safari/537.36 OPR/115.0.0.0",
        ("desktop", "Opera", "115", "Windows", "10"),
    ),
    "vivaldi-windows": (
        f"{WIN} {CHROME} Safari/537.36 Vivaldi/7.0.3495.18",
        ("desktop", "Vivaldi", "7", "Windows", "10"),
    ),
    # Brave sends Chrome's User-Agent (its brand is in Sec-CH-UA, tested below).
    "brave-windows": (
        f"{WIN} {CHROME} Safari/537.36",
        ("desktop", "Chrome", "131", "Windows", "10"),
    ),
    # Every Mac says 10_15_7 (10.15 in Firefox): a frozen placeholder, not a version.
    "chrome-macos": (f"{MAC} {CHROME} Safari/537.36", ("desktop", "Chrome", "131", "macOS", "")),
    "safari-macos": (
        f"{MAC} AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        ("desktop", "Safari", "18", "macOS", ""),
    ),
    "firefox-macos": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
        ("desktop", "Firefox", "133", "macOS", ""),
    ),
    "chrome-linux": (
        f"Mozilla/5.0 (X11; Linux x86_64) {CHROME} Safari/537.36",
        ("desktop", "Chrome", "131", "Linux", ""),
    ),
    "firefox-ubuntu": (
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        ("desktop", "Firefox", "133", "Linux", ""),
    ),
    "chrome-chromeos": (
        f"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) {CHROME} Safari/537.36",
        ("desktop", "Chrome", "131", "ChromeOS", "14541"),
    ),
    # Android with Chrome's reduced User-Agent: "Android 10; K" on every device.
    "chrome-android-phone-reduced": (
        f"{ANDROID_REDUCED} {CHROME} Mobile Safari/537.36",
        ("mobile", "Chrome", "131", "Android", ""),
    ),
    "chrome-android-tablet-reduced": (
        f"{ANDROID_REDUCED} {CHROME} Safari/537.36",
        ("tablet", "Chrome", "131", "Android", ""),
    ),
    "edge-android": (
        f"{ANDROID_REDUCED} {CHROME} Mobile Safari/537.36 EdgA/131.0.0.0",
        ("mobile", "Edge", "131", "Android", ""),
    ),
    "opera-android": (
        f"{ANDROID_REDUCED} {CHROME} Mobile Safari/537.36 OPR/86.0.0.0",
        ("mobile", "Opera", "86", "Android", ""),
    ),
    "samsung-internet-phone": (
        "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36",
        ("mobile", "Samsung Internet", "27", "Android", "14"),
    ),
    "samsung-internet-galaxy-tab": (
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/27.0 Chrome/125.0.0.0 Safari/537.36",
        ("tablet", "Samsung Internet", "27", "Android", "14"),
    ),
    "chrome-galaxy-tab": (
        f"Mozilla/5.0 (Linux; Android 13; SM-X200) {CHROME} Safari/537.36",
        ("tablet", "Chrome", "131", "Android", "13"),
    ),
    "chrome-pixel-tablet": (
        f"Mozilla/5.0 (Linux; Android 14; Pixel Tablet) {CHROME} Safari/537.36",
        ("tablet", "Chrome", "131", "Android", "14"),
    ),
    "chrome-lenovo-tab": (
        f"Mozilla/5.0 (Linux; Android 12; Lenovo TB-X606F) {CHROME} Safari/537.36",
        ("tablet", "Chrome", "131", "Android", "12"),
    ),
    "firefox-android-phone": (
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
        ("mobile", "Firefox", "133", "Android", "14"),
    ),
    "firefox-android-tablet": (
        "Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0",
        ("tablet", "Firefox", "133", "Android", "14"),
    ),
    # iPhone and iPad.
    "safari-iphone": (
        f"{IPHONE} (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        ("mobile", "Safari", "18", "iOS", "18"),
    ),
    "safari-ipad": (
        f"{IPAD} (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        ("tablet", "Safari", "18", "iOS", "18"),
    ),
    # iPadOS asks for desktop sites by default: the Mac's User-Agent, no Client Hints.
    "safari-ipad-desktop-mode": (
        f"{MAC} AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        ("desktop", "Safari", "18", "macOS", ""),
    ),
    "chrome-ios": (
        f"{IPHONE} (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        ("mobile", "Chrome", "131", "iOS", "18"),
    ),
    "chrome-ipad": (
        f"{IPAD} (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        ("tablet", "Chrome", "131", "iOS", "18"),
    ),
    "firefox-ios": (
        f"{IPHONE} (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
        ("mobile", "Firefox", "133", "iOS", "18"),
    ),
    "edge-ios": (
        f"{IPHONE} (KHTML, like Gecko) Version/18.0 EdgiOS/131.2903.68 Mobile/15E148 "
        "Safari/605.1.15",
        ("mobile", "Edge", "131", "iOS", "18"),
    ),
    # In-app browsers.
    "facebook-ios": (
        f"{IPHONE} (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/485.0.0.44.109;"
        "FBBV/650000000;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/18.1;FBSS/3;FBLC/en_US]",
        ("mobile", "Facebook", "485", "iOS", "18"),
    ),
    "facebook-android": (
        "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 "
        "Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/489.0.0.66.81;]",
        ("mobile", "Facebook", "489", "Android", "14"),
    ),
    "instagram-ios": (
        f"{IPHONE} (KHTML, like Gecko) Mobile/15E148 Instagram 356.0.0.28.87 "
        "(iPhone14,5; iOS 18_1; en_US; en; scale=3.00; 1170x2532; 654237012)",
        ("mobile", "Instagram", "356", "iOS", "18"),
    ),
    "instagram-android": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36 "
        "Instagram 356.0.0.41.101 Android (34/14; 420dpi; 1080x2205; Google/google; Pixel 8)",
        ("mobile", "Instagram", "356", "Android", "14"),
    ),
    "linkedin-ios": (
        f"{IPHONE} (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.30.2545",
        ("mobile", "LinkedIn", "9", "iOS", "18"),
    ),
    # Other apps' in-app browsers are WebViews (the app's version is no browser version).
    "tiktok-ios": (
        f"{IPHONE} (KHTML, like Gecko) Mobile/15E148 musical_ly_36.5.0 JsSdk/2.0 "
        "NetType/WIFI Channel/App Store ByteLocale/en Region/US WKWebView/1 "
        "BytedanceWebview/d8a21c6",
        ("mobile", "WebView", "", "iOS", "18"),
    ),
    "tiktok-android": (
        "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 "
        "Mobile Safari/537.36 trill_360503 JsSdk/1.0 NetType/WIFI Channel/googleplay "
        "AppName/trill app_version/36.5.3 BytedanceWebview/d8a21c6",
        ("mobile", "WebView", "", "Android", "14"),
    ),
    "wechat-ios": (
        f"{IPHONE} (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323a) "
        "NetType/WIFI Language/zh_CN",
        ("mobile", "WebView", "", "iOS", "18"),
    ),
    "snapchat-ios": (
        f"{IPHONE} (KHTML, like Gecko) Mobile/15E148 Snapchat/13.10.0.37 "
        "(like Safari/8618.2.12.10.9, panda)",
        ("mobile", "WebView", "", "iOS", "18"),
    ),
    # Amazon.
    "silk-kindle-fire": (
        "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Silk/131.2.1 like Chrome/131.0.6778.85 Safari/537.36",
        ("tablet", "Silk", "131", "Android", "9"),
    ),
    # TVs, streaming devices and consoles: big screens, counted as desktop.
    "samsung-tizen-tv": (
        "Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "94.0.4606.31/7.0 TV Safari/537.36",
        ("desktop", "Safari", "", "Other", ""),
    ),
    "lg-webos-tv": (
        "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/94.0.4606.128 Safari/537.36 WebAppManager",
        ("desktop", "Chrome", "94", "Other", ""),
    ),
    "sony-android-tv": (
        "Mozilla/5.0 (Linux; Android 12; BRAVIA 4K VH2 Build/STT1.211025.001.Z4; wv) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/114.0.5735.196 "
        "Mobile Safari/537.36",
        ("desktop", "WebView", "114", "Android", "12"),
    ),
    "chromecast-google-tv": (
        "Mozilla/5.0 (Linux; Android 12; Chromecast HD Build/STTE.230319.008.H1; wv) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Safari/537.36",
        ("desktop", "Chrome", "120", "Android", "12"),
    ),
    "fire-tv": (
        "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7633; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/130.0 Mobile Safari/537.36",
        ("desktop", "Chrome", "130", "Android", "9"),
    ),
    "playstation-5": (
        "Mozilla/5.0 (PlayStation; PlayStation 5/6.50) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/15.4 Safari/605.1.15",
        ("desktop", "Safari", "15", "", ""),
    ),
    "xbox-series": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox Series X) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/48.0.2564.82 Safari/537.36 Edge/20.02",
        ("desktop", "Edge", "20", "Windows", "10"),
    ),
    "nintendo-switch": (
        "Mozilla/5.0 (Nintendo Switch; WifiWebAuthApplet) AppleWebKit/606.4 "
        "(KHTML, like Gecko) NF/6.0.1.15.4 NintendoBrowser/5.1.0.20393",
        ("desktop", "Other", "", "", ""),
    ),
}


@pytest.mark.parametrize(("ua", "expected"), list(BROWSERS.values()), ids=list(BROWSERS))
def test_current_browser(ua, expected):
    assert_browser(ua, expected)


# Crawlers, unfurlers, monitors and audit tools that ``test_devices.BOT_CASES`` does not list
# already (each User-Agent is tested in one place).
BOTS = {
    "googlebot-desktop": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; "
        "+http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36"
    ),
    "googlebot-smartphone": (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 "
        "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    ),
    "naver-yeti": "Mozilla/5.0 (compatible; Yeti/1.1; +https://naver.me/spd)",
    "applebot": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Safari/605.1.15 (Applebot/0.1; "
        "+http://www.apple.com/go/applebot)"
    ),
    "claude-user": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Claude-User/1.0; "
        "+Claude-User@anthropic.com)"
    ),
    "mistralai-user": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; MistralAI-User/1.0; "
        "+https://docs.mistral.ai/robots)"
    ),
    "whatsapp-ios": "WhatsApp/2.24.21.81 i",
    "lighthouse": (
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse"
    ),
    "pagespeed-insights": (
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 "
        "(compatible; Google-PageSpeed Insights)"
    ),
    "google-page-speed": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Google Page Speed Insights"
    ),
    "gtmetrix": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 GTmetrix"
    ),
    "webpagetest": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 PTST/241121.182318"
    ),
    # ua-parser knows these as crawlers already.
    "python-urllib": "Python-urllib/3.12",
    "scrapy": "Scrapy/2.11.2 (+https://scrapy.org)",
    "java": "Java/17.0.9",
}

# Headless browsers and command-line or scripting clients: visitors by default (end-to-end
# tests and server-side front-ends drive them), bots with AUTOMATION_USER_AGENTS.
AUTOMATION = {
    "headless-chrome": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/131.0.0.0 Safari/537.36"
    ),
    "phantomjs": (
        "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) "
        "PhantomJS/2.1.1 Safari/538.1"
    ),
    "curl": "curl/8.5.0",
    "wget": "Wget/1.21.4",
    "python-requests": "python-requests/2.32.3",
    "httpx": "python-httpx/0.27.0",
    "aiohttp": "Python/3.12 aiohttp/3.10.5",
    "go-http-client": "Go-http-client/2.0",
    "apache-httpclient": "Apache-HttpClient/4.5.14 (Java/17.0.9)",
    "libwww-perl": "libwww-perl/6.77",
}


@pytest.mark.parametrize("ua", list(BOTS.values()), ids=list(BOTS))
def test_bot(ua):
    assert_bot(ua)


@pytest.mark.parametrize("ua", list(AUTOMATION.values()), ids=list(AUTOMATION))
def test_automation_is_a_visitor_unless_the_site_excludes_it(ua):
    from personalize.tracking.devices.bots import AUTOMATION_USER_AGENTS

    meta = {"HTTP_USER_AGENT": ua}
    assert is_bot(meta) is False
    with override_settings(PERSONALIZE_BOT_USER_AGENTS=[*AUTOMATION_USER_AGENTS]):
        assert is_bot(meta) is True
        assert detect_device(meta).is_bot is True


@pytest.mark.parametrize(
    "ua",
    [
        # Names that merely start like a tool, or contain one, are browsers.
        f"{WIN} {CHROME} Safari/537.36 Curly/1.0",
        f"{IPHONE} (KHTML, like Gecko) Mobile/15E148 Twitter for iPhone/10.60",
        "Mozilla/5.0 (Linux; Android 13; JAVA-X1) AppleWebKit/537.36 Mobile Safari/537.36",
    ],
)
def test_tool_names_only_count_at_the_start(ua):
    from personalize.tracking.devices.bots import AUTOMATION_USER_AGENTS

    with override_settings(PERSONALIZE_BOT_USER_AGENTS=[*AUTOMATION_USER_AGENTS]):
        assert is_bot({"HTTP_USER_AGENT": ua}) is False


def _hints(ua, mobile, platform, brands="", platform_version=""):
    meta = {
        "HTTP_USER_AGENT": ua,
        "HTTP_SEC_CH_UA_MOBILE": mobile,
        "HTTP_SEC_CH_UA_PLATFORM": f'"{platform}"',
    }
    if brands:
        meta["HTTP_SEC_CH_UA"] = brands
    if platform_version:
        meta["HTTP_SEC_CH_UA_PLATFORM_VERSION"] = f'"{platform_version}"'
    return detect_device(meta)


@pytest.mark.parametrize(
    ("ua", "mobile", "platform", "brands", "platform_version", "expected"),
    [
        # Brave: Chrome's User-Agent, its own brand.
        (
            f"{WIN} {CHROME} Safari/537.36",
            "?0",
            "Windows",
            '"Brave";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
            "",
            ("desktop", "Brave", "131", "Windows", "10"),
        ),
        (
            f"{ANDROID_REDUCED} {CHROME} Mobile Safari/537.36",
            "?1",
            "Android",
            '"Brave";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
            "",
            ("mobile", "Brave", "131", "Android", ""),
        ),
        # Windows 11 is only known from the high-entropy platform version hint.
        (
            f"{WIN} {CHROME} Safari/537.36",
            "?0",
            "Windows",
            '"Google Chrome";v="131", "Chromium";v="131"',
            "15.0.0",
            ("desktop", "Chrome", "131", "Windows", "11"),
        ),
        (
            f"{WIN} {CHROME} Safari/537.36",
            "?0",
            "Windows",
            '"Google Chrome";v="131", "Chromium";v="131"',
            "10.0.0",
            ("desktop", "Chrome", "131", "Windows", "10"),
        ),
        # Android: the reduced User-Agent's version is a placeholder, the hint a real one.
        (
            f"{ANDROID_REDUCED} {CHROME} Safari/537.36",
            "?0",
            "Android",
            '"Google Chrome";v="131"',
            "14.0.0",
            ("tablet", "Chrome", "131", "Android", "14"),
        ),
        (
            f"{ANDROID_REDUCED} {CHROME} Mobile Safari/537.36",
            "?1",
            "Android",
            '"Microsoft Edge";v="131", "Chromium";v="131"',
            "",
            ("mobile", "Edge", "131", "Android", ""),
        ),
        (
            f"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) {CHROME} Safari/537.36",
            "?0",
            "Chrome OS",
            '"Google Chrome";v="131"',
            "",
            ("desktop", "Chrome", "131", "ChromeOS", "14541"),
        ),
    ],
)
def test_client_hints(ua, mobile, platform, brands, platform_version, expected):
    device = _hints(ua, mobile, platform, brands, platform_version)
    got = (device.type, device.browser, device.browser_version, device.os, device.os_version)
    assert got == expected


def test_client_hints_never_clear_a_bot():
    googlebot = BOTS["googlebot-smartphone"]
    assert _hints(googlebot, "?1", "Android").is_bot is True


@pytest.mark.parametrize(
    ("headers", "prefetch", "prerender"),
    [
        ({"HTTP_PURPOSE": "prefetch"}, True, False),
        ({"HTTP_SEC_PURPOSE": "prefetch"}, True, False),
        ({"HTTP_SEC_PURPOSE": "prefetch;prerender"}, True, True),
        ({"HTTP_SEC_PURPOSE": "prefetch; prerender"}, True, True),
        ({"HTTP_SEC_PURPOSE": "prefetch;anonymous-client-ip"}, True, False),
        ({"HTTP_SEC_PURPOSE": "Prefetch"}, True, False),
        ({"HTTP_X_MOZ": "prefetch"}, True, False),
        ({"HTTP_X_PURPOSE": "preview"}, True, False),
        ({"HTTP_X_PURPOSE": "prefetch"}, True, False),
        ({"HTTP_PURPOSE": ""}, False, False),
        ({"HTTP_SEC_PURPOSE": "nonsense"}, False, False),
        ({}, False, False),
    ],
)
def test_speculative_requests(headers, prefetch, prerender):
    assert is_prefetch(headers) is prefetch
    assert is_prerender(headers) is prerender


# Whether a request may create a visitor at all, as the middleware asks it.
@pytest.mark.parametrize(
    ("method", "headers", "tracked"),
    [
        ("get", {"HTTP_USER_AGENT": BROWSERS["chrome-windows"][0]}, True),
        ("get", {}, True),  # no User-Agent: Django's test client, treated as a browser
        ("head", {"HTTP_USER_AGENT": BROWSERS["chrome-windows"][0]}, False),
        ("options", {"HTTP_USER_AGENT": BROWSERS["chrome-windows"][0]}, False),
        ("get", {"HTTP_USER_AGENT": BOTS["googlebot-smartphone"]}, False),
        ("get", {"HTTP_USER_AGENT": BOT_CASES["facebookexternalhit"]}, False),
        ("get", {"HTTP_USER_AGENT": AUTOMATION["headless-chrome"]}, True),
        ("get", {"HTTP_USER_AGENT": AUTOMATION["python-requests"]}, True),
        (
            "get",
            {"HTTP_USER_AGENT": BROWSERS["chrome-windows"][0], "HTTP_SEC_PURPOSE": "prefetch"},
            False,
        ),
        (
            "get",
            {
                "HTTP_USER_AGENT": BROWSERS["chrome-windows"][0],
                "HTTP_SEC_PURPOSE": "prefetch;prerender",
            },
            False,
        ),
        (
            "get",
            {"HTTP_USER_AGENT": BROWSERS["chrome-windows"][0], "HTTP_X_MOZ": "prefetch"},
            False,
        ),
        (
            "get",
            {"HTTP_USER_AGENT": BROWSERS["chrome-windows"][0], "HTTP_PURPOSE": "prefetch"},
            False,
        ),
    ],
)
@pytest.mark.django_db
def test_request_is_tracked(method, headers, tracked):
    request = getattr(RequestFactory(), method)("/", **headers)
    assert RequestFacts(request).tracking is tracked
