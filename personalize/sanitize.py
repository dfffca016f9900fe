"""Sanitizing editor HTML and checking link targets."""

from __future__ import annotations

from html.parser import HTMLParser
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


def _scheme(url: str) -> str:
    """The scheme of ``url`` as a browser reads it (whitespace and control characters, which
    browsers skip, ignored), lower-cased; "" for a relative URL."""
    compact = "".join(ch for ch in url if ch.isprintable() and not ch.isspace()).lower()
    head, colon, _rest = compact.partition(":")
    return head if colon and head.isalnum() else ""


def _safe_srcset(value: str) -> bool:
    """Every image candidate of a ``srcset`` is a relative URL or an http(s) one (the
    sanitizer checks ``href`` and ``src`` itself, not ``srcset``)."""
    for candidate in value.split(","):
        scheme = _scheme(candidate.strip().split(" ", 1)[0])
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


class _Inventory(HTMLParser):
    """The elements, attribute names and link targets of an HTML fragment."""

    LINK_ATTRIBUTES = frozenset({"href", "src", "srcset"})

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.links: set[tuple[str, str]] = set()
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name in self.LINK_ATTRIBUTES and value:
                self.links.add((name, value))


def removed_by_sanitizing(before: str, after: str) -> list[str]:
    """What :func:`sanitize_html` took out of ``before`` to give ``after``, in words for the
    editor: elements (``<script>``), attributes (``onclick``) and links by scheme
    (``javascript: link``). Empty when only the markup's spelling changed."""
    if not before or before == after:
        return []
    was, now = _Inventory(before), _Inventory(after)
    removed = [f"<{tag}>" for tag in sorted(was.tags - now.tags)]
    removed += sorted(was.attributes - now.attributes - _Inventory.LINK_ATTRIBUTES)
    schemes = {_scheme(value) for link in was.links - now.links for value in link[1:]}
    removed += [f"{scheme}: link" for scheme in sorted(schemes - {""} - URL_SCHEMES)]
    return removed


def validate_site_path(path: str) -> None:
    """A page of this site: a path such as "/clubs/" (a query string is allowed), never
    another site, a scheme or control characters."""
    if not path:
        return
    if (
        not path.startswith("/")
        or path.startswith("//")
        or any(ch in path for ch in "\x00\r\n\t\\ ")
        or not path.isprintable()
    ):
        raise ValidationError(_('Enter a path of this site, such as "/clubs/".'))


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
