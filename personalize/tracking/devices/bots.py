"""Bot detection: built-in User-Agent tokens and the ``PERSONALIZE_BOT_USER_AGENTS`` setting.

A client is a bot when ua-parser classifies it as a ``Spider``, when it matches
:data:`BOT_TOKENS` (search engines, social link unfurlers, SEO and AI crawlers, uptime
monitors and audit tools, plus the whole words bot/crawler/crawl/spider/scraper), or when it
matches one of the ``PERSONALIZE_BOT_USER_AGENTS`` regular expressions (searched
case-insensitively; an invalid pattern is logged once and ignored). Policy:

* anything that fetches pages without a person looking at them in a browser is a bot, even
  when it acts for a person (ChatGPT-User, Perplexity-User, Claude-User, Google-Read-Aloud);
* headless browsers (HeadlessChrome, PhantomJS) and command-line or scripting clients (curl,
  Wget, python-requests, Go-http-client, Scrapy...) are *not* bots by default: end-to-end
  tests, a site's own checks and server-side front-ends drive them, and they must see and
  build the same personalization a visitor does. A live site that wants them out adds
  :data:`AUTOMATION_USER_AGENTS` to the setting::

      from personalize.tracking.devices.bots import AUTOMATION_USER_AGENTS
      PERSONALIZE_BOT_USER_AGENTS = [*AUTOMATION_USER_AGENTS]

* the HTTP clients of mobile apps and of server-side JavaScript (okhttp, CFNetwork, Dart,
  node-fetch, undici, axios) are not bots either: they often act for a visitor (a headless
  front-end's server should forward the visitor's User-Agent anyway, for device rules).
  Add them through ``BOT_USER_AGENTS`` (e.g. ``r"^okhttp/"``) to exclude them.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from personalize.conf import get_parsed_setting
from personalize.tracking.devices.common import _log_once

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
    "google page speed",
    "google-pagespeed",
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
    "yeti/",  # Naver
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
    "mistralai-user",
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
    "gtmetrix",
    "ptst/",  # WebPageTest
    "sitebulb",
    # Archivers.
    "ia_archiver",
    "archive.org_bot",
)

#: Patterns for ``PERSONALIZE_BOT_USER_AGENTS`` that also exclude headless browsers and the
#: command-line tools and scripting or scraping libraries that name themselves at the start
#: of the User-Agent (see the module docstring): not bots by default.
AUTOMATION_USER_AGENTS: tuple[str, ...] = (
    r"headlesschrome|phantomjs",
    r"^(?:curl|wget|python-requests|python-urllib|python-httpx|aiohttp|go-http-client"
    r"|libwww-perl|lwp::simple|scrapy|httpie|java|apache-httpclient|guzzlehttp)/",
    r"^python/[0-9.]+ aiohttp/",
    r"^ruby\b",
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
    return get_parsed_setting("BOT_USER_AGENTS", _build_extra_bot_patterns)


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
