"""Request body parsers: bounded, strict JSON.

Every API body goes through :func:`load_json`: at most ``PERSONALIZE_API_MAX_BODY_BYTES``
bytes are read (one more tells that the body is too large: 413, nothing beyond is read), the
bytes must be UTF-8, the document at most :data:`MAX_DEPTH` levels deep with at most
:data:`MAX_NODES` values, and no text may hold a NUL character or a lone surrogate (neither
can be stored). ``NaN`` and ``Infinity`` are refused, and so is an object giving a key twice
(parsers disagree on which value counts). Each problem is a 400 with its reason.

``text/plain`` is accepted as JSON where browsers send beacons: ``navigator.sendBeacon`` with
a string body sends ``text/plain;charset=UTF-8`` and cannot choose another type without a
CORS preflight.
"""

from __future__ import annotations

import json
import math

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import BaseParser

from personalize.api.errors import PayloadTooLarge
from personalize.conf import get_setting

MAX_DEPTH = 10
MAX_NODES = 5000


def _refuse_constant(name):
    raise ValueError(f"{name} is not allowed")


def _object(pairs: list) -> dict:
    """A JSON object from its ``(key, value)`` pairs; a key given twice is malformed."""
    document = dict(pairs)
    if len(document) != len(pairs):
        raise ValueError(_("an object gives the same key twice"))
    return document


def _walk(document) -> None:
    """Check depth, size and text of a parsed document without recursion."""
    stack = [(document, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise exceptions.ParseError(
                _("The JSON document has more than %(n)d values.") % {"n": MAX_NODES}
            )
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise exceptions.ParseError(
                    _("The JSON document is nested deeper than %(n)d levels.") % {"n": MAX_DEPTH}
                )
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_text(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise exceptions.ParseError(_("Numbers must be finite."))


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise exceptions.ParseError(_("Text in the JSON document contains a NUL character."))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise exceptions.ParseError(
            _("Text in the JSON document contains a lone surrogate (\\ud800-\\udfff).")
        ) from None


def load_json(raw: bytes):
    """Decode and check a JSON body (see the module docstring). Raises ``ParseError``."""
    if not raw.strip():
        raise exceptions.ParseError(_("The request body is empty; send a JSON document."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise exceptions.ParseError(_("The request body is not valid UTF-8.")) from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_object)
    except RecursionError:
        raise exceptions.ParseError(
            _("The JSON document is nested deeper than %(n)d levels.") % {"n": MAX_DEPTH}
        ) from None
    except ValueError as exc:
        raise exceptions.ParseError(_("Malformed JSON: %(error)s.") % {"error": exc}) from None
    _walk(document)
    return document


def read_bounded(stream) -> bytes:
    """At most the body cap from ``stream``; :class:`PayloadTooLarge` past it."""
    limit = get_setting("API_MAX_BODY_BYTES")
    raw = stream.read(limit + 1) if stream is not None else b""
    if len(raw) > limit:
        raise PayloadTooLarge(_("The request body is larger than %(n)d bytes.") % {"n": limit})
    return raw


class JSONBodyParser(BaseParser):
    """``application/json``, bounded and strict."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        charset = _charset(media_type)
        if charset not in ("", "utf-8", "utf8"):
            raise exceptions.UnsupportedMediaType(
                media_type, _("Only UTF-8 bodies are accepted; got charset %(c)s.") % {"c": charset}
            )
        return load_json(read_bounded(stream))


class PlainTextJSONParser(JSONBodyParser):
    """``text/plain`` holding JSON: what ``navigator.sendBeacon`` sends for a string body."""

    media_type = "text/plain"


def _charset(media_type: str | None) -> str:
    for param in (media_type or "").split(";")[1:]:
        name, _sep, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""
