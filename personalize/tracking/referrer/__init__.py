"""Traffic-source classification: where did this visit come from?

:func:`classify` turns the ``Referer`` header and the landing URL's query parameters into a
:class:`Source`: a *medium* (one of :data:`MEDIUMS`), a short *source* name, the search *term*
when one is known, the campaign (``utm_*``) parameters and the ad-platform click ids.

This package is pure Python (standard library only): it needs no Django settings, neither at
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
   ``llm`` -> ``chatbot``; ``(none)``/``none``/``direct`` -> ``direct``. A medium in none of
   these lists still counts by what it contains: ``paid``/``cpc``/``ppc``/``cpm`` anywhere
   (``socialpaid``, ``facebook_cpc``) -> ``paid``, else ``email``/``newsletter`` anywhere
   (``newsletter_email``) -> ``email``, else a ``cp`` prefix -> ``paid`` and a ``social``
   prefix (``social_organic``) -> ``social``.
2. **Paid or email click ids** added by auto-tagging: ``gclid``/``gbraid``/``wbraid``/
   ``dclid`` (google), ``msclkid`` (bing), ``ttclid`` (tiktok), ``li_fat_id`` (linkedin),
   ``twclid`` (twitter), ``ScCid`` (snapchat), ``yclid`` (yandex), ``epik`` (pinterest),
   ``rdt_cid`` (reddit), ``tblci`` (taboola), ``gad_source`` (google: Google Ads adds it next
   to ``gclid``, and it is what is left when Safari's or Firefox's link tracking protection
   strips the click id) -> ``paid``; ``mc_eid``/``mc_cid`` (mailchimp), ``_hsenc``/``_hsmi``
   (hubspot), ``mkt_tok`` (marketo), ``_kx`` (klaviyo) -> ``email``.
3. **Campaign source alone.** A ``utm_source`` that names a known chatbot, search engine,
   social network, email service or ad network (``chatgpt.com`` -- which ChatGPT appends to
   the links it cites --, ``perplexity``, ``google``, ``facebook``/``fb``, ``newsletter``,
   ``mailchimp``, ``taboola`` ...) gives that medium when rules 1-2 did not decide (no
   ``utm_medium``, or one we do not know). Plain referral hosts give nothing here: an unknown
   ``utm_medium`` with an unknown ``utm_source`` (``utm_medium=qr&utm_source=poster``) falls
   through to the referrer, so it is ``direct`` without one -- with ``source="poster"``.
4. **Soft click ids**, which platforms add to *every* outbound link, not only to ads:
   ``fbclid`` -> ``social``/facebook, ``igshid``/``igsh`` -> ``social``/instagram,
   ``srsltid`` (Google Merchant Center, on organic results) -> ``search``/google; the
   affiliate networks' ``irclickid`` (impact), ``cjevent`` (cj) and ``awc`` (awin) ->
   ``referral``.
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
   referral/slack, ``com.microsoft.teams`` -> referral/teams); unknown apps are referrals
   whose source is the package (or app id). Links clicked in the Teams desktop app arrive
   from ``statics.teams.cdn.office.net`` (referral/teams), WhatsApp's link shim ``l.wl.co``
   is social/whatsapp.
   Any other ``http(s)`` host is a ``referral`` whose source is the host.
7. **Nothing usable** -- no referrer, ``about:blank``, ``javascript:``/``data:``/``file:`` and
   other non-web schemes, an unparseable host -> ``direct``.

Fields
======

* ``source``: ``utm_source`` when given (lowercased; a known alias or host such as
  ``chatgpt.com``/``fb`` becomes the canonical name ``chatgpt``/``facebook``), otherwise the
  platform of a click id whose medium is the one decided (or of any click id when the medium
  is ``paid``: ``fbclid`` with ``utm_medium=paid`` is a Facebook ad), otherwise the name
  from the referrer tables, otherwise the referring host. Twitter and X are both ``"twitter"``.
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

Modules
=======

* :mod:`~personalize.tracking.referrer.classification`: :func:`classify`, the precedence above.
* :mod:`~personalize.tracking.referrer.source`: the :class:`Source` result.
* :mod:`~personalize.tracking.referrer.campaign`: ``utm_*`` parameters and click ids.
* :mod:`~personalize.tracking.referrer.hosts`: referrer URLs, host normalization and look-ups.
* :mod:`~personalize.tracking.referrer.tables`: the mediums, caps and host/app/alias tables.
* :mod:`~personalize.tracking.referrer.text`: cleaning and decoding of untrusted text.
"""

# ``__all__`` is the public API. The ``name as name`` imports keep the other names of the former
# single module (limits, constants, cache helpers, private names tests use) importable here.
from personalize.tracking.referrer.campaign import parse_campaign
from personalize.tracking.referrer.classification import classify, classify_cached
from personalize.tracking.referrer.hosts import referrer_host
from personalize.tracking.referrer.source import EMPTY as EMPTY
from personalize.tracking.referrer.source import FrozenMapping, Source
from personalize.tracking.referrer.tables import CHATBOT as CHATBOT
from personalize.tracking.referrer.tables import (
    CLICK_IDS,
    MAX_CLICK_ID,
    MAX_HOST,
    MAX_REFERRER_LENGTH,
    MAX_SOURCE,
    MAX_TERM,
    MAX_UTM_VALUE,
    MEDIUMS,
    UTM_KEYS,
)
from personalize.tracking.referrer.tables import DIRECT as DIRECT
from personalize.tracking.referrer.tables import EMAIL as EMAIL
from personalize.tracking.referrer.tables import MAX_INTERNAL_HOSTS as MAX_INTERNAL_HOSTS
from personalize.tracking.referrer.tables import MAX_QUERY_SCAN as MAX_QUERY_SCAN
from personalize.tracking.referrer.tables import MAX_QUERY_STRING_LENGTH as MAX_QUERY_STRING_LENGTH
from personalize.tracking.referrer.tables import PAID as PAID
from personalize.tracking.referrer.tables import REFERRAL as REFERRAL
from personalize.tracking.referrer.tables import SEARCH as SEARCH
from personalize.tracking.referrer.tables import SOCIAL as SOCIAL

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
    "classify_cached",
    "parse_campaign",
    "referrer_host",
]
