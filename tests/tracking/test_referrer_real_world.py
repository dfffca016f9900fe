"""Traffic sources as real browsers and campaigns send them, against what a marketer expects.

Browsers send only the origin of a cross-site referrer (``strict-origin-when-cross-origin``),
so most rows are a bare ``https://host/``. Mediums follow GA4's default channel grouping
where it has one (organic/paid search, organic/paid social, email, referral, direct) and this
project's ``chatbot`` medium for AI assistants.
"""

from __future__ import annotations

import pytest
from django.http import QueryDict

from personalize.tracking.referrer import classify
from tests.tracking.test_referrer import assert_external

SITE = "shop.example.com"

# (referrer as sent, medium, source); referrers ``test_referrer.py`` tests already are not
# repeated here.
REFERRERS = [
    # Google on its country domains, and its apps.
    ("https://www.google.co.uk/", "search", "google"),
    ("https://www.google.de/", "search", "google"),
    ("https://www.google.com.br/", "search", "google"),
    ("https://www.google.co.in/", "search", "google"),
    ("https://www.google.com.mx/", "search", "google"),
    ("https://www.google.fr/", "search", "google"),
    ("https://www.google.ca/", "search", "google"),
    ("https://www.google.cat/", "search", "google"),
    ("https://google.ie/", "search", "google"),
    ("https://www.google.com.hk/", "search", "google"),
    ("https://discover.google.com/", "search", "google"),
    ("android-app://com.google.android.googlequicksearchbox/", "search", "google"),
    (
        "android-app://com.google.android.googlequicksearchbox/https/www.google.com",
        "search",
        "google",
    ),
    # Google News is an aggregator that links out, not a results page.
    ("https://news.google.com/", "referral", "news.google.com"),
    # Other search engines.
    ("https://www.bing.com/", "search", "bing"),
    ("https://cn.bing.com/", "search", "bing"),
    ("https://html.duckduckgo.com/", "search", "duckduckgo"),
    ("https://search.yahoo.com/", "search", "yahoo"),
    ("https://uk.search.yahoo.com/", "search", "yahoo"),
    ("https://r.search.yahoo.com/", "search", "yahoo"),
    ("https://search.yahoo.co.jp/", "search", "yahoo"),
    ("https://www.baidu.com/", "search", "baidu"),
    ("https://m.baidu.com/", "search", "baidu"),
    ("https://yandex.ru/", "search", "yandex"),
    ("https://ya.ru/", "search", "yandex"),
    ("https://yandex.com.tr/", "search", "yandex"),
    ("https://www.ecosia.org/", "search", "ecosia"),
    ("https://search.brave.com/", "search", "brave"),
    ("https://www.startpage.com/", "search", "startpage"),
    ("https://www.qwant.com/", "search", "qwant"),
    ("https://search.naver.com/", "search", "naver"),
    ("https://m.search.naver.com/", "search", "naver"),
    ("https://search.seznam.cz/", "search", "seznam"),
    ("https://www.sogou.com/", "search", "sogou"),
    ("https://kagi.com/", "search", "kagi"),
    ("https://search.aol.com/", "search", "aol"),
    # Social networks, messaging and communities.
    ("https://l.facebook.com/", "social", "facebook"),
    ("https://l.messenger.com/", "social", "messenger"),
    ("https://t.co/", "social", "twitter"),
    ("https://l.instagram.com/", "social", "instagram"),
    ("https://lnkd.in/", "social", "linkedin"),
    ("https://www.pinterest.co.uk/", "social", "pinterest"),
    ("https://pin.it/", "social", "pinterest"),
    ("https://www.reddit.com/", "social", "reddit"),
    ("https://out.reddit.com/", "social", "reddit"),
    ("https://m.youtube.com/", "social", "youtube"),
    ("https://l.threads.net/", "social", "threads"),
    ("https://bsky.app/", "social", "bluesky"),
    ("https://news.ycombinator.com/", "social", "hackernews"),
    ("https://l.wl.co/", "social", "whatsapp"),
    ("https://t.me/", "social", "telegram"),
    ("https://m.vk.com/", "social", "vk"),
    ("https://m.weibo.cn/", "social", "weibo"),
    # Webmail.
    ("https://outlook.office.com/", "email", "outlook"),
    ("https://mail.proton.me/", "email", "proton"),
    ("https://webmail.example.net/", "email", "webmail.example.net"),
    # Chatbots and AI assistants.
    ("https://www.perplexity.ai/", "chatbot", "perplexity"),
    ("https://gemini.google.com/", "chatbot", "gemini"),
    # Android apps.
    ("android-app://com.google.android.gm/", "email", "gmail"),
    ("android-app://com.linkedin.android/", "social", "linkedin"),
    ("android-app://org.telegram.messenger/", "social", "telegram"),
    ("android-app://com.microsoft.teams/", "referral", "teams"),
    ("android-app://com.example.unknown/", "referral", "com.example.unknown"),
    # Workplace chat.
    ("https://app.slack.com/", "referral", "slack"),
    ("https://teams.microsoft.com/", "referral", "teams"),
    ("https://statics.teams.cdn.office.net/", "referral", "teams"),
    # Sign-in and payment round trips are not acquisition.
    ("https://accounts.google.com/", "direct", ""),
    ("https://www.paypal.com/", "direct", ""),
    # Ordinary sites.
    ("https://www.golfdigest.com/", "referral", "golfdigest.com"),
    ("https://medium.com/", "referral", "medium.com"),
    # Host spellings.
    ("https://WWW.GOOGLE.COM/", "search", "google"),
    ("https://www.google.com./", "search", "google"),
    ("https://www.google.com:443/", "search", "google"),
    ("https://user:secret@www.google.com/", "search", "google"),
    ("https://m.facebook.com./", "social", "facebook"),
    ("www.google.com", "search", "google"),
    ("//www.bing.com/", "search", "bing"),
    ("https://münchen.de/", "referral", "xn--mnchen-3ya.de"),
    ("https://xn--mnchen-3ya.de/", "referral", "xn--mnchen-3ya.de"),
    ("https://MÜNCHEN.de/", "referral", "xn--mnchen-3ya.de"),
    ("HTTPS://WWW.BING.COM/", "search", "bing"),
    ("https://www.google.com.:443/", "search", "google"),
    ("https://m.youtube.com./watch", "social", "youtube"),
    # The host is what follows the userinfo, as browsers read it ("\\" is "/" there).
    ("https://www.google.com@evil.example/", "referral", "evil.example"),
    ("https://www.google.com\\@evil.example/", "search", "google"),
    ("https://[2001:db8::1]:8443/", "referral", "2001:db8::1"),
    ("http://192.168.1.10/", "referral", "192.168.1.10"),
    ("ios-app://284815942/", "search", "google"),
    ("android-app://com.google.android.gm/http/mail.google.com", "email", "gmail"),
    # Nothing usable.
    ("garbage", "direct", ""),
    ("https://", "direct", ""),
    ("https:///", "direct", ""),
    ("https://.com/", "direct", ""),
    ("https://xn--zz.com/", "direct", ""),  # invalid punycode
    ("data:text/html,hi", "direct", ""),
]


@pytest.mark.parametrize(("referrer", "medium", "source"), REFERRERS)
def test_real_world_referrer(referrer, medium, source):
    # An origin carries no search term.
    assert_external(referrer, medium, source, request_host=SITE)


@pytest.mark.parametrize(
    ("referrer", "host"),
    [
        ("https://WWW.Google.CO.UK./", "google.co.uk"),
        ("https://user:secret@www.bing.com:8443/search?q=x", "bing.com"),
        ("https://münchen.de/", "xn--mnchen-3ya.de"),
        ("android-app://com.google.android.gm/", "com.google.android.gm"),
    ],
)
def test_referrer_host_is_normalized_and_keeps_no_credentials(referrer, host):
    result = classify(referrer, request_host=SITE)
    assert result.referrer_host == host
    assert "secret" not in repr(result.as_dict())


# The site's own pages: navigation inside the site, whatever the spelling of the host.
@pytest.mark.parametrize(
    "referrer",
    [
        "https://shop.example.com/",
        "https://shop.example.com/cart?step=2",
        "https://www.shop.example.com/",
        "https://SHOP.EXAMPLE.COM:8443/",
        "https://shop.example.com./",
        "http://shop.example.com/",
    ],
)
def test_own_host_is_internal_not_referral(referrer):
    result = classify(referrer, request_host="shop.example.com:8000")
    assert (result.medium, result.source, result.is_internal) == ("direct", "", True)


def test_a_sibling_subdomain_is_a_referral_unless_listed():
    ref = "https://blog.shop.example.com/"
    assert classify(ref, request_host=SITE).medium == "referral"
    listed = classify(ref, request_host=SITE, internal_hosts=[".shop.example.com"])
    assert (listed.medium, listed.is_internal) == ("direct", True)


# (query string of the landing URL, referrer, medium, source)
CAMPAIGNS = [
    # Ad click ids alone: paid, named after the platform.
    ("gclid=Cj0K", "", "paid", "google"),
    ("gbraid=0AAA", "", "paid", "google"),
    ("wbraid=CkkK", "", "paid", "google"),
    ("dclid=CJ3z", "", "paid", "google"),
    ("msclkid=8a2b", "", "paid", "bing"),
    ("ttclid=E.C.P", "", "paid", "tiktok"),
    ("li_fat_id=1f2e", "", "paid", "linkedin"),
    ("twclid=2-4b", "", "paid", "twitter"),
    ("yclid=1234", "", "paid", "yandex"),
    ("ScCid=1234", "", "paid", "snapchat"),
    ("tblci=GiA", "", "paid", "taboola"),
    # Left when link tracking protection stripped gclid.
    ("gad_source=1", "", "paid", "google"),
    ("gad_source=1&gclid=Cj0K", "https://www.google.com/", "paid", "google"),
    ("GCLID=Cj0K", "", "paid", "google"),
    ("Gclid=Cj0K", "", "paid", "google"),
    ("gclid=Cj0K", "https://www.google.co.uk/", "paid", "google"),
    ("msclkid=8a2b", "https://www.bing.com/", "paid", "bing"),
    # Click ids with a campaign medium.
    ("gclid=x&utm_medium=cpc&utm_source=google", "", "paid", "google"),
    ("gclid=x&utm_medium=ppc", "", "paid", "google"),
    ("msclkid=x&utm_medium=paidsearch&utm_source=bing", "", "paid", "bing"),
    # fbclid is added to every outbound Facebook link: organic unless the medium says paid.
    ("fbclid=IwAR", "", "social", "facebook"),
    ("fbclid=IwAR", "https://l.facebook.com/", "social", "facebook"),
    ("FbClId=IwAR", "", "social", "facebook"),
    ("fbclid=IwAR&utm_medium=paid_social&utm_source=facebook", "", "paid", "facebook"),
    ("fbclid=IwAR&utm_medium=cpc", "https://www.facebook.com/", "paid", "facebook"),
    ("fbclid=IwAR&utm_medium=paid", "", "paid", "facebook"),
    ("igsh=MzRl", "https://l.instagram.com/", "social", "instagram"),
    # E-mail platforms' own link parameters.
    ("_kx=abc.XyZ", "", "email", "klaviyo"),
    ("mc_cid=1a&mc_eid=2b", "", "email", "mailchimp"),
    ("_hsenc=p2ANqt", "", "email", "hubspot"),
    # Affiliate networks: referrals.
    ("cjevent=9a8b", "", "referral", "cj"),
    ("awc=1234_abc", "", "referral", "awin"),
    ("irclickid=xyz", "", "referral", "impact"),
    # utm_medium spellings.
    ("UTM_Source=Newsletter&UTM_Medium=Email", "", "email", "newsletter"),
    ("utm_medium=Email&utm_source=weekly", "", "email", "weekly"),
    ("utm_medium=EMAIL&utm_source=weekly", "", "email", "weekly"),
    ("utm_medium=e-mail&utm_source=weekly", "", "email", "weekly"),
    ("utm_medium=e_mail&utm_source=weekly", "", "email", "weekly"),
    ("utm_medium=newsletter&utm_source=weekly", "", "email", "weekly"),
    ("utm_medium=newsletter_email&utm_source=weekly", "", "email", "weekly"),
    ("utm_medium=transactional-email&utm_source=shop", "", "email", "shop"),
    ("utm_medium=%20Email%20&utm_source=weekly", "", "email", "weekly"),
    ("utm_medium=social-paid&utm_source=facebook", "", "paid", "facebook"),
    ("utm_medium=paid-social&utm_source=facebook", "", "paid", "facebook"),
    ("utm_medium=Paid%20Social&utm_source=facebook", "", "paid", "facebook"),
    ("utm_medium=paidsocial&utm_source=meta", "", "paid", "meta"),
    ("utm_medium=socialpaid&utm_source=meta", "", "paid", "meta"),
    ("utm_medium=facebook_cpc&utm_source=facebook", "", "paid", "facebook"),
    ("utm_medium=cpm&utm_source=dv360", "", "paid", "dv360"),
    ("utm_medium=display&utm_source=gdn", "", "paid", "gdn"),
    ("utm_medium=retargeting&utm_source=criteo", "", "paid", "criteo"),
    ("utm_medium=affiliate&utm_source=awin", "", "referral", "awin"),
    ("utm_medium=Social&utm_source=linkedin", "", "social", "linkedin"),
    ("utm_medium=social_organic&utm_source=linkedin", "", "social", "linkedin"),
    ("utm_medium=organic&utm_source=google", "", "search", "google"),
    ("utm_medium=referral&utm_source=partner.example", "", "referral", "partner.example"),
    # utm_source alone names the medium when it is a known platform.
    ("utm_source=facebook", "", "social", "facebook"),
    ("utm_source=ig", "", "social", "instagram"),
    ("utm_source=chatgpt.com", "", "chatbot", "chatgpt"),
    ("utm_source=newsletter", "https://www.google.com/", "email", "newsletter"),
    # The campaign wins over the referrer it was clicked from.
    ("utm_medium=email&utm_source=weekly", "https://mail.google.com/", "email", "weekly"),
    ("utm_medium=cpc&utm_source=google", "https://www.google.com/", "paid", "google"),
    # Repeated parameters: the last one counts (as request.GET does).
    ("utm_medium=email&utm_medium=cpc&utm_source=a&utm_source=b", "", "paid", "b"),
    # An unknown medium falls through to the referrer.
    ("utm_medium=qr&utm_source=poster", "", "direct", "poster"),
    ("utm_medium=qr&utm_source=poster", "https://www.bing.com/", "search", "poster"),
    # Empty values count as absent.
    ("utm_source=&utm_medium=", "https://www.google.com/", "search", "google"),
]


@pytest.mark.parametrize(("query", "referrer", "medium", "source"), CAMPAIGNS)
def test_real_world_campaign(query, referrer, medium, source):
    result = classify(referrer, QueryDict(query), request_host=SITE)
    assert (result.medium, result.source) == (medium, source)


@pytest.mark.parametrize(("query", "referrer", "medium", "source"), CAMPAIGNS)
def test_real_world_campaign_as_raw_query_string(query, referrer, medium, source):
    """The same answers when the query arrives as the raw string (the script's beacon)."""
    result = classify(referrer, query, request_host=SITE)
    assert (result.medium, result.source) == (medium, source)


def test_campaign_on_own_page_keeps_the_campaign_and_says_internal():
    result = classify(
        "https://shop.example.com/archive/",
        QueryDict("utm_medium=email&utm_source=weekly"),
        request_host=SITE,
    )
    assert (result.medium, result.source, result.is_internal) == ("email", "weekly", True)


def test_mixed_case_utm_keys_keep_values_as_given():
    result = classify("", QueryDict("UTM_Source=Newsletter&Utm_Campaign=Spring%20Sale"))
    assert dict(result.utm) == {"utm_source": "Newsletter", "utm_campaign": "Spring Sale"}


def test_paid_term_comes_from_utm_term():
    result = classify("", QueryDict("utm_medium=cpc&utm_source=google&utm_term=Golf%20Clubs"))
    assert (result.medium, result.term) == ("paid", "golf clubs")
