"""Validating what code hands to ``identify()`` and ``track()``: traits, e-mail, events.

Values often come straight from forms, so the usual form types are accepted (``Decimal`` becomes
a number, dates become ISO text) and everything else is refused with a message that says what
is wrong. Everything is bounded: number of keys, length of text, total size.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from personalize.conf import get_setting
from personalize.exceptions import InvalidEvent, InvalidTraits
from personalize.tracking.headers import clean_text

TRAIT_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MAX_TRAITS_BYTES = 1500
MAX_SAFE_INTEGER = 2**53

RESERVED_EVENTS = frozenset({"page_view", "impression"})
MAX_EVENT_VALUE = Decimal("999999999999.99")
MAX_PROPERTY_KEY = 64


def _scalar(value, what: str, error: type[ValueError]):
    """``value`` as a JSON scalar (text, finite number, bool or None), or raise ``error``."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise error(f"{what} is too large a number.")
        return value
    if isinstance(value, Decimal) and not value.is_finite():  # NaN, sNaN, Infinity
        raise error(f"{what} must be a finite number.")
    if isinstance(value, float | Decimal):
        number = float(value)
        if not math.isfinite(number):
            raise error(f"{what} must be a finite number.")
        if abs(number) > MAX_SAFE_INTEGER:
            raise error(f"{what} is too large a number.")
        return number
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    raise error(f"{what} must be text, a number, true/false or None; got {type(value).__name__}.")


# -- identity ---------------------------------------------------------------------------------
def clean_email(email) -> str | None:
    if email is None or email == "":
        return None
    from personalize.models import Visitor

    longest = Visitor._meta.get_field("email").max_length
    if not isinstance(email, str) or len(email) > longest:
        raise InvalidTraits(f"Enter a valid e-mail address (at most {longest} characters).")
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidTraits(f"Enter a valid e-mail address; got {email[:80]!r}.") from None
    return email.lower()


def clean_traits(traits: dict) -> dict:
    """Validate trait names and values; ``None`` removes a trait."""
    if len(traits) > get_setting("MAX_TRAITS"):
        raise InvalidTraits(f"At most {get_setting('MAX_TRAITS')} traits; got {len(traits)}.")
    limit = get_setting("MAX_TRAIT_LENGTH")
    cleaned = {}
    for key, value in traits.items():
        if not isinstance(key, str) or not TRAIT_KEY.match(key):
            raise InvalidTraits(
                "Trait names start with a letter and use letters, digits and '_' "
                f"(64 at most); got {str(key)[:80]!r}."
            )
        value = _scalar(value, f"Trait {key!r}", InvalidTraits)
        if isinstance(value, str):
            if len(value) > limit:
                raise InvalidTraits(f"Trait {key!r} is longer than {limit} characters.")
            value = clean_text(value, limit)
        cleaned[key] = value
    return cleaned


def stored_traits(value) -> dict:
    """Traits as stored on a ``Visitor`` row: a dict, or ``{}`` for anything else written
    around ``identify()`` (a list, text, a number, null)."""
    return value if isinstance(value, dict) else {}


def merge_traits(current: dict, changes: dict) -> dict:
    """``current`` updated with ``changes`` (None removes), refused when it grows too big.
    ``current`` that is not a dict (see :func:`stored_traits`) counts as no traits."""
    merged = {**stored_traits(current), **changes}
    merged = {key: value for key, value in merged.items() if value is not None}
    size = len(json.dumps(merged, ensure_ascii=False).encode())
    if size > MAX_TRAITS_BYTES:
        raise InvalidTraits(
            f"A visitor's traits may take {MAX_TRAITS_BYTES} bytes; these would take {size}."
        )
    return merged


# -- events -----------------------------------------------------------------------------------
@functools.cache
def max_event_name() -> int:
    """The length of ``Event.name`` (read on first use: the models import this module)."""
    from personalize.models import Event

    return Event._meta.get_field("name").max_length


@functools.cache
def event_name_pattern() -> re.Pattern:
    """Letters, digits, ``_ - . :``, starting with a letter or digit."""
    return re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_.:\-]{{0,{max_event_name() - 1}}}$")


def is_event_name(name) -> bool:
    return isinstance(name, str) and event_name_pattern().match(name) is not None


def clean_event_name(name) -> str:
    if not is_event_name(name):
        raise InvalidEvent(
            f"Event names are 1-{max_event_name()} letters, digits, '_', '-', '.' or ':', "
            f"starting with a letter or digit; got {str(name)[:80]!r}."
        )
    if name in RESERVED_EVENTS:
        raise InvalidEvent(f"{name!r} is recorded automatically; choose another event name.")
    return name


def clean_event_value(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidEvent("An event value must be a number, not a boolean.")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidEvent(f"An event value must be a number; got {str(value)[:40]!r}.") from None
    # (copy_abs and comparison are exact: abs() could overflow the decimal context, 1e1000000)
    if not number.is_finite() or number.copy_abs() > MAX_EVENT_VALUE:
        raise InvalidEvent(
            f"An event value must be a finite number from -{MAX_EVENT_VALUE} to "
            f"{MAX_EVENT_VALUE}; got {str(value)[:40]!r}."
        )
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def clean_properties(properties: dict) -> dict:
    """Flat, JSON-able, bounded: scalar values only, keys of 1-64 characters."""
    if len(properties) > get_setting("MAX_EVENT_PROPERTIES"):
        raise InvalidEvent(
            f"At most {get_setting('MAX_EVENT_PROPERTIES')} properties per event; "
            f"got {len(properties)}."
        )
    cleaned = {}
    for key, value in properties.items():
        if (
            not isinstance(key, str)
            or not key
            or len(key) > MAX_PROPERTY_KEY
            or clean_text(key, MAX_PROPERTY_KEY) != key
        ):
            raise InvalidEvent(
                f"Property names are 1-{MAX_PROPERTY_KEY} printable characters; "
                f"got {str(key)[:80]!r}."
            )
        value = _scalar(value, f"Property {key!r}", InvalidEvent)
        if isinstance(value, str):
            if "\x00" in value:
                raise InvalidEvent(f"Property {key!r} contains a NUL character.")
            value = clean_text(value, get_setting("MAX_EVENT_PROPERTIES_BYTES"))
        cleaned[key] = value
    size = len(json.dumps(cleaned, ensure_ascii=False).encode())
    if size > get_setting("MAX_EVENT_PROPERTIES_BYTES"):
        raise InvalidEvent(
            f"Event properties take {size} bytes; the limit is "
            f"{get_setting('MAX_EVENT_PROPERTIES_BYTES')}."
        )
    return cleaned
