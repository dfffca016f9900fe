"""The visitor profile stays bounded and survives garbage."""

import json
import random
import string

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from personalize import profile as profile_module
from personalize.profile import DAY, MAX_DAYS, Profile, decayed


def test_a_profile_stays_under_4_kb_however_long_the_visitor_browses():
    profile = Profile.new("a" * 32, 1_700_000_000)
    rng = random.Random(7)
    now = 1_700_000_000.0
    for i in range(20_000):
        now += rng.randint(1, 4000)
        path = "/" + "".join(rng.choices(string.ascii_letters + "/é", k=rng.randint(1, 400)))
        profile.record_page_view(path, now)
        if i % 7 == 0:
            profile.record_event("".join(rng.choices(string.ascii_lowercase, k=30)), 99.5, now)
        if i % 5 == 0:
            profile.add_interest("".join(rng.choices(string.ascii_lowercase, k=60)), 1, now)
            profile.add_intent_points(str(i), 5, 20, 3600, now)
            profile.mark_seen(f"slot-{i}", f"variant-{i}")
    profile.traits = {f"trait_{i}": "x" * 40 for i in range(25)}
    profile.source = {"medium": "email", "utm": {"utm_campaign": "c" * 200}}
    profile.compact()
    assert len(json.dumps(profile.to_dict(), separators=(",", ":"))) <= 4096
    assert profile.page_views == 20_000


def test_compaction_keeps_the_most_recent_pages():
    profile = Profile.new("a" * 32, 0)
    for i in range(100):
        profile.record_page_view(f"/page/{i}/" + "x" * 150, float(i))
    profile.compact()
    assert any(path.startswith("/page/99/") for path in profile.pages)
    assert not any(path.startswith("/page/0/") for path in profile.pages)


def test_page_counts_within_a_window():
    profile = Profile.new("a" * 32, 0)
    for day in (1, 2, 10, 11, 12):
        profile.record_page_view("/clubs/a/", day * DAY + 5)

    def matches(path):
        return path.startswith("/clubs/")

    assert profile.page_count(matches, 12 * DAY + 10) == 5
    assert profile.page_count(matches, 12 * DAY + 10, within_days=3) == 3


def test_event_stats_in_total_and_within_a_window():
    profile = Profile.new("a" * 32, 0)
    profile.record_event("purchase", 100, 1 * DAY)
    profile.record_event("purchase", 700, 20 * DAY)
    assert profile.event_stats("purchase", 21 * DAY) == (2, 800)
    assert profile.event_stats("purchase", 21 * DAY, within_days=5) == (1, 700)
    assert profile.event_stats("missing", 21 * DAY) == (0, 0.0)


def test_every_view_of_a_busy_day_counts_in_its_window():
    profile = Profile.new("a" * 32, 0)
    for minute in range(500):
        profile.record_page_view("/clubs/", 30 * DAY + 60 * minute)
    profile.record_page_view("/clubs/", 29 * DAY)
    assert profile.pages["/clubs/"][2] == [[29, 1], [30, 500]]
    assert profile.page_count(lambda path: True, 30 * DAY, within_days=1) == 500
    assert profile.page_count(lambda path: True, 30 * DAY, within_days=2) == 501


def test_per_day_rows_are_pruned_to_the_last_max_days_on_write():
    profile = Profile.new("a" * 32, 0)
    for day in range(100):
        profile.record_page_view("/daily/", day * DAY)
        profile.record_page_view("/daily/", day * DAY + 1)
        profile.record_event("purchase", 10, day * DAY)
    rows = profile.pages["/daily/"][2]
    assert [day for day, _views in rows] == list(range(100 - MAX_DAYS, 100))
    assert {views for _day, views in rows} == {2}
    assert profile.events["purchase"][3][-1] == [99, 1, 10.0]
    assert len(profile.events["purchase"][3]) == MAX_DAYS
    now = 99 * DAY
    assert profile.page_count(lambda path: True, now) == 200  # whole history
    assert profile.page_count(lambda path: True, now, within_days=7) == 14
    assert profile.page_count(lambda path: True, now, within_days=MAX_DAYS) == 2 * MAX_DAYS
    assert profile.event_stats("purchase", now) == (100, 1000)
    assert profile.event_stats("purchase", now, within_days=10) == (10, 100)


def test_event_rows_keep_count_and_total_per_day():
    profile = Profile.new("a" * 32, 0)
    profile.record_event("purchase", 100, 5 * DAY)
    profile.record_event("purchase", 250.5, 5 * DAY + 10)
    profile.record_event("purchase", None, 6 * DAY)
    assert profile.events["purchase"][3] == [[5, 2, 350.5], [6, 1, 0.0]]
    assert profile.event_stats("purchase", 6 * DAY, within_days=1) == (1, 0.0)
    assert profile.event_stats("purchase", 6 * DAY, within_days=2) == (3, 350.5)


def test_profiles_stored_with_one_entry_per_occurrence_still_read():
    """Profiles written before per-day rows kept a day per page view and [day, value] per
    event: they read as per-day rows, and the next write keeps the new shape."""
    stored = {
        "pages": {"/clubs/": [4, 10 * DAY, [8, 9, 9, 10]]},
        "ev": {"purchase": [3, 600.0, 10 * DAY, [[2, 100.0], [9, 200.0], [9, 300.0]]]},
    }
    profile = Profile.from_dict(stored, "a" * 32)
    assert profile.pages["/clubs/"] == [4, 10 * DAY, [[8, 1], [9, 2], [10, 1]]]
    assert profile.events["purchase"][3] == [[2, 1, 100.0], [9, 2, 500.0]]
    assert profile.page_count(lambda path: True, 10 * DAY, within_days=2) == 3
    assert profile.event_stats("purchase", 10 * DAY, within_days=5) == (2, 500.0)
    profile.record_page_view("/clubs/", 10 * DAY + 5)
    assert profile.to_dict()["pages"]["/clubs/"][2] == "8:1,9:2,10:2"


def test_stored_rows_are_packed_and_read_only_when_needed():
    profile = Profile.new("a" * 32, 0)
    for day in range(3):
        profile.record_page_view("/clubs/", day * DAY)
        profile.record_page_view("/deals/", day * DAY)
        profile.record_event("purchase", 19.99, day * DAY)
    stored = json.loads(json.dumps(profile.to_dict()))
    assert stored["v"] == 2
    assert stored["pages"]["/clubs/"] == [3, 2 * DAY, "0:1,1:1,2:1"]
    assert stored["ev"]["purchase"] == [3, 59.97, 2 * DAY, "0:1:19.99,1:1:19.99,2:1:19.99"]

    again = Profile.from_dict(stored, "a" * 32)
    assert again.pages["/deals/"][2] == "0:1,1:1,2:1"  # not read yet
    again.record_page_view("/clubs/", 2 * DAY + 60)
    assert again.pages["/clubs/"][2] == [[0, 1], [1, 1], [2, 2]]  # read to be written
    assert again.pages["/deals/"][2] == "0:1,1:1,2:1"  # untouched
    assert again.page_count(lambda path: True, 2 * DAY, within_days=1) == 3
    assert again.event_stats("purchase", 2 * DAY, within_days=2) == (2, 39.98)
    assert again.page_rows("/deals/") == [[0, 1], [1, 1], [2, 1]]
    assert again.event_rows("purchase")[-1] == [2, 1, 19.99]
    assert again.page_rows("/missing/") == again.event_rows("missing") == []
    assert again.to_dict()["pages"]["/clubs/"][2] == "0:1,1:1,2:2"


@pytest.mark.parametrize(
    "packed",
    [
        "x",  # not what packing writes
        "1:2:3",  # too wide for a page
        "1",  # too narrow
        "5:0",  # a day without views
        "1e999:1",  # not a day
        "2:1,1:1",  # out of order: regrouped
        "1:1,1:1",  # the same day twice: regrouped
        "1:" + "9" * 5000,  # too long
        "",
        "\u0000",
        '1:1"',
    ],
)
def test_packed_rows_that_do_not_read_are_dropped_not_fatal(packed):
    stored = {
        "pages": {"/clubs/": [2, 10 * DAY, packed]},
        "ev": {"purchase": [1, 5.0, 10 * DAY, packed], "refund": [1, 5.0, 10 * DAY, "1:1:nan"]},
    }
    profile = Profile.from_dict(stored, "a" * 32)
    assert profile.size_bound() >= profile.serialized_size()
    profile = Profile.from_dict(stored, "a" * 32)
    rows = profile.page_rows("/clubs/")
    assert all(isinstance(day, int) and count >= 1 for day, count in rows)
    assert [day for day, _count in rows] == sorted({day for day, _count in rows})
    assert profile.page_count(lambda path: True, 10 * DAY) == 2  # the whole-history count stays
    assert profile.event_stats("purchase", 10 * DAY, within_days=MAX_DAYS)[0] >= 0
    assert profile.event_rows("refund") == []
    profile.record_page_view("/clubs/", 10 * DAY)
    profile.record_event("purchase", 1, 10 * DAY)
    Profile.from_dict(json.loads(json.dumps(profile.to_dict())), "a" * 32)


def test_out_of_order_packed_rows_are_regrouped():
    profile = Profile.from_dict({"pages": {"/clubs/": [3, 0, "2:1,1:1,1:1"]}}, "a" * 32)
    assert profile.page_rows("/clubs/") == [[1, 2], [2, 1]]


def test_a_page_viewed_every_minute_for_a_year_stays_small():
    profile = Profile.new("a" * 32, 0)
    for minute in range(0, 365 * 24 * 60, 7):
        profile.record_page_view("/clubs/", minute * 60.0)
        if minute % 49 == 0:
            profile.record_event("purchase", 12.5, minute * 60.0)
    assert len(profile.pages["/clubs/"][2]) == MAX_DAYS
    assert len(profile.events["purchase"][3]) == MAX_DAYS
    assert profile.serialized_size() < 1200


def test_intent_points_are_capped_and_decay():
    profile = Profile.new("a" * 32, 0)
    for _ in range(5):
        profile.add_intent_points("s", 6, 12, 3600, 1000)
    assert profile.signal_points("s", 3600, 1000) == 12
    assert profile.signal_points("s", 3600, 1000 + 3600) == pytest.approx(6)
    assert decayed(8, 0, 7200, 3600) == pytest.approx(2)


@pytest.mark.parametrize("half_life", [0, -5, float("nan")])
def test_a_half_life_that_is_not_positive_means_no_decay(half_life):
    assert decayed(8, 0, 7200, half_life) == 8
    profile = Profile.new("a" * 32, 0)
    profile.add_intent_points("s", 6, 0, half_life, 1000)
    assert profile.signal_points("s", half_life, 1000 + 7200) == 6


@pytest.mark.parametrize(
    ("points", "cap", "half_life"),
    [
        (float("nan"), 0, 3600),
        (float("inf"), 0, 3600),
        (6, float("nan"), 3600),
        (float("-inf"), 12, 3600),
    ],
)
def test_intent_numbers_that_are_not_finite_never_reach_the_profile(points, cap, half_life):
    # (from definitions written around validation: stored JSON cannot hold NaN or Infinity)
    profile = Profile.new("a" * 32, 0)
    profile.add_intent_points("s", 4, 0, 3600, 1000)
    profile.add_intent_points("s", points, cap, half_life, 1000)
    profile.add_intent_points("t", points, cap, half_life, 1000)
    json.dumps(profile.to_dict(), allow_nan=False)
    assert profile.signal_points("s", 3600, 1000) == 4


@pytest.mark.parametrize("points", [float("nan"), float("inf"), float("-inf")])
def test_interest_points_that_are_not_finite_never_reach_the_profile(points):
    profile = Profile.new("a" * 32, 0)
    profile.add_interest("golf", 2, 1000)
    profile.add_interest("golf", points, 1000)
    profile.add_interest("tennis", points, 1000)
    json.dumps(profile.to_dict(), allow_nan=False)
    assert profile.interest_score("golf", 1000) == 2
    assert "tennis" not in profile.interests


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=30,
    )
)
@settings(max_examples=300, deadline=None)
def test_from_dict_never_raises_on_garbage(data):
    profile = Profile.from_dict(data, "a" * 32)
    assert isinstance(profile.to_dict(), dict)
    profile.record_page_view("/", 1.0)
    profile.compact()


def test_a_round_trip_keeps_everything():
    profile = Profile.new("a" * 32, 100)
    profile.start_visit_if_due(100)
    profile.record_page_view("/x/", 100)
    profile.record_event("purchase", 12.5, 100)
    profile.add_interest("golf", 2, 100)
    profile.traits = {"first_name": "Jeff"}
    again = Profile.from_dict(json.loads(json.dumps(profile.to_dict())), "a" * 32)
    assert again.to_dict() == profile.to_dict()


def test_absorb_merges_two_devices():
    phone = Profile.new("a" * 32, 100)
    phone.start_visit_if_due(100)
    phone.record_page_view("/clubs/", 100)
    phone.record_event("purchase", 300, 100)
    laptop = Profile.new("b" * 32, 50)
    laptop.start_visit_if_due(200)
    laptop.record_page_view("/clubs/", 200)
    laptop.traits = {"first_name": "Jeff"}
    phone.absorb(laptop)
    assert phone.pages["/clubs/"][0] == 2
    assert phone.pages["/clubs/"][2] == [[0, 2]]  # both views fell on day 0: one row
    assert phone.visit_count == 2
    assert phone.created == 50
    assert phone.traits == {"first_name": "Jeff"}
    assert phone.event_stats("purchase", 300) == (1, 300)


_ROW_VALUES = st.integers(-3, 40) | st.booleans() | st.floats(allow_nan=True) | st.text(max_size=2)


@given(
    rows=st.lists(st.lists(_ROW_VALUES, min_size=1, max_size=4), max_size=8)
    | st.lists(st.tuples(st.integers(0, 60), st.integers(1, 5)).map(list), max_size=40),
    totals=st.lists(
        st.floats(-1e6, 1e6) | st.sampled_from([-0.0, 0.12345, 1e-9]), min_size=1, max_size=40
    ),
    with_total=st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_rows_in_the_current_shape_read_as_the_regrouping_reads_them(rows, totals, with_total):
    """Stored rows are taken as they are only when regrouping them would give the same rows."""
    if with_total:
        rows = [
            [*row, totals[i % len(totals)]] if len(row) == 2 else row for i, row in enumerate(rows)
        ]
    expected = profile_module._regroup_rows(rows, with_total=with_total)
    read = profile_module._read_rows(rows, with_total=with_total)
    assert read == expected
    assert json.dumps(read) == json.dumps(expected)  # -0.0 and 0.0 are equal, not alike


_TEXT = st.text(max_size=60) | st.sampled_from(["/clubs/", 'say "hi"', "back\\slash", "😀" * 5])
_SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT
)


@given(
    paths=st.lists(_TEXT, max_size=12),
    names=st.lists(_TEXT, max_size=6),
    topics=st.lists(_TEXT, max_size=6),
    seen=st.dictionaries(_TEXT, _TEXT, max_size=6),
    traits=st.dictionaries(_TEXT, _SCALAR, max_size=6),
    source=st.dictionaries(_TEXT, _TEXT | st.dictionaries(_TEXT, _TEXT, max_size=3), max_size=6),
    search=_TEXT,
)
@settings(max_examples=300, deadline=None)
def test_the_size_bound_is_never_below_the_serialized_size(
    paths, names, topics, seen, traits, source, search
):
    """The bound lets compaction skip measuring a profile: it must never be short of it."""
    profile = Profile.new("a" * 32, 0)
    for day, path in enumerate(paths):
        profile.record_page_view(path, day * DAY * 3.5)
        profile.record_page_view(path, day * DAY * 3.5 + 60)
    for day, name in enumerate(names):
        profile.record_event(name, 1234.5678 * day, day * DAY)
    for topic in topics:
        profile.add_interest(topic, 1.5, 10 * DAY)
        profile.add_intent_points(topic, 2.25, 10, 3600, 10 * DAY)
    for key, value in seen.items():
        profile.mark_seen(key, value)
    profile.record_site_search(search)
    profile.landing = profile.first_landing = paths[0] if paths else search
    profile.traits = traits
    profile.source = source
    profile.first_source = {"utm": source} if source else {}
    assert profile.size_bound() >= profile.serialized_size()
    # and once stored and read back, per-day rows packed
    again = Profile.from_dict(json.loads(profile_module._to_json(profile.to_dict())), "a" * 32)
    assert again.size_bound() >= again.serialized_size()


@pytest.mark.parametrize("char", ["😀", '"', "\\", "\x01", "é", "a"])
def test_the_size_bound_holds_for_text_that_json_escapes(char):
    profile = Profile.new("a" * 32, 0)
    for i in range(5):
        profile.record_page_view(f"/{i}" + char * 198, float(i))
        profile.mark_seen(f"{i}" + char * 60, char * 64)
    profile.traits = {"note": char * 400}
    assert profile.size_bound() >= profile.serialized_size()


def _compacted_by_measuring_each_step(profile, limit):
    """Compaction as specified: drop the least-recent entry of the largest collection and
    measure the whole profile again, until it fits."""
    collections = (profile.pages, profile.events, profile.intents, profile.interests, profile.seen)
    while profile.serialized_size() > limit and any(collections):
        largest = max(collections, key=len)
        largest.pop(next(iter(largest)))
    return profile.to_dict()


@given(
    paths=st.lists(_TEXT, min_size=1, max_size=40),
    names=st.lists(_TEXT, max_size=20),
    limit=st.integers(600, 4096),
)
@settings(max_examples=200, deadline=None)
def test_compaction_measures_what_it_drops_exactly(paths, names, limit):
    def build():
        profile = Profile.new("a" * 32, 0)
        for i, path in enumerate(paths):
            profile.record_page_view(path, i * 40_000.0)
        for i, name in enumerate(names):
            profile.record_event(name, 3.75 * i, i * 50_000.0)
            profile.add_interest(name, 1, i * 50_000.0)
            profile.mark_seen(name, name[::-1])
        return profile

    profile = build()
    with override_settings(PERSONALIZE_PROFILE_MAX_BYTES=limit):
        profile.compact()
    expected = _compacted_by_measuring_each_step(build(), limit)
    if any((expected["pages"], expected["ev"], expected["in"], expected["seen"])):
        assert profile.to_dict() == expected
        assert profile.serialized_size() <= limit


def test_compaction_counts_the_last_entry_of_a_collection_without_a_comma():
    profile = Profile.new("a" * 32, 0)
    profile.first_source = {"medium": "email", "source": "newsletter"}
    without_pages = profile.serialized_size()
    profile.record_page_view("/clubs/", 0)
    with override_settings(PERSONALIZE_PROFILE_MAX_BYTES=without_pages - 1):
        profile.compact()  # the page goes, and the profile is still one character too long
    assert profile.pages == {}
    assert profile.first_source == {}


def test_malformed_collections_are_cut_or_dropped_entry_by_entry():
    data = {
        "seen": {"slot": "v1", "s" * 80: "v" * 80, "other": 3, 4: "x"},
        "st": "static-as-text",
        "pages": {"/a/": [2, 100, [[1, 2]]], "/bad/": "x", "/short/": [1, 2]},
        "it": {"7": [3.5, 100], "8": [1]},
        "in": {},
        "ev": [],
    }
    profile = Profile.from_dict(data, "a" * 32)
    assert profile.seen == {"slot": "v1", "s" * 64: "v" * 64, "other": "", "": "x"}
    assert profile.static == []
    assert profile.pages == {"/a/": [2, 100, [[1, 2]]]}
    assert profile.intents == {"7": [3.5, 100]}
    assert profile.interests == profile.events == {}
    stored = {"seen": {"slot": "v1"}}
    profile = Profile.from_dict(stored, "a" * 32)
    profile.mark_seen("slot-2", "v2")
    assert stored["seen"] == {"slot": "v1"}  # the profile has its own copy
