"""Traffic-source classification: where did this visit come from?

:func:`classify` turns the ``Referer`` header and the landing URL's query parameters into a
:class:`Source`: a *medium* (one of :data:`MEDIUMS`), a short *source* name, the search *term*
when one is known, the campaign (``utm_*``) parameters and the ad-platform click ids.

This module is pure Python (standard library only): it needs no Django settings, neither at
import time nor at call time, so it can be used from middleware, tasks and tests alike.

Precedence
==========

The first rule that decides the medium wins:

1. **Explicit campaign medium.** A recognised ``utm_medium`` (case-insensitive; spaces and
   hyphens count as underscores): ``email``/``e-mail``/``newsletter``/``mail``/``edm`` ->
   ``email``; ``cpc``/``ppc``/``cpm``/``cpv``/``cpa``/``display``/``banner``/``retargeting``/
   ``paid*``/``cp*`` (GA4's "paid" family, including ``paid_social``) -> ``paid``; ``social``/
   ``social_media``/``sm``/``organic_social`` -> ``social``; ``organic``/``seo`` -> ``search``;
   ``referral``/``link``/``affiliate``/``partner`` -> ``referral`` (affiliates get no medium of
   their own: they are referrals that happen to be paid by commission); ``chatbot``/``ai``/
   ``llm`` -> ``chatbot``; ``(none)``/``none``/``direct`` -> ``direct``.
2. **Paid or email click ids** added by auto-tagging: ``gclid``/``gbraid``/``wbraid``/
   ``dclid`` (google), ``msclkid`` (bing), ``ttclid`` (tiktok), ``li_fat_id`` (linkedin),
   ``twclid`` (twitter), ``ScCid`` (snapchat), ``yclid`` (yandex), ``epik`` (pinterest),
   ``rdt_cid`` (reddit) -> ``paid``; ``mc_eid``/``mc_cid`` (mailchimp), ``_hsenc``/``_hsmi``
   (hubspot), ``mkt_tok`` (marketo) -> ``email``.
3. **Campaign source alone.** A ``utm_source`` that names a known chatbot, search engine,
   social network, email service or ad network (``chatgpt.com`` -- which ChatGPT appends to
   the links it cites --, ``perplexity``, ``google``, ``facebook``/``fb``, ``newsletter``,
   ``mailchimp``, ``taboola`` ...) gives that medium when rules 1-2 did not decide (no
   ``utm_medium``, or one we do not know). Plain referral hosts give nothing here: an unknown
   ``utm_medium`` with an unknown ``utm_source`` (``utm_medium=qr&utm_source=poster``) falls
   through to the referrer, so it is ``direct`` without one -- with ``source="poster"``.
4. **Soft click ids**, which platforms add to *every* outbound link, not only to ads:
   ``fbclid`` -> ``social``/facebook, ``igshid`` -> ``social``/instagram, ``srsltid`` (Google
   Merchant Center, on organic results) -> ``search``/google, ``irclickid`` -> ``referral``.
5. **Internal referrer.** A referrer whose host is the request host or one of
   ``internal_hosts`` is navigation inside the site: ``Source(medium="direct",
   is_internal=True)``. ``www.`` is ignored on both sides; an ``internal_hosts`` entry that
   starts with a dot (``.example.com``, as in Django's ``ALLOWED_HOSTS``) also matches every
   subdomain; ``"*"`` is ignored. Campaign parameters are still parsed, and rules 1-4 still
   apply first: a tagged link clicked on the site itself (say, in the newsletter archive) is
   still that campaign, reported with ``is_internal=True``.
6. **Referrer host tables.** Search engines (with the parameter that carries the term),
   social networks, webmail, chatbots and ad servers, matched on the host and its parent
   domains; brands with many country domains (``google.*``, ``yahoo.*``, ``yandex.*``,
   ``pinterest.*`` ...) match every ``brand.<cc>``, ``brand.co.<cc>`` and ``brand.com.<cc>``.
   More specific hosts win: ``mail.google.*`` is email (gmail), ``gemini.google.*`` a chatbot,
   ``news.google.*`` a plain referral (it is a news aggregator, not a results page),
   ``googleadservices.com``/``doubleclick.net``/``googlesyndication.com`` paid. Hosts starting
   with ``mail.``/``webmail.``/``email.``/``owa.``/``roundcube.`` are webmail (email, source =
   host). Sign-in and payment round trips (``accounts.google.com``, ``paypal.com``,
   ``checkout.stripe.com`` ...) are *not* acquisition: they give ``direct``. Blogging and
   newsletter platforms (``medium.com``, ``*.substack.com``) are plain referrals.
   ``android-app://<package>`` and ``ios-app://<app id>`` referrers are looked up in app
   tables (``com.google.android.gm`` -> email/gmail, ``com.google.android.googlequicksearchbox``
   -> search/google, ``com.linkedin.android`` -> social/linkedin, ``com.slack`` ->
   referral/slack); unknown apps are referrals whose source is the package (or app id).
   Any other ``http(s)`` host is a ``referral`` whose source is the host.
7. **Nothing usable** -- no referrer, ``about:blank``, ``javascript:``/``data:``/``file:`` and
   other non-web schemes, an unparseable host -> ``direct``.

Fields
======

* ``source``: ``utm_source`` when given (lowercased; a known alias or host such as
  ``chatgpt.com``/``fb`` becomes the canonical name ``chatgpt``/``facebook``), otherwise the
  click id's platform, otherwise the name from the referrer tables, otherwise the referring
  host. Twitter and X are both ``"twitter"``.
* ``term``: only for ``search`` and ``paid``; from the engine's own parameter (Yahoo ``p``,
  Yandex ``text``, Baidu ``wd``/``word``, Naver/Sogou/Coc Coc ``query``, most others ``q``),
  else from ``utm_term``. Terms are percent-decoded (UTF-8, with the engine's legacy charset
  as a fallback, e.g. GB18030 for Baidu), whitespace-collapsed and **lowercased** (they are
  used for keyword matching, and lowercasing keeps profiles small and comparable). A "term"
  that is a URL (Google's ``/url?q=https://...`` redirector) is dropped.
* ``referrer_host``: lowercase, ASCII (IDNA/punycode) host without ``www.``, port, userinfo or
  trailing dot; an IPv6 literal without brackets; the package name or app id for app
  referrers. The full referrer URL is never kept (it may carry credentials or personal data).
* ``utm``: only the six ``utm_*`` keys of :data:`UTM_KEYS`, values cleaned (case kept).
* ``click_ids``: only the names of :data:`CLICK_IDS`, keyed by their lowercase name
  (``ScCid`` -> ``sccid``).

``query`` may be a Django ``QueryDict`` (the last value of a key counts), any ``Mapping`` (a
list value counts by its last item; numbers are accepted) or a raw query string (only its
first :data:`MAX_QUERY_STRING_LENGTH` characters are read). Parameter names are matched
case-insensitively (``UTM_SOURCE``, ``ScCid``).

Hostile input
=============

The ``Referer`` header and the query string are attacker-controlled. :func:`classify` never
raises (an unexpected error yields ``Source()``), looks at no more than
:data:`MAX_REFERRER_LENGTH` characters of the referrer, looks up only the known parameter
names (so a query with thousands of parameters costs the same as a short one), uses no regular
expressions, and caches only pure host look-ups in bounded LRU caches. Every string it returns
has NUL, control and bidi-override characters, lone surrogates and U+FFFD (what undecodable
bytes become) removed, whitespace collapsed, and is cut to its cap (:data:`MAX_HOST`,
:data:`MAX_SOURCE`, :data:`MAX_TERM`, :data:`MAX_UTM_VALUE`, :data:`MAX_CLICK_ID`). A referrer
that is all latin-1 code points but valid UTF-8 once re-encoded (how WSGI servers hand over raw
UTF-8 header bytes) is recovered as UTF-8 first. Hosts are validated: invalid IDNA or punycode,
empty or over-long labels, bad characters or a bad IPv6 literal make the referrer unusable
(``direct``).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any, NamedTuple
from urllib.parse import unquote_to_bytes

logger = logging.getLogger(__name__)

__all__ = [
    "CLICK_IDS",
    "MAX_CLICK_ID",
    "MAX_HOST",
    "MAX_REFERRER_LENGTH",
    "MAX_SOURCE",
    "MAX_TERM",
    "MAX_UTM_VALUE",
    "MEDIUMS",
    "UTM_KEYS",
    "FrozenMapping",
    "Source",
    "classify",
    "parse_campaign",
    "referrer_host",
]

SEARCH = "search"
SOCIAL = "social"
EMAIL = "email"
PAID = "paid"
REFERRAL = "referral"
DIRECT = "direct"
CHATBOT = "chatbot"

MEDIUMS = (SEARCH, SOCIAL, EMAIL, PAID, REFERRAL, DIRECT, CHATBOT)

#: Characters of the referrer that are looked at; the rest is ignored.
MAX_REFERRER_LENGTH = 2000
#: Characters of a raw query string (when ``query`` is a ``str``) that are looked at.
MAX_QUERY_STRING_LENGTH = 8000
#: Caps of the string fields of :class:`Source`.
MAX_HOST = 255
MAX_SOURCE = 255
MAX_TERM = 200
MAX_UTM_VALUE = 200
MAX_CLICK_ID = 255
#: Query keys scanned for case variants (``UTM_Source``, ``ScCid``) after the exact look-ups.
MAX_QUERY_SCAN = 100
#: ``internal_hosts`` entries considered.
MAX_INTERNAL_HOSTS = 200

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id")


class _ClickId(NamedTuple):
    medium: str
    source: str
    strong: bool  # decides before a bare utm_source (rule 2) rather than after it (rule 4)


#: Known click-id parameters (lowercase name -> what a click carrying it means), in priority
#: order: when several are present, the first one listed here decides.
CLICK_IDS: Mapping[str, _ClickId] = {
    "gclid": _ClickId(PAID, "google", True),
    "gbraid": _ClickId(PAID, "google", True),
    "wbraid": _ClickId(PAID, "google", True),
    "dclid": _ClickId(PAID, "google", True),
    "msclkid": _ClickId(PAID, "bing", True),
    "ttclid": _ClickId(PAID, "tiktok", True),
    "li_fat_id": _ClickId(PAID, "linkedin", True),
    "twclid": _ClickId(PAID, "twitter", True),
    "sccid": _ClickId(PAID, "snapchat", True),
    "yclid": _ClickId(PAID, "yandex", True),
    "epik": _ClickId(PAID, "pinterest", True),
    "rdt_cid": _ClickId(PAID, "reddit", True),
    "mc_eid": _ClickId(EMAIL, "mailchimp", True),
    "mc_cid": _ClickId(EMAIL, "mailchimp", True),
    "_hsenc": _ClickId(EMAIL, "hubspot", True),
    "_hsmi": _ClickId(EMAIL, "hubspot", True),
    "mkt_tok": _ClickId(EMAIL, "marketo", True),
    "fbclid": _ClickId(SOCIAL, "facebook", False),
    "igshid": _ClickId(SOCIAL, "instagram", False),
    "srsltid": _ClickId(SEARCH, "google", False),
    "irclickid": _ClickId(REFERRAL, "impact", False),
}

# Exact spellings tried before the bounded case-insensitive scan of the query keys.
_KEY_SPELLINGS: dict[str, tuple[str, ...]] = {
    **{key: (key, key.upper()) for key in UTM_KEYS},
    **{name: (name, name.upper()) for name in CLICK_IDS},
    "sccid": ("sccid", "ScCid", "SCCID", "ScCID"),
}
_WANTED_KEYS = frozenset(_KEY_SPELLINGS)


# --------------------------------------------------------------------------------------------
# Cleaning


def _cleaning_table(*, keep_whitespace: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in (*range(0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000)):
        table[code] = None
    # Invisible formatting and bidi overrides ("Trojan source" in an admin list).
    for code in (0x061C, 0x180E, 0xFEFF, 0xFFFD, *range(0x200B, 0x2010), *range(0x202A, 0x202F)):
        table[code] = None
    for code in range(0x2060, 0x2070):
        table[code] = None
    if keep_whitespace:
        for code in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85):
            table[code] = " "
    return table


_TEXT_TABLE = _cleaning_table(keep_whitespace=True)
# URL parsers drop tabs and newlines anywhere in a URL; so do we.
_URL_TABLE = _cleaning_table(keep_whitespace=False)


def _clean(value: object, cap: int, *, lower: bool = False) -> str:
    """Printable, whitespace-collapsed, stripped text of at most ``cap`` characters."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value[: cap * 4 + 64]).decode("utf-8", "replace")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    elif not isinstance(value, str):
        return ""
    # Bounded work: only a prefix can survive the cap anyway.
    text = " ".join(value[: cap * 4 + 64].translate(_TEXT_TABLE).split())
    if lower:
        text = text.lower()
    return text[:cap].rstrip()


def _clean_str(value: object, cap: int, *, lower: bool = False) -> str:
    """:func:`_clean` for stored data, where anything but ``str`` is garbage."""
    return _clean(value, cap, lower=lower) if isinstance(value, str) else ""


def _recover_utf8(text: str) -> str:
    """WSGI hands header bytes over as latin-1; undo that when the bytes are valid UTF-8."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


# --------------------------------------------------------------------------------------------
# Immutable mapping for the dataclass fields


class FrozenMapping(Mapping[str, str]):
    """A small immutable, hashable ``str -> str`` mapping (``MappingProxyType`` is unhashable)."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._data: dict[str, str] = dict(data)
        self._hash: int | None = None

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMapping, (dict(self._data),))


EMPTY: Mapping[str, str] = FrozenMapping()


def _frozen(value: object) -> FrozenMapping:
    if isinstance(value, FrozenMapping):
        return value
    if not isinstance(value, Mapping):
        return FrozenMapping()
    return FrozenMapping(
        (k, v) for k, v in islice(value.items(), 64) if isinstance(k, str) and isinstance(v, str)
    )


# --------------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True, slots=True)
class Source:
    """Where a visit came from. Immutable and hashable; see the module docstring."""

    medium: str = DIRECT
    source: str = ""
    term: str = ""
    referrer_host: str = ""
    utm: Mapping[str, str] = field(default=EMPTY)
    click_ids: Mapping[str, str] = field(default=EMPTY)
    is_internal: bool = False

    def __post_init__(self) -> None:
        # Accept plain dicts from callers but store immutable, hashable mappings.
        object.__setattr__(self, "utm", _frozen(self.utm))
        object.__setattr__(self, "click_ids", _frozen(self.click_ids))

    def as_dict(self) -> dict[str, Any]:
        """A plain, JSON-able dict (every key always present), e.g. for a visitor profile."""
        return {
            "medium": self.medium,
            "source": self.source,
            "term": self.term,
            "referrer_host": self.referrer_host,
            "utm": dict(self.utm),
            "click_ids": dict(self.click_ids),
            "is_internal": self.is_internal,
        }

    @classmethod
    def from_dict(cls, data: object) -> Source:
        """Rebuild from :meth:`as_dict` output; anything missing or malformed gets its default.

        Never raises: stored profiles may be old, truncated or tampered with.
        """
        if not isinstance(data, Mapping):
            return cls()
        try:
            medium = data.get("medium")
            utm_in = data.get("utm")
            clicks_in = data.get("click_ids")
            utm: dict[str, str] = {}
            if isinstance(utm_in, Mapping):
                for key in UTM_KEYS:
                    value = _clean_str(utm_in.get(key), MAX_UTM_VALUE)
                    if value:
                        utm[key] = value
            clicks: dict[str, str] = {}
            if isinstance(clicks_in, Mapping):
                for name in CLICK_IDS:
                    value = _clean_str(clicks_in.get(name), MAX_CLICK_ID)
                    if value:
                        clicks[name] = value
            return cls(
                medium=medium if isinstance(medium, str) and medium in MEDIUMS else DIRECT,
                source=_clean_str(data.get("source"), MAX_SOURCE, lower=True),
                term=_clean_str(data.get("term"), MAX_TERM, lower=True),
                referrer_host=_clean_str(data.get("referrer_host"), MAX_HOST, lower=True),
                utm=utm,
                click_ids=clicks,
                is_internal=data.get("is_internal") is True,
            )
        except Exception:
            logger.debug("Unreadable stored traffic source", exc_info=True)
            return cls()


# --------------------------------------------------------------------------------------------
# Tables


class _Entry(NamedTuple):
    medium: str
    source: str | None  # None: use the host itself
    params: tuple[str, ...] = ()  # query parameters that carry the search term, in order
    charsets: tuple[str, ...] = ()  # legacy encodings tried when the term is not UTF-8


_HOSTS: dict[str, _Entry] = {}


def _add(medium: str, source: str | None, hosts: str, params: str = "", charsets: str = "") -> None:
    entry = _Entry(medium, source, tuple(params.split()), tuple(charsets.split()))
    for host in hosts.split():
        if host in _HOSTS:  # pragma: no cover - a table typo, caught by the import in tests
            raise ValueError(f"duplicate referrer host {host!r}")
        _HOSTS[host] = entry


# Keys ending in ".*" match the brand under any country suffix: google.com, google.de,
# google.co.uk, google.com.au, ...

# Search engines.
_add(SEARCH, "google", "google.* maps.google.* images.google.* scholar.google.*", "q")
_add(SEARCH, "google", "webcache.googleusercontent.com", "q")
_add(SEARCH, "bing", "bing.com", "q")
_add(SEARCH, "duckduckgo", "duckduckgo.com", "q")
_add(SEARCH, "yahoo", "yahoo.*", "p q")
_add(SEARCH, "yandex", "yandex.* ya.ru", "text", "cp1251")
_add(SEARCH, "baidu", "baidu.com", "wd word kw", "gb18030")
_add(SEARCH, "ecosia", "ecosia.org", "q")
_add(SEARCH, "qwant", "qwant.com", "q")
_add(SEARCH, "startpage", "startpage.com", "query q")
_add(SEARCH, "brave", "search.brave.com", "q")
_add(SEARCH, "naver", "naver.com", "query", "euc-kr")
_add(SEARCH, "seznam", "seznam.cz", "q")
_add(SEARCH, "sogou", "sogou.com", "query keyword", "gb18030")
_add(SEARCH, "so.com", "so.com", "q", "gb18030")
_add(SEARCH, "shenma", "sm.cn", "q", "gb18030")
_add(SEARCH, "ask", "ask.com", "q")
_add(SEARCH, "aol", "aol.com", "q query")
_add(SEARCH, "yep", "yep.com", "q")
_add(SEARCH, "kagi", "kagi.com", "q")
_add(SEARCH, "mojeek", "mojeek.com", "q")
_add(SEARCH, "daum", "daum.net", "q", "euc-kr")
_add(SEARCH, "coccoc", "coccoc.com", "query")
_add(SEARCH, "presearch", "presearch.com presearch.org", "q")
_add(SEARCH, "swisscows", "swisscows.com", "query")
_add(SEARCH, "metager", "metager.de metager.org", "eingabe")
_add(SEARCH, "lycos", "lycos.com", "query q")
_add(SEARCH, "dogpile", "dogpile.com", "q")
_add(SEARCH, "petalsearch", "petalsearch.com", "query")
_add(SEARCH, "rambler", "rambler.ru", "query", "cp1251")
_add(SEARCH, "mailru", "go.mail.ru", "q", "cp1251")
_add(SEARCH, "lilo", "lilo.org", "q")
_add(SEARCH, "mwmbl", "mwmbl.org", "q")
_add(SEARCH, "marginalia", "search.marginalia.nu", "query")

# Hosts of search brands that are not results pages.
_add(REFERRAL, None, "news.google.* docs.google.* drive.google.* sites.google.* groups.google.*")
_add(REFERRAL, None, "calendar.google.* meet.google.* chat.google.* classroom.google.*")
_add(REFERRAL, None, "play.google.* support.google.* translate.google.* books.google.*")
_add(REFERRAL, None, "news.yahoo.* finance.yahoo.* sports.yahoo.* mail.ru tieba.baidu.com")

# Workplace chat: links shared there are referrals, named after the app.
_add(REFERRAL, "slack", "slack.com")
_add(REFERRAL, "teams", "teams.microsoft.com teams.live.com teams.cloud.microsoft")

# Ad servers.
_add(PAID, "google", "googleadservices.com doubleclick.net googlesyndication.com")
_add(PAID, "google", "adservice.google.* syndicatedsearch.goog")
_add(PAID, "outbrain", "outbrain.com")
_add(PAID, "taboola", "taboola.com")

# Social networks, messaging and community sites.
_add(SOCIAL, "facebook", "facebook.com fb.com fb.me fb.watch")
_add(SOCIAL, "messenger", "messenger.com m.me")
_add(SOCIAL, "instagram", "instagram.com ig.me")
_add(SOCIAL, "threads", "threads.net threads.com")
_add(SOCIAL, "twitter", "twitter.com x.com t.co")
_add(SOCIAL, "linkedin", "linkedin.com lnkd.in")
_add(SOCIAL, "pinterest", "pinterest.* pin.it")
_add(SOCIAL, "reddit", "reddit.com redd.it")
_add(SOCIAL, "youtube", "youtube.com youtu.be")
_add(SOCIAL, "tiktok", "tiktok.com")
_add(SOCIAL, "snapchat", "snapchat.com")
_add(SOCIAL, "bluesky", "bsky.app")
_add(
    SOCIAL,
    "mastodon",
    "mastodon.social mastodon.online mastodon.world mastodon.cloud mastodon.art mastodon.xyz "
    "mastodon.uno mas.to mstdn.social mstdn.jp fosstodon.org hachyderm.io infosec.exchange "
    "ioc.exchange chaos.social troet.cafe det.social toot.community techhub.social "
    "sigmoid.social universeodon.com social.vivaldi.net pawoo.net",
)
_add(SOCIAL, "tumblr", "tumblr.com t.umblr.com")
_add(SOCIAL, "vk", "vk.com vk.ru")
_add(SOCIAL, "odnoklassniki", "ok.ru")
_add(SOCIAL, "weibo", "weibo.com weibo.cn t.cn")
_add(SOCIAL, "quora", "quora.com")
_add(SOCIAL, "discord", "discord.com discordapp.com discord.gg")
_add(SOCIAL, "telegram", "t.me telegram.me telegram.org")
_add(SOCIAL, "whatsapp", "whatsapp.com wa.me")
_add(SOCIAL, "hackernews", "news.ycombinator.com")
_add(SOCIAL, "lobsters", "lobste.rs")
_add(SOCIAL, "line", "line.me")
_add(SOCIAL, "xing", "xing.com")
_add(SOCIAL, "twitch", "twitch.tv")
_add(SOCIAL, "vimeo", "vimeo.com")
_add(SOCIAL, "dailymotion", "dailymotion.com")
_add(SOCIAL, "flickr", "flickr.com")
_add(SOCIAL, "lemmy", "lemmy.world lemmy.ml")
_add(SOCIAL, "nextdoor", "nextdoor.com")
_add(SOCIAL, "producthunt", "producthunt.com")
_add(SOCIAL, "kakao", "story.kakao.com")
_add(SOCIAL, "douyin", "douyin.com")
_add(SOCIAL, "bilibili", "bilibili.com")
_add(SOCIAL, "zhihu", "zhihu.com")
_add(SOCIAL, "xiaohongshu", "xiaohongshu.com")
_add(SOCIAL, "truthsocial", "truthsocial.com")

# Webmail.
_add(EMAIL, "gmail", "mail.google.* inbox.google.*")
_add(EMAIL, "yahoo", "mail.yahoo.*")
_add(
    EMAIL,
    "outlook",
    "outlook.live.com outlook.office.com outlook.office365.com outlook.cloud.microsoft "
    "outlook.com mail.live.com",
)
_add(EMAIL, "aol", "mail.aol.com")
_add(EMAIL, "proton", "mail.proton.me mail.protonmail.com")
_add(EMAIL, "fastmail", "fastmail.com")
_add(EMAIL, "zoho", "mail.zoho.*")
_add(EMAIL, "icloud", "icloud.com")
_add(EMAIL, "gmx", "gmx.net gmx.de gmx.at gmx.ch gmx.com")
_add(EMAIL, "web.de", "web.de")
_add(EMAIL, "mailru", "e.mail.ru")
_add(EMAIL, "yandex", "mail.yandex.*")
_add(EMAIL, "seznam", "email.seznam.cz")
_add(EMAIL, "naver", "mail.naver.com")
_add(EMAIL, "daum", "mail.daum.net")
_add(EMAIL, "qq", "mail.qq.com")
_add(EMAIL, "netease", "mail.163.com mail.126.com")
_add(EMAIL, "tuta", "app.tuta.com mail.tutanota.com")
_add(EMAIL, "hey", "app.hey.com")
_add(EMAIL, "superhuman", "superhuman.com")

# Chatbots and AI assistants.
_add(CHATBOT, "chatgpt", "chatgpt.com chat.openai.com chat.com")
_add(CHATBOT, "perplexity", "perplexity.ai")
_add(CHATBOT, "claude", "claude.ai")
_add(CHATBOT, "gemini", "gemini.google.* bard.google.* aistudio.google.*")
_add(CHATBOT, "notebooklm", "notebooklm.google.*")
_add(
    CHATBOT,
    "copilot",
    "copilot.microsoft.com copilot.cloud.microsoft m365.cloud.microsoft edgeservices.bing.com",
)
_add(CHATBOT, "you.com", "you.com")
_add(CHATBOT, "poe", "poe.com")
_add(CHATBOT, "deepseek", "deepseek.com")
_add(CHATBOT, "mistral", "chat.mistral.ai")
_add(CHATBOT, "metaai", "meta.ai")
_add(CHATBOT, "grok", "grok.com")
_add(CHATBOT, "phind", "phind.com")
_add(CHATBOT, "kimi", "kimi.com kimi.moonshot.cn")
_add(CHATBOT, "qwen", "chat.qwen.ai")
_add(CHATBOT, "pi.ai", "pi.ai")
_add(CHATBOT, "characterai", "character.ai")

# Sign-in and payment round trips: the visitor was already here, so not a new source.
_add(
    DIRECT,
    "",
    "accounts.google.* pay.google.* login.microsoftonline.com login.live.com appleid.apple.com "
    "paypal.com checkout.stripe.com klarna.com auth0.com okta.com",
)

# Paths that change the meaning of a host (when the browser sent the full referrer URL).
_PATH_RULES: dict[str, tuple[tuple[str, _Entry], ...]] = {
    "x.com": (("/i/grok", _Entry(CHATBOT, "grok")),),
    "twitter.com": (("/i/grok", _Entry(CHATBOT, "grok")),),
    "bing.com": (("/chat", _Entry(CHATBOT, "copilot")),),
}

# Brands that have "brand.*" keys, and the suffixes "*" stands for.
_BRANDS = frozenset(key[:-2].rsplit(".", 1)[-1] for key in _HOSTS if key.endswith(".*"))
_GENERIC_SUFFIXES = frozenset({"com", "net", "org", "cat"})
_SECOND_LEVELS = frozenset({"co", "com"})

_WEBMAIL_PREFIXES = frozenset({"mail", "webmail", "email", "owa", "roundcube"})
_DEFAULT_REFERRAL = _Entry(REFERRAL, None)
_WEBMAIL = _Entry(EMAIL, None)

# App referrers: android-app://<package>/... (matched on the package and its parents).
_ANDROID: dict[str, _Entry] = {
    "com.google.android.gm": _Entry(EMAIL, "gmail"),
    "com.google.android.googlequicksearchbox": _Entry(SEARCH, "google"),
    "com.google.android.apps.searchlite": _Entry(SEARCH, "google"),
    "com.google.android.youtube": _Entry(SOCIAL, "youtube"),
    "com.google.android.apps.magazines": _Entry(REFERRAL, "news.google.com"),
    "com.google.android.apps.bard": _Entry(CHATBOT, "gemini"),
    "com.microsoft.bing": _Entry(SEARCH, "bing"),
    "com.microsoft.copilot": _Entry(CHATBOT, "copilot"),
    "com.microsoft.office.outlook": _Entry(EMAIL, "outlook"),
    "com.yahoo.mobile.client.android.mail": _Entry(EMAIL, "yahoo"),
    "ch.protonmail.android": _Entry(EMAIL, "proton"),
    "com.samsung.android.email.provider": _Entry(EMAIL, "samsung_email"),
    "ru.yandex.searchplugin": _Entry(SEARCH, "yandex"),
    "com.duckduckgo.mobile.android": _Entry(SEARCH, "duckduckgo"),
    "com.nhn.android.search": _Entry(SEARCH, "naver"),
    "com.linkedin.android": _Entry(SOCIAL, "linkedin"),
    "com.facebook.katana": _Entry(SOCIAL, "facebook"),
    "com.facebook.lite": _Entry(SOCIAL, "facebook"),
    "com.facebook.orca": _Entry(SOCIAL, "messenger"),
    "com.instagram.android": _Entry(SOCIAL, "instagram"),
    "com.instagram.barcelona": _Entry(SOCIAL, "threads"),
    "com.twitter.android": _Entry(SOCIAL, "twitter"),
    "com.reddit.frontpage": _Entry(SOCIAL, "reddit"),
    "com.pinterest": _Entry(SOCIAL, "pinterest"),
    "com.zhiliaoapp.musically": _Entry(SOCIAL, "tiktok"),
    "com.ss.android.ugc.trill": _Entry(SOCIAL, "tiktok"),
    "com.snapchat.android": _Entry(SOCIAL, "snapchat"),
    "org.telegram.messenger": _Entry(SOCIAL, "telegram"),
    "com.whatsapp": _Entry(SOCIAL, "whatsapp"),
    "com.discord": _Entry(SOCIAL, "discord"),
    "xyz.blueskyweb.app": _Entry(SOCIAL, "bluesky"),
    "com.slack": _Entry(REFERRAL, "slack"),
    "com.openai.chatgpt": _Entry(CHATBOT, "chatgpt"),
    "ai.perplexity.app.android": _Entry(CHATBOT, "perplexity"),
    "com.anthropic.claude": _Entry(CHATBOT, "claude"),
}

# ios-app://<App Store id>/...
_IOS: dict[str, _Entry] = {
    "284815942": _Entry(SEARCH, "google"),
    "422689480": _Entry(EMAIL, "gmail"),
    "951937596": _Entry(EMAIL, "outlook"),
    "284882215": _Entry(SOCIAL, "facebook"),
    "389801252": _Entry(SOCIAL, "instagram"),
    "333903271": _Entry(SOCIAL, "twitter"),
    "288429040": _Entry(SOCIAL, "linkedin"),
    "544007664": _Entry(SOCIAL, "youtube"),
    "1064216828": _Entry(SOCIAL, "reddit"),
    "429047995": _Entry(SOCIAL, "pinterest"),
    "310633997": _Entry(SOCIAL, "whatsapp"),
    "686449807": _Entry(SOCIAL, "telegram"),
    "618783545": _Entry(REFERRAL, "slack"),
    "6448311069": _Entry(CHATBOT, "chatgpt"),
}

# utm_medium (normalized) -> medium.
_UTM_MEDIUMS: dict[str, str] = {}
for _medium, _names in (
    (EMAIL, "email e_mail emails newsletter newsletters mail edm emailing e_mailing mailing"),
    (
        PAID,
        "cpc ppc cpm cpv cpa cpl paid display banner banners retargeting remarketing ads ad "
        "adwords sem programmatic native social_paid social_ads paid_social paidsocial "
        "paidsearch paid_search",
    ),
    (SOCIAL, "social social_media socialmedia social_network social_networks sm organic_social"),
    (SEARCH, "organic organic_search seo search"),
    (REFERRAL, "referral referer referrer ref link links affiliate affiliates partner partners"),
    (CHATBOT, "chatbot chatbots ai llm ai_assistant ai_chat genai gen_ai assistant"),
    (DIRECT, "(none) none direct"),
):
    for _name in _names.split():
        _UTM_MEDIUMS[_name] = _medium

# utm_source (normalized) -> (medium or None, canonical name or None to keep it as given).
_SOURCE_ALIASES: dict[str, tuple[str, str | None]] = {}
for _medium in (CHATBOT, SEARCH, SOCIAL, EMAIL, PAID):  # first medium wins a name
    for _entry in (*_HOSTS.values(), *_ANDROID.values()):
        if _entry.medium == _medium and _entry.source and "." not in _entry.source:
            _SOURCE_ALIASES.setdefault(_entry.source, (_medium, _entry.source))
for _alias, _target in (
    ("openai", "chatgpt"),
    ("bard", "gemini"),
    ("le_chat", "mistral"),
    ("meta_ai", "metaai"),
    ("fb", "facebook"),
    ("ig", "instagram"),
    ("x", "twitter"),
    ("yt", "youtube"),
    ("hn", "hackernews"),
    ("hacker_news", "hackernews"),
):
    _SOURCE_ALIASES[_alias] = _SOURCE_ALIASES[_target]
_EMAIL_SOURCES = (
    "email e_mail mail newsletter newsletters edm mailchimp klaviyo sendgrid mailjet brevo "
    "sendinblue convertkit campaignmonitor campaign_monitor constantcontact constant_contact "
    "activecampaign mailerlite buttondown beehiiv hubspot_email"
)
for _name in _EMAIL_SOURCES.split():
    _SOURCE_ALIASES.setdefault(_name, (EMAIL, None))
del _medium, _names, _name, _entry, _alias, _target

_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._")
_PACKAGE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+-.")


# --------------------------------------------------------------------------------------------
# Hosts


def _valid_punycode(encoded: str) -> bool:
    """Whether an ``xn--`` label decodes to printable text that needed encoding at all."""
    try:
        decoded = encoded.encode("ascii").decode("punycode")
    except UnicodeError:
        return False
    return bool(decoded) and not decoded.isascii() and decoded == decoded.translate(_TEXT_TABLE)


@lru_cache(maxsize=4096)
def _normalize_host(raw: str) -> str:
    """Lowercase ASCII host without port, ``www.`` or trailing dot; "" when not a valid host."""
    host = raw.strip()
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return ""
        if "%" in host[:end]:  # no zone ids: they are free text
            return ""
        try:
            return str(ipaddress.IPv6Address(host[1:end]))[:MAX_HOST]
        except ValueError:
            return ""
    host = host.partition(":")[0].rstrip(".").lower()
    if not host:
        return ""
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").rstrip(".")
        except (UnicodeError, ValueError):
            return ""
    if len(host) > 253 or not _HOST_CHARS.issuperset(host):
        return ""
    labels = host.split(".")
    if any(not label or len(label) > 63 for label in labels):
        return ""
    for label in labels:
        if label.startswith("xn--") and not _valid_punycode(label[4:]):
            return ""
    if labels[0] == "www" and len(labels) > 2:
        host = host[4:]
    return host


def _host_of(hostport: str) -> str:
    """Host of a ``host[:port]`` or ``[v6][:port]`` string (bounded before the cache)."""
    if not isinstance(hostport, str) or not hostport or len(hostport) > 300:
        return ""
    return _normalize_host(hostport)


@lru_cache(maxsize=4096)
def _lookup(host: str) -> _Entry:
    """Table entry for a normalized host: exact host, then parent domains, then brand.*."""
    labels = host.split(".")
    count = len(labels)
    brand_at = -1  # index of the brand label when host is [sub.]brand.<country suffix>
    if (
        count >= 3
        and labels[-2] in _SECOND_LEVELS
        and len(labels[-1]) == 2
        and labels[-3] in _BRANDS
    ):
        brand_at = count - 3
    elif (
        count >= 2
        and (labels[-1] in _GENERIC_SUFFIXES or (len(labels[-1]) == 2 and labels[-1].isalpha()))
        and labels[-2] in _BRANDS
    ):
        brand_at = count - 2
    for start in range(max(count - 1, 1)):
        entry = _HOSTS.get(".".join(labels[start:]))
        if entry is not None:
            return entry
        if start <= brand_at:
            entry = _HOSTS.get(".".join(labels[start : brand_at + 1]) + ".*")
            if entry is not None:
                return entry
    if count >= 2 and labels[0] in _WEBMAIL_PREFIXES:
        return _WEBMAIL
    return _DEFAULT_REFERRAL


def _lookup_package(package: str) -> _Entry | None:
    parts = package.split(".")
    for end in range(len(parts), 1, -1):
        entry = _ANDROID.get(".".join(parts[:end]))
        if entry is not None:
            return entry
    return None


@lru_cache(maxsize=64)
def _internal_matcher(request_host: str, entries: tuple[str, ...]) -> tuple[frozenset, tuple]:
    exact = set()
    suffixes = []
    own = _host_of(request_host)
    if own:
        exact.add(own)
    for entry in entries:
        if entry.startswith("."):
            base = _host_of(entry[1:])
            if base:
                exact.add(base)
                suffixes.append("." + base)
        else:
            host = _host_of(entry)
            if host:
                exact.add(host)
    return frozenset(exact), tuple(suffixes)


def _is_internal(host: str, request_host: object, internal_hosts: object) -> bool:
    if isinstance(internal_hosts, str):
        internal_hosts = (internal_hosts,)
    entries: tuple[str, ...] = ()
    if internal_hosts:
        try:
            entries = tuple(
                e.strip().lower()
                for e in islice(internal_hosts, MAX_INTERNAL_HOSTS)
                if isinstance(e, str) and e.strip() not in ("", "*") and len(e) <= 300
            )
        except TypeError:
            entries = ()
    own = request_host.strip().lower() if isinstance(request_host, str) else ""
    exact, suffixes = _internal_matcher(own, entries)
    return host in exact or (bool(suffixes) and host.endswith(suffixes))


# --------------------------------------------------------------------------------------------
# Referrer parsing


class _Referrer(NamedTuple):
    kind: str  # "web", "android" or "ios"
    host: str  # normalized host, package name or app id
    path: str = ""
    query: str = ""
    fragment: str = ""


_NON_WEB_SCHEMES = frozenset(
    {
        "about",
        "javascript",
        "data",
        "blob",
        "file",
        "mailto",
        "tel",
        "chrome",
        "edge",
        "view-source",
    }
)


def _parse_referrer(referrer: object) -> _Referrer | None:
    if isinstance(referrer, bytes | bytearray):
        referrer = bytes(referrer[:MAX_REFERRER_LENGTH]).decode("utf-8", "replace")
    if not isinstance(referrer, str):
        return None
    text = _recover_utf8(referrer[:MAX_REFERRER_LENGTH]).translate(_URL_TABLE).strip()
    if not text:
        return None

    scheme = ""
    rest = text
    colon = text.find(":")
    if text.startswith("//"):
        scheme, rest = "http", text[2:]
    elif colon > 0:
        candidate = text[:colon].lower()
        if candidate[0].isalpha() and _SCHEME_CHARS.issuperset(candidate):
            scheme, rest = candidate, text[colon + 1 :]

    if scheme in ("http", "https"):
        rest = rest.replace("\\", "/").lstrip("/")
    elif scheme in ("android-app", "ios-app"):
        if not rest.startswith("//"):
            return None
        authority = rest[2:]
        for stop in "/?#":
            authority = authority.partition(stop)[0]
        name = authority.strip().lower()
        if not name or len(name) > MAX_HOST or not _PACKAGE_CHARS.issuperset(name):
            return None
        if scheme == "ios-app" and not name.isdigit():
            return None
        return _Referrer("android" if scheme == "android-app" else "ios", name)
    elif scheme in _NON_WEB_SCHEMES or "://" in text[:64]:
        return None
    else:
        # No scheme at all ("www.google.com/search?q=x"), or a host:port that looks like one.
        head = text
        for stop in "/?#":
            head = head.partition(stop)[0]
        if "." not in head.rpartition("@")[2].partition(":")[0]:
            return None
        rest = text

    authority, sep, remainder = rest, "", ""
    for index, char in enumerate(rest):
        if char in "/?#":
            authority, sep, remainder = rest[:index], char, rest[index + 1 :]
            break
    host = _host_of(authority.rpartition("@")[2])
    if not host:
        return None
    remainder = sep + remainder
    remainder, _, fragment = remainder.partition("#")
    path, _, query = remainder.partition("?")
    return _Referrer("web", host, path, query, fragment)


def _decode_component(raw: str, charsets: tuple[str, ...]) -> str:
    try:
        data = unquote_to_bytes(raw.replace("+", " "))
    except (UnicodeError, ValueError, TypeError):
        return ""
    for charset in ("utf-8", *charsets):
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", "replace")


def _term_from(ref: _Referrer, entry: _Entry) -> str:
    if not entry.params:
        return ""
    for part in (ref.query, ref.fragment):
        if not part:
            continue
        found: dict[str, str] = {}
        for pair in part.split("&"):
            name, _, value = pair.partition("=")
            name = name.strip().lower()
            if name in entry.params and value:
                found[name] = value  # the last one wins, as in Django's QueryDict
        for name in entry.params:
            if name in found:
                term = _clean(_decode_component(found[name], entry.charsets), MAX_TERM, lower=True)
                if term and not term.startswith(("http://", "https://", "www.", "/")):
                    return term
    return ""


def _from_referrer(ref: _Referrer) -> tuple[str, str, str]:
    """(medium, source, term) that the referrer alone gives."""
    if ref.kind == "android":
        entry = _lookup_package(ref.host)
    elif ref.kind == "ios":
        entry = _IOS.get(ref.host)
    else:
        entry = _lookup(ref.host)
        for prefix, special in _PATH_RULES.get(ref.host, ()):
            if ref.path.lower().startswith(prefix):
                entry = special
                break
    if entry is None:
        return REFERRAL, ref.host, ""
    source = ref.host if entry.source is None else entry.source
    term = _term_from(ref, entry) if entry.medium == SEARCH and ref.kind == "web" else ""
    return entry.medium, source, term


def referrer_host(referrer: str | None) -> str:
    """Normalized host of a referrer URL ("" when there is none or it cannot be parsed).

    Lowercase ASCII (punycode) without ``www.``, port, userinfo or trailing dot; for
    ``android-app://`` and ``ios-app://`` referrers, the package name or app id.
    """
    try:
        ref = _parse_referrer(referrer)
    except Exception:
        logger.debug("Unparseable referrer", exc_info=True)
        return ""
    return ref.host if ref is not None else ""


# --------------------------------------------------------------------------------------------
# Campaign parameters


def _query_value(query: object, key: str) -> object:
    getter = getattr(query, "get", None)
    if getter is None:
        return None
    value = getter(key)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return value


def _parse_query_string(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    text = text[:MAX_QUERY_STRING_LENGTH].lstrip("?")
    for pair in text.split("&"):
        name, _, value = pair.partition("=")
        name = _decode_component(name, ()).strip()
        if name.lower() in _WANTED_KEYS:
            result[name] = _decode_component(value, ())
    return result


def parse_campaign(query: object) -> tuple[dict[str, str], dict[str, str]]:
    """``(utm, click_ids)`` from the landing URL's query parameters.

    ``query`` may be a Django ``QueryDict`` (``.get`` gives the last value), any ``Mapping``
    (a list value counts by its last item) or a raw query string. Only :data:`UTM_KEYS` and
    :data:`CLICK_IDS` are kept, with cleaned, capped, non-empty values; click ids are keyed
    by their lowercase name. Never raises.
    """
    utm: dict[str, str] = {}
    clicks: dict[str, str] = {}
    if query is None:
        return utm, clicks
    try:
        if isinstance(query, str | bytes):
            if isinstance(query, bytes):
                query = query[:MAX_QUERY_STRING_LENGTH].decode("utf-8", "replace")
            query = _parse_query_string(query)
        if not hasattr(query, "get"):
            return utm, clicks
        raw: dict[str, object] = {}
        small = isinstance(query, Mapping) and len(query) <= MAX_QUERY_SCAN
        if not small:
            # Cost independent of the number of parameters: look up the known names only.
            for wanted, spellings in _KEY_SPELLINGS.items():
                for spelling in spellings:
                    value = _query_value(query, spelling)
                    if value is not None:
                        raw[wanted] = value
                        break
        if isinstance(query, Mapping) and len(raw) < len(_KEY_SPELLINGS):
            # Any capitalisation ("Utm_Source", "ScCid"); a bounded number of keys only.
            for key in islice(query, MAX_QUERY_SCAN):
                if isinstance(key, str) and len(key) < 32:
                    wanted = key.lower()
                    if wanted in _WANTED_KEYS and (wanted not in raw or key == wanted):
                        raw[wanted] = _query_value(query, key)
        for key in UTM_KEYS:
            value = _clean(raw.get(key), MAX_UTM_VALUE)
            if value:
                utm[key] = value
        for name in CLICK_IDS:
            value = _clean(raw.get(name), MAX_CLICK_ID)
            if value:
                clicks[name] = value
    except Exception:
        logger.debug("Unreadable query parameters", exc_info=True)
    return utm, clicks


def _token(value: str) -> str:
    """utm value normalized for table look-ups: lowercase, spaces/hyphens as underscores."""
    return "_".join(value.lower().replace("-", " ").replace("_", " ").split())


def _source_info(utm_source: str) -> tuple[str | None, str]:
    """(medium or None, source name) that a ``utm_source`` value stands for."""
    name = utm_source.lower()[:MAX_SOURCE]
    alias = _SOURCE_ALIASES.get(_token(name).removeprefix("www."))
    if alias is not None:
        return alias[0], alias[1] or name
    if "." in name and " " not in name:
        host = _host_of(name.removeprefix("https://").removeprefix("http://").partition("/")[0])
        if host:
            entry = _lookup(host)
            if entry is not _DEFAULT_REFERRAL and entry is not _WEBMAIL and entry.source:
                return entry.medium, entry.source
    return None, name


# --------------------------------------------------------------------------------------------
# Classification


def classify(
    referrer: str | None,
    query: Mapping[str, str] | None = None,
    *,
    request_host: str = "",
    internal_hosts: Iterable[str] = (),
) -> Source:
    """Classify a visit by its ``Referer`` header and landing query; see the module docstring.

    ``request_host`` is the host of the current request (``request.get_host()``; a port is
    ignored); ``internal_hosts`` are further hosts that count as this site (``.example.com``
    also matches its subdomains). Never raises; runs in bounded time on any input.
    """
    try:
        return _classify(referrer, query, request_host, internal_hosts)
    except Exception:
        logger.debug("Traffic source classification failed", exc_info=True)
        return Source()


def _classify(
    referrer: object, query: object, request_host: object, internal_hosts: object
) -> Source:
    utm, clicks = parse_campaign(query)
    ref = _parse_referrer(referrer)
    internal = (
        ref is not None
        and ref.kind == "web"
        and _is_internal(ref.host, request_host, internal_hosts)
    )
    if ref is None or internal:
        ref_medium, ref_source, ref_term = DIRECT, "", ""
    else:
        ref_medium, ref_source, ref_term = _from_referrer(ref)

    # Campaign parameters (rules 1-4).
    medium: str | None = None
    campaign_source = ""
    source_medium: str | None = None
    if "utm_source" in utm:
        source_medium, campaign_source = _source_info(utm["utm_source"])
    if "utm_medium" in utm:
        token = _token(utm["utm_medium"])
        medium = _UTM_MEDIUMS.get(token)
        if medium is None and (token.startswith(("paid", "cp"))):
            medium = PAID
        elif medium is None and token.startswith("email"):
            medium = EMAIL
        elif medium is None and token.startswith("social"):
            medium = SOCIAL
    strong = next((c for n, c in CLICK_IDS.items() if c.strong and n in clicks), None)
    soft = next((c for n, c in CLICK_IDS.items() if not c.strong and n in clicks), None)
    if medium is None and strong is not None:
        medium = strong.medium
    if medium is None:
        medium = source_medium
    if medium is None and soft is not None:
        medium = soft.medium
    # The click id names the platform when it agrees with the medium that was decided.
    click_source = next(
        (c.source for c in (strong, soft) if c is not None and c.medium == medium), ""
    )

    if medium is None:
        medium = ref_medium
    source = campaign_source or click_source or ref_source
    term = ""
    if medium in (SEARCH, PAID):
        term = ref_term or _clean(utm.get("utm_term"), MAX_TERM, lower=True)

    return Source(
        medium=medium,
        source=_clean(source, MAX_SOURCE, lower=True),
        term=term,
        referrer_host=ref.host[:MAX_HOST] if ref is not None else "",
        utm=utm,
        click_ids=clicks,
        is_internal=internal,
    )
