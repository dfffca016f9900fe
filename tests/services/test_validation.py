"""Validation of traits and e-mail addresses (unit level)."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalize.exceptions import InvalidEvent, InvalidTraits
from personalize.services.validation import (
    clean_email,
    clean_event_value,
    clean_properties,
    clean_traits,
    merge_traits,
)


def test_traits_accept_form_types():
    cleaned = clean_traits(
        {
            "income": Decimal("55000.50"),
            "born": dt.date(1990, 5, 17),
            "vip": True,
            "age": 34,
            "name": "  Jeff\x00 ",
            "gone": None,
        }
    )
    assert cleaned == {
        "income": 55000.5,
        "born": "1990-05-17",
        "vip": True,
        "age": 34,
        "name": "Jeff",
        "gone": None,
    }


@pytest.mark.parametrize("value", [math.nan, math.inf, Decimal("NaN"), Decimal("Infinity")])
def test_traits_refuse_numbers_that_are_not_finite(value):
    with pytest.raises(InvalidTraits, match="finite number"):
        clean_traits({"score": value})


def test_merge_traits_removes_none_and_bounds_the_total():
    assert merge_traits({"a": 1, "b": 2}, {"b": None, "c": 3}) == {"a": 1, "c": 3}
    with pytest.raises(InvalidTraits, match="1500 bytes"):
        merge_traits({f"k{n}": "x" * 90 for n in range(10)}, {f"m{n}": "y" * 90 for n in range(10)})


@pytest.mark.parametrize(
    ("email", "expected"),
    [(None, None), ("", None), (" Jeff@Example.COM ", "jeff@example.com")],
)
def test_clean_email(email, expected):
    assert clean_email(email) == expected


@pytest.mark.parametrize("email", ["jeff", "jeff@", "@example.com", 42, "a@b\x00.com"])
def test_clean_email_refuses(email):
    with pytest.raises(InvalidTraits):
        clean_email(email)


def test_event_values():
    assert clean_event_value(None) is None
    assert clean_event_value(" 12.345 ") == Decimal("12.35")
    assert clean_event_value(Decimal("-5")) == Decimal("-5.00")
    with pytest.raises(InvalidEvent):
        clean_event_value(float("inf"))


@pytest.mark.parametrize(
    "value",
    # exponents past what decimal arithmetic takes (Overflow), and a number too long to read
    ["1e1000000", "-1E+999999999999999999", Decimal("1e1000000"), "1e-99999999999999999999"],
)
def test_event_values_with_extreme_exponents_are_refused(value):
    with pytest.raises(InvalidEvent, match="event value must be"):
        clean_event_value(value)


@given(st.one_of(st.decimals(), st.text(max_size=40), st.integers(), st.floats()))
def test_event_values_either_clean_or_raise_invalid_event(value):
    try:
        cleaned = clean_event_value(value)
    except InvalidEvent:
        return
    assert cleaned.is_finite()
    assert abs(cleaned) <= Decimal("999999999999.99")
    assert cleaned == cleaned.quantize(Decimal("0.01"))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.decimals(),
    st.dates(),
    st.lists(st.integers(), max_size=2),
)


@given(st.dictionaries(st.text(max_size=70), scalars, max_size=25))
def test_traits_either_clean_or_raise_invalid_traits(traits):
    try:
        cleaned = clean_traits(traits)
    except InvalidTraits:
        return
    assert set(cleaned) == set(traits)
    for value in cleaned.values():
        assert value is None or isinstance(value, str | int | float | bool)


@given(st.dictionaries(st.text(max_size=70), scalars, max_size=25))
def test_properties_either_clean_or_raise_invalid_event(properties):
    try:
        cleaned = clean_properties(properties)
    except InvalidEvent:
        return
    import json

    assert len(json.dumps(cleaned, ensure_ascii=False).encode()) <= 2048
