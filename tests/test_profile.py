"""The visitor profile stays bounded and survives garbage."""

import json
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personalize.profile import DAY, Profile, decayed


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


def test_intent_points_are_capped_and_decay():
    profile = Profile.new("a" * 32, 0)
    for _ in range(5):
        profile.add_intent_points("s", 6, 12, 3600, 1000)
    assert profile.signal_points("s", 3600, 1000) == 12
    assert profile.signal_points("s", 3600, 1000 + 3600) == pytest.approx(6)
    assert decayed(8, 0, 7200, 3600) == pytest.approx(2)


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
    assert phone.visit_count == 2
    assert phone.created == 50
    assert phone.traits == {"first_name": "Jeff"}
    assert phone.event_stats("purchase", 300) == (1, 300)
