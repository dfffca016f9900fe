"""Traffic-source classification: real referrers, campaigns, click ids and hostile input."""

from __future__ import annotations

import dataclasses
import json
import pickle
import time
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personalize.tracking.referrer import (
    CLICK_IDS,
    MAX_CLICK_ID,
    MAX_HOST,
    MAX_QUERY_SCAN,
    MAX_SOURCE,
    MAX_TERM,
    MAX_UTM_VALUE,
    MEDIUMS,
    UTM_KEYS,
    Source,
    classification,
    classify,
    classify_cached,
    parse_campaign,
    referrer_host,
)

# --------------------------------------------------------------------------------------------
# Helpers

_FORBIDDEN = frozenset(
    [*range(0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000), 0x202E, 0x200B, 0xFEFF]
)


def _is_clean(text: str) -> bool:
    return text == text.strip() and not any(ord(char) in _FORBIDDEN for char in text)


def assert_well_formed(result: Source) -> None:
    """Every invariant a stored or displayed Source relies on."""
    assert isinstance(result, Source)
    assert result.medium in MEDIUMS
    assert isinstance(result.is_internal, bool)
    for value, cap in (
        (result.source, MAX_SOURCE),
        (result.term, MAX_TERM),
        (result.referrer_host, MAX_HOST),
    ):
        assert isinstance(value, str)
        assert len(value) <= cap
        assert _is_clean(value)
    assert set(result.utm) <= set(UTM_KEYS)
    assert set(result.click_ids) <= set(CLICK_IDS)
    for value in result.utm.values():
        assert 0 < len(value) <= MAX_UTM_VALUE
        assert _is_clean(value)
    for value in result.click_ids.values():
        assert 0 < len(value) <= MAX_CLICK_ID
        assert _is_clean(value)
    # JSON-able and encodable (no lone surrogates) and hashable.
    json.dumps(result.as_dict(), ensure_ascii=False).encode("utf-8")
    hash(result)


def assert_external(
    referrer: str, medium: str, source: str, term: str = "", **options: object
) -> Source:
    """The referrer classifies as an outside source of this medium, name and search term."""
    result = classify(referrer, **options)
    got = (result.medium, result.source, result.term, result.is_internal)
    assert got == (medium, source, term, False)
    assert_well_formed(result)
    return result


# --------------------------------------------------------------------------------------------
# Referrers as browsers send them

SEARCH_REFERRERS = [
    ("https://www.google.com/", "google", ""),
    ("https://www.google.co.uk/search?q=golf+clubs", "google", "golf clubs"),
    ("https://www.google.com.au/", "google", ""),
    ("https://www.google.de/search?q=Golfschl%C3%A4ger&hl=de", "google", "golfschläger"),
    ("https://www.google.co.jp/", "google", ""),
    ("https://google.com.br/search?q=tacos+de+golfe", "google", "tacos de golfe"),
    (
        "https://www.google.fr/url?sa=t&rct=j&q=&esrc=s&source=web&url=https%3A%2F%2Fa.b",
        "google",
        "",
    ),
    ("https://www.google.com/url?q=https://example.com/golf&sa=D", "google", ""),
    ("https://images.google.com/", "google", ""),
    ("https://www.google.com/maps/place/Fairway+Golf", "google", ""),
    ("https://maps.google.com/", "google", ""),
    (
        "https://scholar.google.com/scholar?q=golf+swing+biomechanics",
        "google",
        "golf swing biomechanics",
    ),
    ("https://www.google.com/search?q=GOLF%20%20Balls&q=Golf+Tees", "google", "golf tees"),
    ("https://www.bing.com/search?q=beginner+golf+set&form=QBLH", "bing", "beginner golf set"),
    ("https://cn.bing.com/search?q=%E9%AB%98%E5%B0%94%E5%A4%AB", "bing", "高尔夫"),
    ("https://duckduckgo.com/", "duckduckgo", ""),
    ("https://html.duckduckgo.com/html/?q=golf", "duckduckgo", "golf"),
    ("https://search.yahoo.com/search?p=golf", "yahoo", "golf"),
    ("https://uk.search.yahoo.com/search?p=golf+shoes&fr=yfp-t", "yahoo", "golf shoes"),
    ("https://search.yahoo.co.jp/search?p=%E3%82%B4%E3%83%AB%E3%83%95", "yahoo", "ゴルフ"),
    ("https://yandex.ru/search/?text=гольф", "yandex", "гольф"),
    ("https://yandex.com.tr/search/?text=golf+sopas%C4%B1", "yandex", "golf sopas\u0131"),
    ("https://ya.ru/search/?text=golf&lr=213", "yandex", "golf"),
    ("https://www.baidu.com/s?wd=%E9%AB%98%E5%B0%94%E5%A4%AB", "baidu", "高尔夫"),
    ("https://www.baidu.com/s?ie=gb2312&wd=%B8%DF%B6%FB%B7%F2", "baidu", "高尔夫"),
    ("https://m.baidu.com/s?word=golf", "baidu", "golf"),
    ("https://www.ecosia.org/search?method=index&q=golf+balls", "ecosia", "golf balls"),
    ("https://www.qwant.com/?q=golf&t=web", "qwant", "golf"),
    ("https://www.startpage.com/sp/search?query=golf+bag", "startpage", "golf bag"),
    ("https://search.brave.com/search?q=golf+grips&source=web", "brave", "golf grips"),
    ("https://search.naver.com/search.naver?query=%EA%B3%A8%ED%94%84", "naver", "골프"),
    ("https://search.seznam.cz/?q=golf", "seznam", "golf"),
    ("https://www.sogou.com/web?query=golf", "sogou", "golf"),
    ("https://www.so.com/s?q=golf", "so.com", "golf"),
    ("https://www.ask.com/web?q=golf+lessons", "ask", "golf lessons"),
    ("https://search.aol.com/aol/search?q=golf", "aol", "golf"),
    ("https://yep.com/web?q=golf", "yep", "golf"),
    ("https://kagi.com/search?q=golf+rangefinder", "kagi", "golf rangefinder"),
    ("https://www.mojeek.com/search?q=golf", "mojeek", "golf"),
    ("https://search.daum.net/search?w=tot&q=golf", "daum", "golf"),
    ("https://coccoc.com/search?query=golf", "coccoc", "golf"),
    ("https://presearch.com/search?q=golf", "presearch", "golf"),
    ("https://go.mail.ru/search?q=golf", "mailru", "golf"),
    ("https://www.google.com/search?q=golf#q=putter", "google", "golf"),
]


@pytest.mark.parametrize(("referrer", "source", "term"), SEARCH_REFERRERS)
def test_search_engines(referrer, source, term):
    assert_external(referrer, "search", source, term)


SOCIAL_REFERRERS = [
    ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2F&h=AT0", "facebook"),
    ("https://lm.facebook.com/", "facebook"),
    ("https://m.facebook.com/", "facebook"),
    ("https://www.facebook.com/", "facebook"),
    ("https://fb.me/abc", "facebook"),
    ("https://l.instagram.com/?u=https%3A%2F%2Fexample.com", "instagram"),
    ("https://www.instagram.com/", "instagram"),
    ("https://t.co/abc", "twitter"),
    ("https://twitter.com/", "twitter"),
    ("https://x.com/", "twitter"),
    ("https://mobile.twitter.com/", "twitter"),
    ("https://www.linkedin.com/", "linkedin"),
    ("https://lnkd.in/eXaMpLe", "linkedin"),
    ("https://www.pinterest.com/", "pinterest"),
    ("https://www.pinterest.co.uk/pin/123/", "pinterest"),
    ("https://pinterest.de/", "pinterest"),
    ("https://pin.it/abc", "pinterest"),
    ("https://www.reddit.com/r/golf/comments/abc/", "reddit"),
    ("https://out.reddit.com/t3_abc?url=https%3A%2F%2Fexample.com", "reddit"),
    ("https://old.reddit.com/", "reddit"),
    ("https://www.youtube.com/", "youtube"),
    ("https://m.youtube.com/watch?v=abc", "youtube"),
    ("https://youtu.be/abc", "youtube"),
    ("https://www.tiktok.com/", "tiktok"),
    ("https://www.snapchat.com/", "snapchat"),
    ("https://www.threads.net/", "threads"),
    ("https://bsky.app/profile/golf.example", "bluesky"),
    ("https://mastodon.social/@golf", "mastodon"),
    ("https://fosstodon.org/", "mastodon"),
    ("https://www.tumblr.com/", "tumblr"),
    ("https://vk.com/", "vk"),
    ("https://weibo.com/", "weibo"),
    ("https://www.quora.com/", "quora"),
    ("https://discord.com/channels/1/2", "discord"),
    ("https://discordapp.com/", "discord"),
    ("https://t.me/golfchat", "telegram"),
    ("https://web.telegram.org/", "telegram"),
    ("https://web.whatsapp.com/", "whatsapp"),
    ("https://wa.me/123", "whatsapp"),
    ("https://www.messenger.com/", "messenger"),
    ("https://news.ycombinator.com/item?id=1", "hackernews"),
]


@pytest.mark.parametrize(("referrer", "source"), SOCIAL_REFERRERS)
def test_social_networks(referrer, source):
    assert_external(referrer, "social", source)


EMAIL_REFERRERS = [
    ("https://mail.google.com/", "gmail"),
    ("https://mail.google.com/mail/u/0/", "gmail"),
    ("https://outlook.live.com/", "outlook"),
    ("https://outlook.office.com/mail/", "outlook"),
    ("https://outlook.office365.com/", "outlook"),
    ("https://mail.yahoo.com/", "yahoo"),
    ("https://mail.yahoo.co.jp/", "yahoo"),
    ("https://mail.aol.com/", "aol"),
    ("https://mail.proton.me/u/0/inbox", "proton"),
    ("https://app.fastmail.com/mail/Inbox/", "fastmail"),
    ("https://mail.zoho.eu/", "zoho"),
    ("https://mail.yandex.ru/", "yandex"),
    ("https://e.mail.ru/inbox/", "mailru"),
    ("https://navigator.gmx.net/", "gmx"),
    ("https://webmail.example-isp.net/", "webmail.example-isp.net"),
    ("https://mail.fairway-golf.example/", "mail.fairway-golf.example"),
]


@pytest.mark.parametrize(("referrer", "source"), EMAIL_REFERRERS)
def test_webmail(referrer, source):
    assert_external(referrer, "email", source)


CHATBOT_REFERRERS = [
    ("https://chatgpt.com/", "chatgpt"),
    ("https://chat.openai.com/", "chatgpt"),
    ("https://www.perplexity.ai/search/best-golf-balls-ABC123", "perplexity"),
    ("https://perplexity.ai/", "perplexity"),
    ("https://claude.ai/", "claude"),
    ("https://gemini.google.com/app", "gemini"),
    ("https://bard.google.com/", "gemini"),
    ("https://copilot.microsoft.com/", "copilot"),
    ("https://edgeservices.bing.com/edgesvc/chat", "copilot"),
    ("https://www.bing.com/chat?q=golf", "copilot"),
    ("https://you.com/", "you.com"),
    ("https://poe.com/", "poe"),
    ("https://chat.deepseek.com/", "deepseek"),
    ("https://chat.mistral.ai/chat", "mistral"),
    ("https://www.meta.ai/", "metaai"),
    ("https://grok.com/", "grok"),
    ("https://x.com/i/grok?conversation=1", "grok"),
]


@pytest.mark.parametrize(("referrer", "source"), CHATBOT_REFERRERS)
def test_chatbots(referrer, source):
    # No term for chatbots: a prompt is not a search term, and may be personal.
    assert_external(referrer, "chatbot", source)


OTHER_REFERRERS = [
    # Ad servers.
    ("https://www.googleadservices.com/pagead/aclk?sa=L", "paid", "google"),
    ("https://ad.doubleclick.net/ddm/clk/1", "paid", "google"),
    ("https://tpc.googlesyndication.com/", "paid", "google"),
    ("https://syndicatedsearch.goog/", "paid", "google"),
    ("https://trc.taboola.com/", "paid", "taboola"),
    # Google hosts that are not results pages.
    ("https://news.google.com/articles/abc", "referral", "news.google.com"),
    ("https://docs.google.com/document/d/1/", "referral", "docs.google.com"),
    # Sign-in and payment round trips.
    ("https://www.paypal.com/checkoutnow", "direct", ""),
    ("https://checkout.stripe.com/c/pay/cs_1", "direct", ""),
    # Plain referrals.
    ("https://blog.example.org/post", "referral", "blog.example.org"),
    ("https://www.golfdigest.com/story/x", "referral", "golfdigest.com"),
    ("https://medium.com/@golf/post", "referral", "medium.com"),
    ("https://fairway.substack.com/p/post", "referral", "fairway.substack.com"),
    ("https://github.com/", "referral", "github.com"),
    ("https://app.slack.com/client/T1/C1", "referral", "slack"),
    ("http://192.0.2.7:8080/page", "referral", "192.0.2.7"),
    ("https://evil.com\\@google.com/", "referral", "evil.com"),
    ("www.google.de/search?q=Golf%20Schl%C3%A4ger", "search", "google"),
    ("//t.co/x", "social", "twitter"),
    # App referrers.
    ("android-app://com.google.android.gm.lite", "email", "gmail"),
    ("android-app://com.slack/", "referral", "slack"),
    ("android-app://com.Slack", "referral", "slack"),
    ("android-app://com.facebook.katana/", "social", "facebook"),
    ("android-app://com.openai.chatgpt/", "chatbot", "chatgpt"),
    ("android-app://com.example.golfapp/", "referral", "com.example.golfapp"),
    ("ios-app://422689480/", "email", "gmail"),
    ("ios-app://284815942/com.google.gsa/search", "search", "google"),
    ("ios-app://999/", "referral", "999"),
]


@pytest.mark.parametrize(("referrer", "medium", "source"), OTHER_REFERRERS)
def test_other_referrers(referrer, medium, source):
    result = classify(referrer)
    assert (result.medium, result.source) == (medium, source)
    assert_well_formed(result)


DIRECT_REFERRERS = [
    None,
    "",
    "   ",
    "\t\n",
    "about:blank",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "chrome-extension://abcdef/popup.html",
    "ftp://files.example.com/",
    "not a url",
    "android-app://",
    "ios-app://not-digits/",
    "http://",
    "https://exa mple.com/",
    "https://a..b/",
    "http://[zz]/",
    "http://[::1",
    "http://[fe80::1%eth0<b>]/",
    "https://xn--a.com/",
    "https://xn--/",
    "localhost:8000",
]


@pytest.mark.parametrize("referrer", DIRECT_REFERRERS)
def test_no_usable_referrer_is_direct(referrer):
    result = classify(referrer)
    assert result == Source()
    assert (result.medium, result.source, result.referrer_host) == ("direct", "", "")


# --------------------------------------------------------------------------------------------
# Hosts

FULLWIDTH_GOOGLE = "\uff27\uff2f\uff2f\uff27\uff2c\uff25"  # IDNA maps it to "google"


@pytest.mark.parametrize(
    ("referrer", "host"),
    [
        ("https://www.google.co.uk/search?q=x", "google.co.uk"),
        ("HTTPS://WWW.GOOGLE.COM/", "google.com"),
        ("https://google.com.:443/", "google.com"),
        ("https://www.example.com..", "example.com"),
        ("http://user:pass@Evil.COM:8080/path", "evil.com"),
        ("http://[::1]:8000/", "::1"),
        ("http://[2001:DB8::1]/", "2001:db8::1"),
        ("https://bücher.de/", "xn--bcher-kva.de"),
        ("https://xn--bcher-kva.de/", "xn--bcher-kva.de"),
        (f"https://{FULLWIDTH_GOOGLE}.com/", "google.com"),
        ("https://www.com/", "www.com"),
        ("https://www2.example.com/", "www2.example.com"),
        ("android-app://com.google.android.gm/", "com.google.android.gm"),
        ("ios-app://422689480/", "422689480"),
        ("javascript:alert(1)", ""),
        (None, ""),
        ("", ""),
        (b"https://www.bing.com/", "bing.com"),
    ],
)
def test_referrer_host(referrer, host):
    assert referrer_host(referrer) == host
    assert classify(referrer).referrer_host == host


def test_unicode_hosts_match_the_tables():
    assert classify(f"https://{FULLWIDTH_GOOGLE}.com/search?q=golf").medium == "search"
    assert classify("https://bücher.de/").source == "xn--bcher-kva.de"


# --------------------------------------------------------------------------------------------
# Campaign parameters


UTM_MEDIUMS = [
    ("email", "email"),
    ("Email", "email"),
    ("e-mail", "email"),
    ("E_Mail", "email"),
    ("e mail", "email"),
    (" EMAIL ", "email"),
    ("newsletter", "email"),
    ("edm", "email"),
    ("mail", "email"),
    ("email-blast", "email"),
    ("cpc", "paid"),
    ("PPC", "paid"),
    ("paid_social", "paid"),
    ("Paid Social", "paid"),
    ("paid-search", "paid"),
    ("paidsearch", "paid"),
    ("cpm", "paid"),
    ("cpc_brand", "paid"),
    ("display", "paid"),
    ("banner", "paid"),
    ("retargeting", "paid"),
    ("social", "social"),
    ("Social-Media", "social"),
    ("sm", "social"),
    ("organic_social", "social"),
    ("organic", "search"),
    ("referral", "referral"),
    ("affiliate", "referral"),
    ("partner", "referral"),
    ("chatbot", "chatbot"),
    ("ai", "chatbot"),
    ("LLM", "chatbot"),
    ("(none)", "direct"),
]


@pytest.mark.parametrize(("utm_medium", "medium"), UTM_MEDIUMS)
def test_utm_medium(utm_medium, medium):
    query = {"utm_source": "Spring_Sale", "utm_medium": utm_medium, "utm_campaign": "Open 2025"}
    # The referrer would say "social": an explicit medium wins over it.
    result = classify("https://t.co/abc", query)
    assert result.medium == medium
    assert result.source == "spring_sale"
    assert result.utm == {
        "utm_source": "Spring_Sale",
        "utm_medium": utm_medium.strip(),
        "utm_campaign": "Open 2025",
    }
    assert_well_formed(result)


def test_newsletter_campaign():
    query = {"utm_source": "Newsletter", "utm_medium": "E-Mail", "utm_campaign": "spring"}
    result = classify(None, query)
    assert (result.medium, result.source, result.referrer_host) == ("email", "newsletter", "")
    assert result.utm["utm_source"] == "Newsletter"  # case kept in the utm dict


@pytest.mark.parametrize(
    ("utm_source", "medium", "source"),
    [
        ("chatgpt.com", "chatbot", "chatgpt"),
        ("ChatGPT", "chatbot", "chatgpt"),
        ("perplexity", "chatbot", "perplexity"),
        ("perplexity.ai", "chatbot", "perplexity"),
        ("copilot", "chatbot", "copilot"),
        ("copilot.microsoft.com", "chatbot", "copilot"),
        ("gemini", "chatbot", "gemini"),
        ("claude.ai", "chatbot", "claude"),
        ("google", "search", "google"),
        ("facebook", "social", "facebook"),
        ("fb", "social", "facebook"),
        ("l.facebook.com", "social", "facebook"),
        ("linkedin", "social", "linkedin"),
        ("newsletter", "email", "newsletter"),
        ("mailchimp", "email", "mailchimp"),
        ("taboola", "paid", "taboola"),
    ],
)
def test_utm_source_without_medium(utm_source, medium, source):
    result = classify(None, {"utm_source": utm_source})
    assert (result.medium, result.source) == (medium, source)
    assert_well_formed(result)


def test_unknown_medium_falls_back_to_the_referrer_but_keeps_the_utm_source():
    query = {"utm_source": "Poster", "utm_medium": "qr"}
    no_referrer = classify(None, query)
    assert (no_referrer.medium, no_referrer.source) == ("direct", "poster")
    assert no_referrer.utm == query
    from_search = classify("https://www.google.com/search?q=golf", query)
    assert (from_search.medium, from_search.source, from_search.term) == (
        "search",
        "poster",
        "golf",
    )


def test_paid_search_term_comes_from_utm_term():
    query = {"utm_source": "google", "utm_medium": "cpc", "utm_term": "Golf  Balls"}
    result = classify("https://www.google.com/", query)
    assert (result.medium, result.source, result.term) == ("paid", "google", "golf balls")
    assert result.utm["utm_term"] == "Golf Balls"


def test_referrer_term_beats_utm_term():
    result = classify("https://www.bing.com/search?q=putter", {"msclkid": "x", "utm_term": "y"})
    assert (result.medium, result.source, result.term) == ("paid", "bing", "putter")


def test_utm_term_is_not_a_search_term_for_email():
    result = classify(None, {"utm_medium": "email", "utm_term": "golf"})
    assert (result.medium, result.term) == ("email", "")


def test_campaign_without_source_takes_the_referrer_name():
    result = classify("https://www.google.co.uk/", {"utm_medium": "cpc"})
    assert (result.medium, result.source, result.referrer_host) == (
        "paid",
        "google",
        "google.co.uk",
    )


# --------------------------------------------------------------------------------------------
# Click ids


CLICK_ID_CASES = [
    ({"gclid": "EAIaIQobChMI"}, "paid", "google"),
    ({"gbraid": "0AAAAA"}, "paid", "google"),
    ({"wbraid": "CkAKCA"}, "paid", "google"),
    ({"dclid": "CJ"}, "paid", "google"),
    ({"msclkid": "a1b2"}, "paid", "bing"),
    ({"ttclid": "E.C.P"}, "paid", "tiktok"),
    ({"li_fat_id": "3f8e"}, "paid", "linkedin"),
    ({"twclid": "2-abc"}, "paid", "twitter"),
    ({"ScCid": "abc"}, "paid", "snapchat"),
    ({"sccid": "abc"}, "paid", "snapchat"),
    ({"yclid": "123"}, "paid", "yandex"),
    ({"epik": "dj0y"}, "paid", "pinterest"),
    ({"rdt_cid": "123"}, "paid", "reddit"),
    ({"fbclid": "IwAR0abc"}, "social", "facebook"),
    ({"igshid": "MzRl"}, "social", "instagram"),
    ({"mc_eid": "abc", "mc_cid": "def"}, "email", "mailchimp"),
    ({"_hsenc": "p2ANqtz", "_hsmi": "1"}, "email", "hubspot"),
    ({"mkt_tok": "eyJ"}, "email", "marketo"),
    ({"srsltid": "AfmBOo"}, "search", "google"),
    ({"GCLID": "upper"}, "paid", "google"),
    ({"utm_medium": "cpc", "gclid": "x"}, "paid", "google"),
    ({"utm_medium": "social", "gclid": "x", "fbclid": "y"}, "social", "facebook"),
    ({"gclid": "x", "fbclid": "y"}, "paid", "google"),
    ({"fbclid": "y", "utm_source": "newsletter"}, "email", "newsletter"),
    ({"gclid": "x", "utm_medium": "email", "utm_source": "crm"}, "email", "crm"),
]


@pytest.mark.parametrize(("query", "medium", "source"), CLICK_ID_CASES)
def test_click_ids(query, medium, source):
    result = classify(None, query)
    assert (result.medium, result.source) == (medium, source)
    for name, value in query.items():
        if name.lower() in CLICK_IDS:
            assert result.click_ids[name.lower()] == value
    assert_well_formed(result)


def test_fbclid_with_facebook_referrer():
    result = classify("https://l.facebook.com/", {"fbclid": "IwAR"})
    assert (result.medium, result.source, result.referrer_host) == (
        "social",
        "facebook",
        "l.facebook.com",
    )


def test_google_ads_click_from_google():
    query = {"gclid": "abc", "gad_source": "1", "gad_campaignid": "123"}
    result = classify("https://www.google.com/", query)
    assert (result.medium, result.source) == ("paid", "google")
    # gad_source is kept (it alone still says "Google Ads"); unknown parameters are not.
    assert dict(result.click_ids) == {"gclid": "abc", "gad_source": "1"}


# --------------------------------------------------------------------------------------------
# Internal referrers


@pytest.mark.parametrize(
    ("referrer", "request_host", "internal_hosts"),
    [
        ("https://example.com/shop", "example.com", ()),
        ("https://www.example.com/", "example.com:8000", ()),
        ("https://EXAMPLE.com./cart", "www.example.com", ()),
        ("https://shop.example.com/", "example.com", [".example.com"]),
        ("https://example.com/", "other.test", [".example.com"]),
        ("https://shop.example.com/", "example.com", ["shop.example.com"]),
        ("https://shop.example.com/", "example.com", ".example.com"),
        ("http://[::1]:8000/", "[::1]:8000", ()),
        ("http://127.0.0.1:8000/", "127.0.0.1:8000", ()),
    ],
)
def test_internal_referrers(referrer, request_host, internal_hosts):
    result = classify(referrer, {}, request_host=request_host, internal_hosts=internal_hosts)
    assert (result.medium, result.source, result.is_internal) == ("direct", "", True)
    assert result.referrer_host


@pytest.mark.parametrize(
    ("referrer", "request_host", "internal_hosts"),
    [
        ("https://shop.example.com/", "example.com", ()),
        ("https://example.com.evil.test/", "example.com", [".example.com"]),
        ("https://notexample.com/", "example.com", [".example.com"]),
        ("https://elsewhere.test/", "example.com", ["*"]),
        ("https://elsewhere.test/", "", ()),
    ],
)
def test_not_internal(referrer, request_host, internal_hosts):
    result = classify(referrer, request_host=request_host, internal_hosts=internal_hosts)
    assert result.is_internal is False
    assert result.medium == "referral"


def test_internal_referrer_with_campaign_is_the_campaign():
    query = {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "archive"}
    result = classify("https://example.com/newsletters/", query, request_host="example.com")
    assert (result.medium, result.source, result.is_internal) == ("email", "newsletter", True)
    assert result.referrer_host == "example.com"


def test_internal_referrer_with_click_id():
    result = classify("https://example.com/", {"gclid": "x"}, request_host="example.com")
    assert (result.medium, result.source, result.is_internal) == ("paid", "google", True)


def test_internal_referrer_with_unknown_medium_stays_direct():
    result = classify("https://example.com/", {"utm_medium": "qr"}, request_host="example.com")
    assert (result.medium, result.is_internal) == ("direct", True)


# --------------------------------------------------------------------------------------------
# parse_campaign


def test_parse_campaign_keeps_known_keys_only():
    utm, clicks = parse_campaign(
        {
            "utm_source": " news ",
            "utm_medium": "email",
            "utm_campaign": "spring",
            "utm_term": "golf",
            "utm_content": "hero",
            "utm_id": "42",
            "utm_evil": "x",
            "gclid": "g",
            "msclkid": "",
            "page": "2",
        }
    )
    assert utm == {
        "utm_source": "news",
        "utm_medium": "email",
        "utm_campaign": "spring",
        "utm_term": "golf",
        "utm_content": "hero",
        "utm_id": "42",
    }
    assert clicks == {"gclid": "g"}


def test_parse_campaign_takes_the_last_value():
    from django.utils.datastructures import MultiValueDict  # QueryDict's base: no settings

    query = MultiValueDict({"utm_source": ["first", "last"], "fbclid": ["a", "b"]})
    assert parse_campaign(query) == ({"utm_source": "last"}, {"fbclid": "b"})
    assert parse_campaign({"utm_source": ["first", "last"], "gclid": []}) == (
        {"utm_source": "last"},
        {},
    )


def test_parse_campaign_from_a_query_string():
    utm, clicks = parse_campaign("?utm_source=a%20b&utm_source=c+d&ScCid=1&UTM_MEDIUM=Paid-Social")
    assert utm == {"utm_source": "c d", "utm_medium": "Paid-Social"}
    assert clicks == {"sccid": "1"}


@pytest.mark.parametrize("query", [None, {}, "", 42, object(), ["utm_source"], b"utm_id=1"])
def test_parse_campaign_odd_inputs(query):
    utm, clicks = parse_campaign(query)
    assert isinstance(utm, dict)
    assert isinstance(clicks, dict)
    assert set(utm) <= set(UTM_KEYS)
    assert not clicks


def test_parse_campaign_prefers_the_lowercase_key():
    assert parse_campaign({"UTM_SOURCE": "upper", "utm_source": "lower"})[0] == {
        "utm_source": "lower"
    }


# --------------------------------------------------------------------------------------------
# Source


def test_source_defaults():
    source = Source()
    assert source.as_dict() == {
        "medium": "direct",
        "source": "",
        "term": "",
        "referrer_host": "",
        "utm": {},
        "click_ids": {},
        "is_internal": False,
    }
    assert MEDIUMS == ("search", "social", "email", "paid", "referral", "direct", "chatbot")


def test_source_is_immutable_and_hashable():
    source = Source(medium="email", utm={"utm_source": "x"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        source.medium = "paid"
    with pytest.raises(TypeError):
        source.utm["utm_source"] = "y"
    assert isinstance(source.utm, Mapping)
    assert hash(source) == hash(Source(medium="email", utm={"utm_source": "x"}))
    assert source == Source(medium="email", utm={"utm_source": "x"})
    assert source != Source(medium="email", utm={"utm_source": "y"})
    assert len({source, Source(medium="email", utm={"utm_source": "x"})}) == 1


def test_source_round_trips_through_json_and_pickle():
    source = classify(
        "https://www.google.co.uk/search?q=golf",
        {"gclid": "abc", "utm_campaign": "spring", "utm_term": "golf clubs"},
    )
    stored = json.loads(json.dumps(source.as_dict()))
    assert Source.from_dict(stored) == source
    assert pickle.loads(pickle.dumps(source)) == source
    assert isinstance(source.as_dict()["utm"], dict)


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "direct",
        42,
        {},
        {"medium": "bogus"},
        {"medium": ["search"]},
        {"medium": None, "source": 5, "term": {"a": 1}, "referrer_host": [1]},
        {"utm": "utm_source=x", "click_ids": ["gclid"]},
        {"utm": {"utm_source": 5, "utm_evil": "x"}, "click_ids": {"gclid": None, "bad": "y"}},
        {"is_internal": "yes"},
        {"is_internal": 1},
    ],
)
def test_from_dict_tolerates_garbage(data):
    source = Source.from_dict(data)
    assert source.medium in MEDIUMS
    assert source.is_internal is False
    assert not source.utm
    assert not source.click_ids
    assert_well_formed(source)


def test_from_dict_cleans_and_caps():
    source = Source.from_dict(
        {
            "medium": "search",
            "source": "Google\x00" + "x" * 10_000,
            "term": "golf\udcff clubs" * 1000,
            "referrer_host": "\u202egoogle.com",
            "utm": {"utm_source": "a" * 10_000, "utm_medium": "\x00"},
            "click_ids": {"gclid": "g" * 10_000},
            "is_internal": True,
        }
    )
    assert source.medium == "search"
    assert source.is_internal is True
    assert source.source.startswith("googlex")
    assert len(source.source) == MAX_SOURCE
    assert len(source.term) <= MAX_TERM
    assert source.term.startswith("golf clubs")
    assert source.referrer_host == "google.com"
    assert source.utm == {"utm_source": "a" * MAX_UTM_VALUE}
    assert source.click_ids == {"gclid": "g" * MAX_CLICK_ID}
    assert_well_formed(source)


# --------------------------------------------------------------------------------------------
# Hostile input

HUGE = "https://www.google.com/search?q=" + "golf+" * 20_000

HOSTILE_REFERRERS = [
    HUGE,
    "https://" + "a" * 100_000 + ".com/",
    "http://" + "a." * 60_000,
    "https://" + "%" * 100_000,
    "\x00" * 100_000,
    "https://www.google.com/search?q=golf\x00clubs",
    "https://www.google.com/search?q=golf\udcffclubs",
    "https://www.google.com/search?q=%E9%ZZ%",
    "https://www.google.com/search?q=%FF%FE%FD",
    "https://www.google.com/search?q=\u202egolf\u200b clubs\r\n",
    "https://\udcff.com/",
    "https://exa\x00mple.com/",
    "http://[::1]:8000/",
    "http://user:pass@evil.com/",
    "http://[" + ":" * 5000 + "]/",
    "https://www.google.com/search?" + "q=x&" * 5_000,
    "https://www.google.com/search?" + "&" * 50_000,
    "https://" + "@" * 50_000 + "google.com/",
    "javascript:alert(1)//https://www.google.com/",
    "https://www.google.com:99999999999999999999/",
    "https://xn--" + "a" * 60 + ".com/",
    "android-app://" + "a." * 10_000,
    "ios-app://" + "9" * 10_000,
    "\ud800https://www.google.com/",
    "https://www.google.com/search?q=caf\xc3\xa9",  # UTF-8 bytes decoded as latin-1 (WSGI)
]


@pytest.mark.parametrize("referrer", HOSTILE_REFERRERS, ids=range(len(HOSTILE_REFERRERS)))
def test_hostile_referrers(referrer):
    started = time.perf_counter()
    result = classify(referrer, {"utm_campaign": referrer})
    assert time.perf_counter() - started < 1.0
    assert_well_formed(result)
    assert "pass" not in result.as_dict().values()


def test_hostile_referrers_give_sensible_results():
    assert classify(HUGE).medium == "search"
    assert classify(HUGE).term.startswith("golf golf")
    assert classify("https://www.google.com/search?q=golf\x00clubs").term == "golfclubs"
    assert classify("https://www.google.com/search?q=golf\udcffclubs").term == "golfclubs"
    assert classify("https://www.google.com/search?q=caf\xc3\xa9").term == "café"
    assert classify("https://www.google.com/search?q=\u202egolf\u200b clubs\r\n").term == (
        "golf clubs"
    )
    assert classify("https://www.google.com/search?q=%E9%ZZ%").medium == "search"
    evil = classify("http://user:pass@evil.com/")
    assert (evil.medium, evil.source, evil.referrer_host) == ("referral", "evil.com", "evil.com")
    assert "pass" not in json.dumps(evil.as_dict())
    assert classify("http://[::1]:8000/").source == "::1"
    assert classify("https://" + "a" * 100_000 + ".com/").medium == "direct"
    assert classify("\x00" * 100_000).medium == "direct"
    assert classify("javascript:alert(1)//https://www.google.com/").medium == "direct"


@pytest.mark.parametrize(
    "referrer",
    [123, 4.5, ["https://www.google.com/"], {"a": 1}, object(), bytearray(b"https://t.co/")],
)
def test_non_text_referrers(referrer):
    result = classify(referrer)
    assert_well_formed(result)
    assert result.medium in ("direct", "social")


def test_ten_thousand_query_parameters():
    query = {f"p{i}": "x" * 50 for i in range(10_000)}
    query["utm_source"] = "newsletter"
    query["utm_medium"] = "email"
    query["gclid"] = "g"
    started = time.perf_counter()
    result = classify("https://www.google.com/", query)
    assert time.perf_counter() - started < 0.5
    assert (result.medium, result.source) == ("email", "newsletter")
    assert result.click_ids == {"gclid": "g"}

    # A raw query string is only read up to MAX_QUERY_STRING_LENGTH characters.
    padding = "&".join(f"p{i}=x" for i in range(10_000))
    result = classify(None, "utm_medium=cpc&gclid=abc&" + padding)
    assert (result.medium, result.source) == ("paid", "google")
    result = classify(None, padding + "&utm_medium=cpc&gclid=abc")
    assert (result.medium, result.source, dict(result.click_ids)) == ("direct", "", {})


def test_hostile_query_values_are_cleaned_and_capped():
    query = {
        "utm_source": "x" * 100_000,
        "utm_medium": "\x00email\x00",
        "utm_campaign": "spring\udcff\u202e sale\r\n",
        "utm_term": "",
        "utm_content": "   ",
        "utm_id": 12345,
        "gclid": "g" * 100_000,
        "fbclid": None,
        "msclkid": ["a", "b" * 1000],
        "ttclid": b"bytes\xff",
        "li_fat_id": {"nested": "dict"},
        1: "non-string key",
        None: "none key",
    }
    result = classify(None, query)
    assert_well_formed(result)
    assert result.medium == "email"
    assert result.utm == {
        "utm_source": "x" * MAX_UTM_VALUE,
        "utm_medium": "email",
        "utm_campaign": "spring sale",
        "utm_id": "12345",
    }
    assert result.click_ids["gclid"] == "g" * MAX_CLICK_ID
    assert result.click_ids["msclkid"] == "b" * min(1000, MAX_CLICK_ID)
    assert "fbclid" not in result.click_ids
    assert "li_fat_id" not in result.click_ids
    assert result.click_ids["ttclid"].startswith("bytes")
    assert len(result.source) <= MAX_SOURCE


class _ExplodingMapping(Mapping):
    def __getitem__(self, key):
        raise RuntimeError("boom")

    def __iter__(self):
        raise RuntimeError("boom")

    def __len__(self):
        raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("request_host", "internal_hosts"),
    [
        (None, None),
        (42, 42),
        ("\x00" * 10_000, ["\udcff", None, 3, "x" * 100_000, "[::1", "*", ""]),
        ("example.com", iter([".example.com"])),
        ("[zz]:80", (h for h in [".example.com"])),
    ],
)
def test_garbage_configuration_never_raises(request_host, internal_hosts):
    result = classify(
        "https://shop.example.com/",
        _ExplodingMapping(),
        request_host=request_host,
        internal_hosts=internal_hosts,
    )
    assert_well_formed(result)
    assert result.referrer_host == "shop.example.com"


def test_many_internal_hosts_is_bounded():
    hosts = [f"h{i}.example.com" for i in range(100_000)]
    started = time.perf_counter()
    result = classify("https://elsewhere.test/", internal_hosts=hosts)
    assert time.perf_counter() - started < 1.0
    assert result.medium == "referral"


# --------------------------------------------------------------------------------------------
# Properties

_ANY_CHAR = st.characters(codec=None, categories=None) | st.characters(categories=["Cs"])
_ANY_TEXT = st.text(_ANY_CHAR, max_size=300)
_URLISH = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["http://", "https://", "android-app://", "ios-app://", "//", "", "HTTPS:"]),
    st.text(_ANY_CHAR, max_size=40) | st.sampled_from(["www.google.com", "[::1]", "t.co"]),
    st.sampled_from(["/", "/search?", "?q=", "?p=", "#", ":80/", "@"]),
    _ANY_TEXT,
)
_QUERY = st.dictionaries(
    st.sampled_from([*UTM_KEYS, *CLICK_IDS, "ScCid", "UTM_SOURCE", "other"]) | _ANY_TEXT,
    _ANY_TEXT | st.lists(_ANY_TEXT, max_size=3) | st.none() | st.integers(),
    max_size=12,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(referrer=_ANY_TEXT | _URLISH, request_host=_ANY_TEXT)
def test_classify_never_raises_on_any_referrer(referrer, request_host):
    result = classify(referrer, request_host=request_host, internal_hosts=[request_host])
    assert_well_formed(result)
    assert referrer_host(referrer) == result.referrer_host


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(referrer=st.none() | _URLISH, query=_QUERY | _ANY_TEXT)
def test_classify_never_raises_on_any_query(referrer, query):
    result = classify(referrer, query)
    assert_well_formed(result)
    assert Source.from_dict(json.loads(json.dumps(result.as_dict()))) == result


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _ANY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_ANY_TEXT, children),
    max_leaves=20,
)


@settings(max_examples=200)
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "medium": _JSON | st.sampled_from(MEDIUMS),
            "source": _JSON,
            "term": _JSON,
            "referrer_host": _JSON,
            "utm": _JSON | st.dictionaries(st.sampled_from(UTM_KEYS), _JSON),
            "click_ids": _JSON | st.dictionaries(st.sampled_from(list(CLICK_IDS)), _JSON),
            "is_internal": _JSON,
        },
    )
    | _JSON
)
def test_from_dict_never_raises(data):
    assert_well_formed(Source.from_dict(data))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    referrer=_ANY_TEXT | _URLISH,
    query=_QUERY,
    extra=st.dictionaries(st.sampled_from(["page", "q", "sort"]), _ANY_TEXT, max_size=3),
)
def test_classify_cached_answers_as_classify(referrer, query, extra):
    query = {**extra, **query}
    expected = classify(referrer, query, request_host="shop.test", internal_hosts=())
    cached = classify_cached(referrer, query, request_host="shop.test", internal_hosts=())
    assert cached == expected
    # Twice: the second answer comes from the cache.
    assert classify_cached(referrer, query, request_host="shop.test", internal_hosts=()) == expected


def test_classify_cached_is_keyed_by_the_campaign_parameters_only():
    cache = classification._classify_campaign
    cache.cache_clear()
    referrer = "https://www.google.com/search?q=golf"
    first = classify_cached(
        referrer, {"utm_campaign": "spring", "page": "1"}, request_host="a.test", internal_hosts=()
    )
    again = classify_cached(
        referrer, {"page": "2", "utm_campaign": "spring"}, request_host="a.test", internal_hosts=()
    )
    other = classify_cached(
        referrer, {"utm_campaign": "autumn"}, request_host="a.test", internal_hosts=()
    )
    assert again is first  # other parameters change nothing
    assert other.utm == {"utm_campaign": "autumn"}
    assert cache.cache_info().hits == 1
    assert cache.cache_info().maxsize == 4096  # bounded


def test_classify_cached_does_not_cache_a_query_too_long_to_scan():
    cache = classification._classify_campaign
    cache.cache_clear()
    query = {f"p{i}": "x" for i in range(MAX_QUERY_SCAN + 1)} | {"Utm_Source": "google"}
    result = classify_cached(None, query, request_host="", internal_hosts=())
    assert result == classify(None, query)
    assert cache.cache_info().currsize == 0


_STORED_TEXT = st.sampled_from(["", "email", "google", "Spring Sale", "x\x00y", " a  b ", "É"])
_STORED_VALUE = _STORED_TEXT | st.none() | st.integers() | st.booleans() | st.just(["list"])


@given(
    st.dictionaries(
        st.sampled_from(["medium", "source", "term", "referrer_host", "is_internal"]),
        _STORED_VALUE,
    ),
    st.dictionaries(st.sampled_from(["utm_campaign", "utm_source", "other"]), _STORED_VALUE)
    | st.none()
    | _STORED_TEXT,
    st.dictionaries(st.sampled_from(["gclid", "fbclid", "x"]), _STORED_VALUE) | st.just(None),
    st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_reading_a_stored_source_is_remembered_only_where_it_reads_the_same(
    fields, utm, clicks, complete
):
    data = dict(fields)
    if complete:
        data = {"medium": "direct", "source": "", "term": "", "referrer_host": ""} | data
        data.setdefault("is_internal", False)
    data["utm"] = utm
    if clicks is not None:
        data["click_ids"] = clicks
    assert Source.from_dict(data) == Source._read(data)
    assert Source.from_dict(data) == Source._read(data)  # remembered: the same answer


def test_a_stored_source_of_the_usual_shape_is_read_once():
    data = Source(medium="email", source="news", utm={"utm_campaign": "spring"}).as_dict()
    assert Source.from_dict(data) is Source.from_dict(dict(data))
    data["is_internal"] = 1  # not a flag: read the long way, as not internal
    assert Source.from_dict(data).is_internal is False
