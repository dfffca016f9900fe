"""Sanitizing editor HTML and checking link targets."""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "div", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "mark", "ol", "p", "picture", "pre",
    "q", "s", "small", "source", "span", "strong", "sub", "sup", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href", "target"},
    "img": {"src", "alt", "width", "height", "loading", "srcset", "sizes"},
    "source": {"srcset", "media", "type", "sizes"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def _safe_srcset(value: str) -> bool:
    """Every image candidate of a ``srcset`` is a relative URL or uses an allowed scheme
    (the sanitizer checks ``href`` and ``src`` itself, not ``srcset``)."""
    for candidate in value.split(","):
        url = candidate.strip().split(" ", 1)[0]
        scheme = urlsplit(url).scheme.lower() if ":" in url else ""
        if scheme and scheme not in ("http", "https"):
            return False
    return True


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "srcset" and not _safe_srcset(value):
        return None
    return value


def sanitize_html(html: str) -> str:
    """Keep harmless formatting; drop scripts, event handlers, styles and unsafe URLs."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def validate_link(url: str) -> None:
    """A CTA target: a site-relative path ("/clubs/") or an absolute http(s) URL."""
    if not url:
        return
    if any(ch in url for ch in "\x00\r\n\t\\") or url != url.strip():
        raise ValidationError(
            _("Links cannot contain whitespace, backslashes or control characters.")
        )
    if url.startswith("/"):
        if url.startswith("//"):
            raise ValidationError(_('Use "https://host/..." for links to other sites.'))
        return
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:  # "https://[::1", "https://[shop]/", "https://host:99999/"
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_('Enter a path such as "/clubs/" or an http(s):// address.'))
