"""Context rules: time of day, day of week and date range, in the rule's own time zone."""

import datetime as dt
import logging

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from personalize.engine.evaluate import evaluate_rule
from personalize.rules import DateRangeRule, DayOfWeekRule, TimeOfDayRule
from personalize.rules.context import WEEKDAYS, default_time_zone, in_window
from personalize.rules.sql import EVERYONE, NOBODY
from tests.rules.conftest import NOW, both, field_errors, make_ctx, model_errors

UTC = dt.UTC


def at(*args) -> dict:
    """Keyword arguments of make_ctx for a UTC instant."""
    return {"now": dt.datetime(*args, tzinfo=UTC)}


def minutes(start: dt.datetime, end: dt.datetime):
    while start < end:
        yield start
        start += dt.timedelta(minutes=1)


# -- TimeOfDayRule --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("21:59", False),
        ("22:00", True),
        ("23:30", True),
        ("00:00", True),
        ("01:59", True),
        ("02:00", False),
        ("12:00", False),
    ],
)
def test_time_window_crossing_midnight(local, expected):
    hour, minute = map(int, local.split(":"))
    rule = TimeOfDayRule(start=dt.time(22), end=dt.time(2), time_zone="UTC")
    ctx = make_ctx(**at(2025, 1, 15, hour, minute))
    assert both(rule, ctx) == (expected, not expected)


def test_time_window_is_read_on_the_rules_clock():
    rule = TimeOfDayRule(start=dt.time(22), end=dt.time(2), time_zone="America/New_York")
    # 03:30 UTC in June is 23:30 in New York (EDT, UTC-4); in January 22:30 (EST, UTC-5)
    assert rule.evaluate(make_ctx(**at(2025, 6, 15, 3, 30)))
    assert rule.evaluate(make_ctx(**at(2025, 1, 15, 3, 30)))
    assert not rule.evaluate(make_ctx(**at(2025, 6, 15, 6, 30)))  # 02:30 EDT
    london = TimeOfDayRule(start=dt.time(9), end=dt.time(17), time_zone="Europe/London")
    assert london.evaluate(make_ctx(**at(2025, 6, 15, 8, 30)))  # 09:30 BST
    assert not london.evaluate(make_ctx(**at(2025, 1, 15, 8, 30)))  # 08:30 GMT


def test_time_window_in_the_skipped_hour_never_happens_and_never_raises():
    # Clocks go forward in London at 01:00 GMT on 30 March 2025: 01:00-01:59 does not exist.
    rule = TimeOfDayRule(start=dt.time(1), end=dt.time(2), time_zone="Europe/London")
    day = dt.datetime(2025, 3, 30, tzinfo=UTC)
    matched = [
        t for t in minutes(day, day + dt.timedelta(days=1)) if rule.evaluate(make_ctx(now=t))
    ]
    assert matched == []
    # New York skips 02:00-02:59 on 9 March 2025: 01:30-03:30 lasts one real hour that night.
    new_york = TimeOfDayRule(start=dt.time(1, 30), end=dt.time(3, 30), time_zone="America/New_York")
    day = dt.datetime(2025, 3, 9, 4, tzinfo=UTC)
    matched = [
        t for t in minutes(day, day + dt.timedelta(hours=6)) if new_york.evaluate(make_ctx(now=t))
    ]
    assert len(matched) == 60
    assert matched[0] == dt.datetime(2025, 3, 9, 6, 30, tzinfo=UTC)  # 01:30 EST


def test_time_window_in_the_repeated_hour_matches_both_times():
    # Clocks go back in London at 02:00 BST on 26 October 2025: 01:00-01:59 happens twice.
    rule = TimeOfDayRule(start=dt.time(1), end=dt.time(2), time_zone="Europe/London")
    day = dt.datetime(2025, 10, 25, 22, tzinfo=UTC)
    matched = [
        t for t in minutes(day, day + dt.timedelta(hours=6)) if rule.evaluate(make_ctx(now=t))
    ]
    assert len(matched) == 120
    assert (matched[0], matched[-1]) == (
        dt.datetime(2025, 10, 26, 0, 0, tzinfo=UTC),
        dt.datetime(2025, 10, 26, 1, 59, tzinfo=UTC),
    )


times = st.times().map(lambda t: t.replace(microsecond=0))


@given(start=times, end=times, now=times)
def test_in_window_agrees_with_a_plain_definition(start, end, now):
    if start == end:
        assert not in_window(now, start, end)
    elif start < end:
        assert in_window(now, start, end) == (start <= now < end)
    else:  # crosses midnight: the complement of [end, start)
        assert in_window(now, start, end) == (not (end <= now < start))


def test_time_of_day_clean_and_describe():
    assert "end" in field_errors(TimeOfDayRule(start=dt.time(9), end=dt.time(9), time_zone="UTC"))
    for bad in ("Mars/Olympus_Mons", "../../etc/passwd", "", "x" * 100, "Europe/"):
        errors = field_errors(TimeOfDayRule(start=dt.time(9), end=dt.time(17), time_zone=bad))
        assert list(errors) == ["time_zone"], bad
    rule = TimeOfDayRule(start=dt.time(22), end=dt.time(2), time_zone=" Europe/London ")
    assert field_errors(rule) == {}
    assert rule.time_zone == "Europe/London"
    assert rule.describe() == "Visits between 22:00 and 02:00 (Europe/London time)"


def test_new_rules_start_in_the_configured_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    assert TimeOfDayRule().time_zone == "Europe/Paris"
    settings.PERSONALIZE_TIME_ZONE = "Asia/Tokyo"
    assert default_time_zone() == "Asia/Tokyo"
    assert DayOfWeekRule().time_zone == "Asia/Tokyo"


@pytest.mark.parametrize(
    "rule",
    [
        TimeOfDayRule(pk=7, start=dt.time(0), end=dt.time(23, 59), time_zone="Nowhere/Land"),
        DayOfWeekRule(pk=8, days=list(WEEKDAYS), time_zone="Europe/Atlantis"),
        DateRangeRule(pk=9, start_date=dt.date(2000, 1, 1), time_zone="Mars/Olympus_Mons"),
    ],
    ids=lambda rule: type(rule).__name__,
)
def test_a_stored_unknown_time_zone_matches_nobody_and_is_logged_once(caplog, rule):
    with caplog.at_level(logging.ERROR, logger="personalize"):
        for negate in (False, True, False):
            rule.negate = negate
            assert rule.evaluate(make_ctx()) is False  # no exception, negated or not
            rule.prepare_for(object())  # a new snapshot: prepared again, not logged again
        assert evaluate_rule(rule, make_ctx()) is False
        assert rule.to_q(NOW) == NOBODY
        rule.negate = True
        assert rule.to_q(NOW) == EVERYONE  # negated by rule_q: still nobody
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        f"personalize: {type(rule).__name__} {rule.pk} has an unknown time zone "
        f"{rule.time_zone!r}; it matches nobody."
    ]


# -- DayOfWeekRule --------------------------------------------------------------------------
def test_day_of_week_in_the_rules_time_zone():
    wednesday_noon = make_ctx(**at(2025, 6, 11, 12))
    assert DayOfWeekRule(days=["wed"], time_zone="Europe/London").evaluate(wednesday_noon)
    # already Thursday in Auckland (UTC+12)
    assert DayOfWeekRule(days=["thu"], time_zone="Pacific/Auckland").evaluate(wednesday_noon)
    # Sunday 22:00 in New York is Monday 02:00 UTC
    sunday_night = make_ctx(**at(2025, 6, 16, 2))
    assert DayOfWeekRule(days=["sat", "sun"], time_zone="America/New_York").evaluate(sunday_night)
    assert not DayOfWeekRule(days=["sat", "sun"], time_zone="UTC").evaluate(sunday_night)
    assert both(DayOfWeekRule(days=["mon"], time_zone="UTC"), sunday_night) == (True, False)


def test_day_of_week_across_dst_changes_never_raises():
    rule = DayOfWeekRule(days=["sun"], time_zone="Europe/London")
    day = dt.datetime(2025, 3, 29, 22, tzinfo=UTC)
    matched = [
        t for t in minutes(day, day + dt.timedelta(hours=6)) if rule.evaluate(make_ctx(now=t))
    ]
    assert matched[0] == dt.datetime(2025, 3, 30, 0, 0, tzinfo=UTC)  # midnight GMT


def test_day_of_week_clean_and_describe():
    assert model_errors(DayOfWeekRule(days=[], time_zone="UTC"))["days"] == [
        "Choose at least one day."
    ]
    assert "time_zone" in field_errors(DayOfWeekRule(days=["mon"], time_zone="Moon/Base"))
    rule = DayOfWeekRule(days=["sun", "sat"], time_zone="Europe/London")
    assert field_errors(rule) == {}
    assert rule.days == ["sat", "sun"]
    assert rule.describe() == "Visits on a Saturday or Sunday (Europe/London time)"


# -- DateRangeRule --------------------------------------------------------------------------
def test_date_range_whole_days_end_included():
    rule = DateRangeRule(
        start_date=dt.date(2025, 11, 28),
        end_date=dt.date(2025, 12, 1),
        time_zone="America/New_York",
    )
    assert not rule.evaluate(make_ctx(**at(2025, 11, 28, 4, 59)))  # 23:59 on the 27th in NY
    assert rule.evaluate(make_ctx(**at(2025, 11, 28, 5, 0)))  # midnight in NY
    assert rule.evaluate(make_ctx(**at(2025, 12, 2, 4, 59)))  # 23:59 on the 1st in NY
    assert both(rule, make_ctx(**at(2025, 12, 2, 5, 0))) == (False, True)


def test_date_range_open_ends_and_times():
    from_only = DateRangeRule(
        start_date=dt.date(2025, 6, 1), start_time=dt.time(18), time_zone="UTC"
    )
    assert not from_only.evaluate(make_ctx(**at(2025, 6, 1, 17, 59)))
    assert from_only.evaluate(make_ctx(**at(2030, 1, 1)))
    until_only = DateRangeRule(end_date=dt.date(2025, 6, 1), end_time=dt.time(9), time_zone="UTC")
    assert until_only.evaluate(make_ctx(**at(2000, 1, 1)))
    assert until_only.evaluate(make_ctx(**at(2025, 6, 1, 8, 59)))
    assert not until_only.evaluate(make_ctx(**at(2025, 6, 1, 9)))


def test_date_range_boundary_in_a_dst_gap_takes_effect_after_the_gap():
    # 01:30 on 30 March 2025 does not exist in London: the range starts at 02:30 BST (01:30 UTC).
    rule = DateRangeRule(
        start_date=dt.date(2025, 3, 30), start_time=dt.time(1, 30), time_zone="Europe/London"
    )
    assert not rule.evaluate(make_ctx(**at(2025, 3, 30, 1, 29)))
    assert rule.evaluate(make_ctx(**at(2025, 3, 30, 1, 30)))
    # 02:30 on 9 March 2025 does not exist in New York: it starts at 03:30 EDT (07:30 UTC).
    new_york = DateRangeRule(
        start_date=dt.date(2025, 3, 9), start_time=dt.time(2, 30), time_zone="America/New_York"
    )
    assert not new_york.evaluate(make_ctx(**at(2025, 3, 9, 7, 29)))
    assert new_york.evaluate(make_ctx(**at(2025, 3, 9, 7, 30)))


def test_date_range_boundary_in_a_dst_fold_is_its_first_occurrence():
    # 01:30 on 26 October 2025 happens twice in London; the range ends at the first (00:30 UTC)
    rule = DateRangeRule(
        end_date=dt.date(2025, 10, 26), end_time=dt.time(1, 30), time_zone="Europe/London"
    )
    assert rule.evaluate(make_ctx(**at(2025, 10, 26, 0, 29)))
    assert not rule.evaluate(make_ctx(**at(2025, 10, 26, 0, 30)))
    assert not rule.evaluate(make_ctx(**at(2025, 10, 26, 1, 15)))  # 01:15 again, but later


@given(
    date=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    time=times,
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC"]),
    now=st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2031, 1, 1), timezones=st.just(UTC)),
)
def test_date_range_never_raises(date, time, zone, now):
    rule = DateRangeRule(
        start_date=date, start_time=time, end_date=date + dt.timedelta(days=2), time_zone=zone
    )
    assert isinstance(rule.evaluate(make_ctx(now=now)), bool)


def test_date_range_clean_and_describe():
    assert field_errors(DateRangeRule(time_zone="UTC")) == {
        "__all__": ["Enter a start date, an end date or both."]
    }
    errors = field_errors(
        DateRangeRule(start_time=dt.time(9), end_date=dt.date(2025, 1, 1), time_zone="UTC")
    )
    assert "start_date" in errors
    errors = field_errors(
        DateRangeRule(end_time=dt.time(9), start_date=dt.date(2025, 1, 1), time_zone="UTC")
    )
    assert "end_date" in errors
    backwards = DateRangeRule(
        start_date=dt.date(2025, 2, 1), end_date=dt.date(2025, 1, 1), time_zone="UTC"
    )
    assert "end_date" in field_errors(backwards)
    same_time = DateRangeRule(
        start_date=dt.date(2025, 1, 1),
        start_time=dt.time(9),
        end_date=dt.date(2025, 1, 1),
        end_time=dt.time(9),
        time_zone="UTC",
    )
    assert "end_date" in field_errors(same_time)
    one_day = DateRangeRule(
        start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 1, 1), time_zone="UTC"
    )
    assert field_errors(one_day) == {}
    assert "time_zone" in field_errors(
        DateRangeRule(start_date=dt.date(2025, 1, 1), time_zone="Not/AZone")
    )
    assert one_day.describe() == "Visits from 2025-01-01 until 2025-01-01 (end of day) (UTC time)"
    assert (
        DateRangeRule(
            start_date=dt.date(2025, 11, 28), start_time=dt.time(18), time_zone="Europe/London"
        ).describe()
        == "Visits from 2025-11-28 18:00 on (Europe/London time)"
    )
    assert (
        DateRangeRule(
            end_date=dt.date(2025, 12, 1), end_time=dt.time(9, 30), time_zone="UTC", negate=True
        ).describe()
        == "NOT visits until 2025-12-01 09:30 (UTC time)"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"end_date": dt.date(9999, 12, 31)}, "end_date"),  # the day after does not exist
        ({"start_date": dt.date(1, 1, 1), "time_zone": "Pacific/Kiritimati"}, "start_date"),
        (
            {
                "start_date": dt.date(2025, 1, 1),
                "end_date": dt.date(9999, 12, 31),
                "end_time": dt.time(23, 59),
                "time_zone": "Etc/GMT+12",
            },
            "end_date",
        ),
    ],
)
def test_date_range_dates_at_the_ends_of_the_calendar_are_field_errors(fields, field):
    rule = DateRangeRule(**{"time_zone": "UTC", **fields})
    assert field_errors(rule) == {field: ["Use a date from 0002-01-01 to 9998-12-31."]}


@pytest.mark.parametrize(
    "fields",
    [
        {"end_date": dt.date(9999, 12, 31), "time_zone": "UTC"},
        {"start_date": dt.date(9999, 12, 31), "start_time": dt.time(23), "time_zone": "Etc/GMT+12"},
    ],
)
def test_date_range_stored_at_the_ends_of_the_calendar_matches_nobody(fields, caplog):
    rule = DateRangeRule(pk=7, **fields)  # saved around validation
    assert both(rule, make_ctx()) == (False, False)
    assert "cannot be placed on the clock" in caplog.text


def test_date_range_prepare_for_computes_the_bounds_once():
    rule = DateRangeRule(start_date=dt.date(2025, 1, 1), time_zone="UTC")
    rule.prepare_for(None)
    rule.start_date = dt.date(2099, 1, 1)  # edits reach the hot path through a new snapshot
    assert rule.evaluate(make_ctx(**at(2025, 6, 1)))


@override_settings(PERSONALIZE_TIME_ZONE="Europe/London")
def test_context_rules_ignore_the_current_django_time_zone():
    from django.utils import timezone

    rule = TimeOfDayRule(start=dt.time(9), end=dt.time(17), time_zone="UTC")
    with timezone.override("Asia/Tokyo"):
        assert rule.evaluate(make_ctx(**at(2025, 6, 11, 10)))
