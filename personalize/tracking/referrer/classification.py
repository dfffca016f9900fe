"""Classification: the medium, source and term of a visit, by the precedence rules.

See the package docstring for the rules (campaign medium, click ids, campaign source, soft
click ids, internal referrer, referrer tables, nothing usable) and the fields of the result.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping

from personalize.tracking.referrer.campaign import (
    _source_info,
    _token,
    campaign_items,
    parse_campaign,
)
from personalize.tracking.referrer.hosts import (
    _is_internal,
    _lookup,
    _lookup_package,
    _parse_referrer,
    _Referrer,
)
from personalize.tracking.referrer.source import Source
from personalize.tracking.referrer.tables import (
    _IOS,
    _PATH_RULES,
    _UTM_MEDIUM_PARTS,
    _UTM_MEDIUM_PREFIXES,
    _UTM_MEDIUMS,
    CLICK_IDS,
    DIRECT,
    MAX_HOST,
    MAX_SOURCE,
    MAX_TERM,
    PAID,
    REFERRAL,
    SEARCH,
    _Entry,
)
from personalize.tracking.referrer.text import _clean, _decode_component

logger = logging.getLogger(__name__)


def _medium_by_parts(token: str) -> str | None:
    """The medium of a ``utm_medium`` token in no table, by what it contains or starts with."""
    for part, medium in _UTM_MEDIUM_PARTS:
        if part in token:
            return medium
    for prefix, medium in _UTM_MEDIUM_PREFIXES:
        if token.startswith(prefix):
            return medium
    return None


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


def classify(
    referrer: str | None,
    query: Mapping[str, str] | None = None,
    *,
    request_host: str = "",
    internal_hosts: Iterable[str] = (),
) -> Source:
    """Classify a visit by its ``Referer`` header and landing query; see the package docstring.

    ``request_host`` is the host of the current request (``request.get_host()``; a port is
    ignored); ``internal_hosts`` are further hosts that count as this site (``.example.com``
    also matches its subdomains). Never raises; runs in bounded time on any input.
    """
    try:
        return _classify(referrer, query, request_host, internal_hosts)
    except Exception:
        logger.debug("Traffic source classification failed", exc_info=True)
        return Source()


def classify_cached(
    referrer: str, query: Mapping[str, str], *, request_host: str, internal_hosts: tuple[str, ...]
) -> Source:
    """:func:`classify`, remembered (bounded LRU) by referrer, campaign parameters and hosts.

    Visitors repeat the same few referrers (the site's own pages, a search engine) and
    campaign links, and a :class:`Source` is immutable, so the classification of a request is
    looked up rather than redone. Only the campaign parameters of ``query`` key the cache:
    the rest of it never changes the result.
    """
    campaign = campaign_items(query)
    if campaign is None:
        return classify(referrer, query, request_host=request_host, internal_hosts=internal_hosts)
    return _classify_campaign(referrer, campaign, request_host, internal_hosts)


@functools.lru_cache(maxsize=4096)
def _classify_campaign(
    referrer: str, campaign: tuple, request_host: str, internal_hosts: tuple[str, ...]
) -> Source:
    return classify(
        referrer, dict(campaign), request_host=request_host, internal_hosts=internal_hosts
    )


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
        if medium is None:
            medium = _medium_by_parts(token)
    strong = next((c for n, c in CLICK_IDS.items() if c.strong and n in clicks), None)
    soft = next((c for n, c in CLICK_IDS.items() if not c.strong and n in clicks), None)
    if medium is None and strong is not None:
        medium = strong.medium
    if medium is None:
        medium = source_medium
    if medium is None and soft is not None:
        medium = soft.medium
    # The click id names the platform when it agrees with the medium that was decided, and
    # for any paid medium (fbclid with utm_medium=paid: a Facebook ad).
    click_source = next(
        (
            c.source
            for c in (strong, soft)
            if c is not None and (c.medium == medium or medium == PAID)
        ),
        "",
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
