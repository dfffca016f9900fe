"""Campaign parameters: the ``utm_*`` keys and ad-platform click ids of the landing URL."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from itertools import islice

from personalize.tracking.referrer.hosts import _host_of, _lookup
from personalize.tracking.referrer.tables import (
    _DEFAULT_REFERRAL,
    _SOURCE_ALIASES,
    _WEBMAIL,
    CLICK_IDS,
    MAX_CLICK_ID,
    MAX_QUERY_SCAN,
    MAX_QUERY_STRING_LENGTH,
    MAX_SOURCE,
    MAX_UTM_VALUE,
    UTM_KEYS,
)
from personalize.tracking.referrer.text import _clean, _decode_component

logger = logging.getLogger(__name__)

# Exact spellings tried before the bounded case-insensitive scan of the query keys.
_KEY_SPELLINGS: dict[str, tuple[str, ...]] = {
    **{key: (key, key.upper()) for key in UTM_KEYS},
    **{name: (name, name.upper()) for name in CLICK_IDS},
    "sccid": ("sccid", "ScCid", "SCCID", "ScCID"),
}
_WANTED_KEYS = frozenset(_KEY_SPELLINGS)


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
        if not raw:
            return utm, clicks
        for key in UTM_KEYS:
            if key in raw:
                value = _clean(raw[key], MAX_UTM_VALUE)
                if value:
                    utm[key] = value
        for name in CLICK_IDS:
            if name in raw:
                value = _clean(raw[name], MAX_CLICK_ID)
                if value:
                    clicks[name] = value
    except Exception:
        logger.debug("Unreadable query parameters", exc_info=True)
    return utm, clicks


def campaign_items(query: Mapping) -> tuple[tuple[str, str], ...] | None:
    """The parameters of ``query`` that :func:`parse_campaign` reads, in their order.

    Classifying them gives the same source as classifying the whole query, so they can key a
    cache of classifications. None when there is no such key: too many parameters to scan,
    or a campaign value that is not text.
    """
    if len(query) > MAX_QUERY_SCAN:
        return None
    items = []
    for key, value in query.items():
        if isinstance(key, str) and len(key) < 32 and key.lower() in _WANTED_KEYS:
            if not isinstance(value, str):
                return None
            items.append((key, value))
    return tuple(items)


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
