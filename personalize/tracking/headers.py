"""Cleaning untrusted request values before they are used or stored."""

from __future__ import annotations

import re
from collections.abc import Mapping

# C0/C1 control characters and lone surrogates: never stored, never echoed.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LANGUAGE_TAG = re.compile(r"^[a-z]{1,8}(?:-[a-z0-9]{1,8})*$")

MAX_QUERY_PARAMS = 50
MAX_QUERY_KEY = 100
MAX_QUERY_VALUE = 500
MAX_LANGUAGES = 10
#: Longest referrer read, from the ``Referer`` header or sent by the script.
MAX_REFERRER = 2000


def clean_text(value, limit: int) -> str:
    """A printable, bounded version of ``value`` ("" for anything that is not text)."""
    if not isinstance(value, str):
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        else:
            return ""
    # Look at a bounded prefix only: the rest would be cut anyway.
    value = value[: limit * 2 + 16]
    if not (value.isascii() and value.isprintable()):  # printable ASCII has nothing unsafe
        value = _UNSAFE.sub("", value)
    return value.strip()[:limit]


def clean_referrer(value) -> str:
    """Where a visit came from (the ``Referer`` header, or ``document.referrer`` sent by the
    script): printable text cut to :data:`MAX_REFERRER` characters, "" for anything else.

    Over-long values are cut, never refused: the host and the start of the query (a search
    term) are what classification reads, and events store less still (no query string).
    """
    return clean_text(value, MAX_REFERRER)


def wsgi_text(value: str) -> str:
    """Header values arrive as latin-1 decoded bytes (PEP 3333); recover UTF-8 when valid."""
    if value.isascii():  # most headers: nothing to recover
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def clean_query(query) -> dict[str, str]:
    """The first :data:`MAX_QUERY_PARAMS` parameters of a QueryDict/Mapping, last value wins."""
    result: dict[str, str] = {}
    if not query:
        return result
    getter = getattr(query, "getlist", None)
    for count, key in enumerate(query.keys()):
        if count >= MAX_QUERY_PARAMS:
            break
        if getter is not None:
            values = getter(key)
            value = values[-1] if values else ""
        else:
            value = query[key]
            if isinstance(value, list | tuple):
                value = value[-1] if value else ""
        clean_key = clean_text(key, MAX_QUERY_KEY)
        if clean_key:
            result[clean_key] = clean_text(value, MAX_QUERY_VALUE)
    return result


def parse_accept_language(header: str | None) -> tuple[str, ...]:
    """Language tags by preference, lower case: "en-GB,en;q=0.8,fr;q=0.5" -> (en-gb, en, fr)."""
    if not header:
        return ()
    weighted = []
    for position, part in enumerate(header[:500].split(",")[:MAX_LANGUAGES]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if tag == "*" or not _LANGUAGE_TAG.match(tag):
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag))
    return tuple(tag for _q, _p, tag in sorted(weighted))


def meta_text(meta: Mapping, key: str, limit: int) -> str:
    """Header ``key`` of a META-like mapping as printable text, UTF-8 recovered, cut to
    ``limit`` characters ("" when absent)."""
    return clean_text(wsgi_text(raw_header(meta, key)), limit)


def raw_header(meta: Mapping, key: str) -> str:
    """A header from a META-like mapping as a string (WSGI gives latin-1 decoded text)."""
    value = meta.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    return ""
