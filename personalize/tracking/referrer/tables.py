"""The classifier's vocabulary and data: mediums, caps, campaign keys and the look-up tables.

Pure data (plus the small loops that build the derived tables): search engines with the
parameters that carry the term, social networks, webmail, chatbots, ad servers, sign-in round
trips, app referrers, ``utm_medium`` and ``utm_source`` aliases. See the package docstring for
how they are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from personalize.tracking.headers import MAX_REFERRER

SEARCH = "search"
SOCIAL = "social"
EMAIL = "email"
PAID = "paid"
REFERRAL = "referral"
DIRECT = "direct"
CHATBOT = "chatbot"

MEDIUMS = (SEARCH, SOCIAL, EMAIL, PAID, REFERRAL, DIRECT, CHATBOT)

#: Characters of the referrer that are looked at; the rest is ignored (as much as a request's
#: referrer keeps).
MAX_REFERRER_LENGTH = MAX_REFERRER
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
    "tblci": _ClickId(PAID, "taboola", True),
    # Google Ads adds gad_source next to gclid; it is what is left when a browser's link
    # tracking protection (Safari, Firefox) strips the click ids themselves.
    "gad_source": _ClickId(PAID, "google", True),
    "mc_eid": _ClickId(EMAIL, "mailchimp", True),
    "mc_cid": _ClickId(EMAIL, "mailchimp", True),
    "_hsenc": _ClickId(EMAIL, "hubspot", True),
    "_hsmi": _ClickId(EMAIL, "hubspot", True),
    "mkt_tok": _ClickId(EMAIL, "marketo", True),
    "_kx": _ClickId(EMAIL, "klaviyo", True),
    "fbclid": _ClickId(SOCIAL, "facebook", False),
    "igshid": _ClickId(SOCIAL, "instagram", False),
    "igsh": _ClickId(SOCIAL, "instagram", False),
    "srsltid": _ClickId(SEARCH, "google", False),
    "irclickid": _ClickId(REFERRAL, "impact", False),
    "cjevent": _ClickId(REFERRAL, "cj", False),
    "awc": _ClickId(REFERRAL, "awin", False),
}


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
# (Links clicked in the Teams desktop app arrive from the app's own static host.)
_add(
    REFERRAL,
    "teams",
    "teams.microsoft.com teams.live.com teams.cloud.microsoft statics.teams.cdn.office.net",
)

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
_add(SOCIAL, "whatsapp", "whatsapp.com wa.me l.wl.co")
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
    "com.microsoft.teams": _Entry(REFERRAL, "teams"),
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

# Parts of a utm_medium that is in no table above and still says what it is ("socialpaid",
# "facebook_cpc", "newsletter_email"), tried in this order; a medium that starts with "cp"
# (GA4's cost-per-anything), "email" or "social" counts too.
_UTM_MEDIUM_PARTS: tuple[tuple[str, str], ...] = (
    ("paid", PAID),
    ("cpc", PAID),
    ("ppc", PAID),
    ("cpm", PAID),
    ("email", EMAIL),
    ("newsletter", EMAIL),
)
_UTM_MEDIUM_PREFIXES: tuple[tuple[str, str], ...] = (
    ("cp", PAID),
    ("e_mail", EMAIL),
    ("social", SOCIAL),
)

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
