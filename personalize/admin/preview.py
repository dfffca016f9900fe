"""Links that open the site as a segment, intent or variant would see it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.html import format_html

from personalize.conf import get_setting


def preview_url(value: str, page: str = "") -> str:
    """``page`` (else ``PERSONALIZE_PREVIEW_URL``) previewing ``value``."""
    base = page or get_setting("PREVIEW_URL")
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}{urlencode({get_setting('PREVIEW_PARAM'): value})}"


def preview_link(value: str, label: str = "Preview on the site", page: str = "") -> str:
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>', preview_url(value, page), label
    )
