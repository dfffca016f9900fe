"""Staff previews: the segments, intents and variants forced by the preview query parameter.

``CurrentVisitor.preview`` reads ``PERSONALIZE_PREVIEW_PARAM`` and, for active staff with the
``personalize.view_segment`` permission, parses it with :meth:`Preview.parse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.utils.encoding import escape_uri_path
from django.utils.html import format_html

from personalize.tracking.headers import clean_text


@dataclass(frozen=True, slots=True)
class Preview:
    """A staff preview: forced segments, intent and variants. Never tracked."""

    segments: frozenset[str] = frozenset()
    intents: tuple[str, ...] = ()
    variants: tuple[tuple[str, str], ...] = ()  # (slot key, variant slug)

    @classmethod
    def parse(cls, raw: str) -> Preview:
        """``segment:beginner-golfers,intent:deal-seeking,variant:home-hero=deal-hero``."""
        segments, intents, variants = set(), [], []
        for part in raw[:1000].split(",")[:20]:
            kind, _, value = part.strip().partition(":")
            value = clean_text(value, 100)
            if not value:
                continue
            if kind == "segment":
                segments.add(value)
            elif kind == "intent":
                intents.append(value)
            elif kind == "variant" and "=" in value:
                slot, _, variant = value.partition("=")
                variants.append((slot.strip(), variant.strip()))
        return cls(frozenset(segments), tuple(intents), tuple(variants))

    def describe(self) -> str:
        parts = [f"segment {s}" for s in sorted(self.segments)]
        parts += [f"intent {i}" for i in self.intents]
        parts += [f"{slot} = {variant}" for slot, variant in self.variants]
        return ", ".join(parts) or "no segment"


#: The last ``</body>`` of a page: the banner goes just before it.
BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
BANNER_STYLE = (
    "position:fixed;left:0;right:0;bottom:0;z-index:2147483647;display:flex;gap:1em;"
    "flex-wrap:wrap;align-items:center;justify-content:center;padding:.6em 1em;"
    "background:#1f2937;color:#fff;font:14px/1.4 system-ui,sans-serif;"
    "box-shadow:0 -2px 8px rgba(0,0,0,.3)"
)


def without_parameter(path: str, query: str, param: str) -> str:
    """``path`` (decoded, as ``request.path`` is) with its query string ``query`` less the
    parameter ``param``: always a path of this site.

    The path is percent-encoded again (a backslash, which browsers read as a slash, too), and
    slashes after the first as ``%2F``: ``/%2F%2Fevil.example/`` names the same page here, where
    ``//evil.example/`` would be another site.
    """
    path = escape_uri_path(path)
    rest = path.lstrip("/")
    path = "/" + "%2F" * (len(path) - len(rest) - 1) + rest
    kept = urlencode([(key, value) for key, value in parse_qsl(query, True) if key != param])
    return f"{path}?{kept}" if kept else path


def exit_url(request, param: str) -> str:
    """The page being previewed, without the preview parameter."""
    return without_parameter(request.path, request.META.get("QUERY_STRING", ""), param)


def banner_html(preview: Preview, exit_to: str) -> str:
    return format_html(
        '<div id="personalize-preview" role="status" style="{}"><strong>Preview</strong>'
        "<span>as {}. Nothing is recorded; links lead out of the preview.</span>"
        '<a href="{}" style="color:#fff;text-decoration:underline">Exit preview</a></div>',
        BANNER_STYLE,
        preview.describe(),
        exit_to,
    )


def add_banner(request, preview: Preview, response, param: str) -> bool:
    """Put the preview banner at the end of an HTML page's body. False when the response is
    not such a page (streamed, compressed, not HTML, or without ``</body>``)."""
    if (
        response.streaming
        or response.get("Content-Encoding")
        or not response.get("Content-Type", "").startswith("text/html")
    ):
        return False
    content = response.content
    ends = list(BODY_END.finditer(content))
    if not ends:
        return False
    at = ends[-1].start()
    charset = response.charset or "utf-8"
    html = banner_html(preview, exit_url(request, param)).encode(charset, "xmlcharrefreplace")
    response.content = content[:at] + html + content[at:]
    if "Content-Length" in response:
        response["Content-Length"] = str(len(response.content))
    return True
