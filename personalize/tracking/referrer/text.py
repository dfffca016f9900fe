"""Cleaning and decoding untrusted text: referrers, query parameters, stored sources.

Every string the classifier returns goes through :func:`_clean`: NUL, control and bidi-override
characters, lone surrogates and U+FFFD removed, whitespace collapsed, cut to its cap.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes


def _cleaning_table(*, keep_whitespace: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in (*range(0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000)):
        table[code] = None
    # Invisible formatting and bidi overrides ("Trojan source" in an admin list).
    for code in (0x061C, 0x180E, 0xFEFF, 0xFFFD, *range(0x200B, 0x2010), *range(0x202A, 0x202F)):
        table[code] = None
    for code in range(0x2060, 0x2070):
        table[code] = None
    if keep_whitespace:
        for code in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85):
            table[code] = " "
    return table


_TEXT_TABLE = _cleaning_table(keep_whitespace=True)
# URL parsers drop tabs and newlines anywhere in a URL; so do we.
_URL_TABLE = _cleaning_table(keep_whitespace=False)


def _clean(value: object, cap: int, *, lower: bool = False) -> str:
    """Printable, whitespace-collapsed, stripped text of at most ``cap`` characters."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value[: cap * 4 + 64]).decode("utf-8", "replace")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    elif not isinstance(value, str):
        return ""
    # Bounded work: only a prefix can survive the cap anyway.
    text = value[: cap * 4 + 64]
    if not (text.isascii() and text.isprintable()):
        # Printable ASCII (the usual text) has nothing the table removes or replaces.
        text = text.translate(_TEXT_TABLE)
    text = " ".join(text.split())
    if lower:
        text = text.lower()
    return text[:cap].rstrip()


def _clean_str(value: object, cap: int, *, lower: bool = False) -> str:
    """:func:`_clean` for stored data, where anything but ``str`` is garbage."""
    return _clean(value, cap, lower=lower) if isinstance(value, str) else ""


def _decode_component(raw: str, charsets: tuple[str, ...]) -> str:
    try:
        data = unquote_to_bytes(raw.replace("+", " "))
    except (UnicodeError, ValueError, TypeError):
        return ""
    for charset in ("utf-8", *charsets):
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", "replace")
