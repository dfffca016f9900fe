"""Conversion-rate intervals and the confidence of a difference with the control group."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalize.services.stats import add_rates, difference_confidence, rate_interval


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (41, 602, (0.0506, 0.0911)),
        (0, 10, (0.0, 0.2775)),  # nothing converted: the interval still has width
        (10, 10, (0.7225, 1.0)),
        (500, 1000, (0.4691, 0.5309)),
    ],
)
def test_rate_interval_is_the_wilson_score_interval(part, whole, expected):
    assert rate_interval(part, whole) == pytest.approx(expected, abs=1e-4)


def test_no_visitors_no_interval():
    assert rate_interval(0, 0) is None


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_the_interval_holds_the_rate_within_0_and_1(part, whole):
    part = min(part, whole)
    low, high = rate_interval(part, whole)
    assert 0.0 <= low <= part / whole + 1e-4
    assert part / whole - 1e-4 <= high <= 1.0


def test_confidence_is_one_minus_the_p_value_of_the_two_proportion_z_test():
    # 10% against 6% of 1,000 visitors each: pooled 8%, z = 3.30, p = 0.00098
    pooled = 0.08
    z = 0.04 / math.sqrt(pooled * (1 - pooled) * (2 / 1000))
    expected = 1 - math.erfc(z / math.sqrt(2))
    assert difference_confidence(100, 1000, 60, 1000) == pytest.approx(expected, abs=1e-4)
    assert difference_confidence(100, 1000, 60, 1000) >= 0.999


def test_confidence_is_symmetric_and_zero_for_equal_rates():
    assert difference_confidence(60, 1000, 100, 1000) == difference_confidence(100, 1000, 60, 1000)
    assert difference_confidence(50, 500, 100, 1000) == 0.0


@pytest.mark.parametrize(
    ("converted", "visitors", "base_converted", "base_visitors"),
    [
        (2, 3, 1, 2),  # a handful of visitors
        (8, 80, 1, 20),  # 1.8 conversions expected in the control group
        (0, 1000, 0, 1000),  # nobody converts: nothing to compare
        (1000, 1000, 1000, 1000),  # everybody converts
        (5, 0, 5, 100),
    ],
)
def test_too_little_data_gives_no_confidence(converted, visitors, base_converted, base_visitors):
    assert difference_confidence(converted, visitors, base_converted, base_visitors) is None


def figures(variant, visitors, conversions):
    return {
        "variant": variant,
        "impressions": visitors,
        "visitors": visitors,
        "clicks": 0,
        "conversions": conversions,
    }


def test_add_rates_compares_each_variant_with_the_control_group():
    rows = add_rates(
        [figures("control", 1000, 60), figures("deal", 1000, 100), figures("calm", 1000, 62)]
    )
    control, deal, calm = rows
    assert (control["lift"], control["confidence"], control["significant"]) == (None, None, None)
    assert deal["significant"] is True
    assert deal["lift"] == pytest.approx(0.6667, abs=1e-4)
    assert calm["significant"] is False
    assert 0 < calm["confidence"] < 0.95
    assert control["conversion_rate_interval"] == list(rate_interval(60, 1000))


def test_without_a_control_group_nothing_is_compared():
    rows = add_rates([figures("default", 1000, 60), figures("deal", 1000, 100)])
    assert all(row["confidence"] is None and row["significant"] is None for row in rows)
    assert all(row["conversion_rate_interval"] for row in rows)


def test_a_control_group_that_never_converts_still_gives_a_confidence():
    _control, deal = add_rates([figures("control", 1000, 0), figures("deal", 1000, 30)])
    assert deal["lift"] is None  # a ratio to zero
    assert deal["significant"] is True
