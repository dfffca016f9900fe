"""The in-process snapshot and its version stamp."""

import contextlib

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from personalize.engine import snapshot
from personalize.engine.snapshot import VERSION_KEY, get_snapshot
from tests.factories import SegmentFactory, SlotFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_the_snapshot_is_built_once_and_then_read_from_memory():
    SlotFactory(key="hero")
    get_snapshot()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(50):
            get_snapshot()
    assert len(queries) == 0


def test_a_change_in_this_process_is_seen_at_once():
    slot = SlotFactory(key="hero")
    assert get_snapshot().slots["hero"].defaults == []
    VariantFactory(slot=slot, slug="house")
    assert [v.slug for v in get_snapshot().slots["hero"].defaults] == ["house"]


def test_the_version_stamp_is_published_on_commit(django_capture_on_commit_callbacks):
    get_snapshot()
    before = cache.get(VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        SegmentFactory(slug="new")
    assert cache.get(VERSION_KEY) != before


def test_another_process_bumping_the_stamp_triggers_a_rebuild(settings):
    settings.PERSONALIZE_SNAPSHOT_CHECK_INTERVAL = 0
    first = get_snapshot()
    assert get_snapshot() is first
    cache.set(VERSION_KEY, "changed-elsewhere")
    assert get_snapshot() is not first


def test_while_another_thread_rebuilds_the_loaded_definitions_are_served(settings):
    # (the lock held here stands for a thread in the middle of a rebuild)
    settings.PERSONALIZE_SNAPSHOT_CHECK_INTERVAL = 0
    first = get_snapshot()
    cache.set(VERSION_KEY, "changed-elsewhere")
    with snapshot._holder.lock:
        assert get_snapshot() is first  # at once, not after the rebuild
    assert get_snapshot() is not first  # the next request past the rebuild sees the change


def test_with_nothing_loaded_yet_a_request_waits_for_the_first_build(monkeypatch):
    import threading

    snapshot.reset()
    built = snapshot.Snapshot(version="v")
    monkeypatch.setattr(snapshot, "build_snapshot", lambda version: built)  # no database
    snapshot._holder.lock.acquire()
    done = []
    waiter = threading.Thread(target=lambda: done.append(get_snapshot()))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()  # nothing to serve meanwhile: it waits
    assert not done
    snapshot._holder.lock.release()
    waiter.join(5)
    assert done == [built]


def test_without_a_working_cache_the_snapshot_still_builds(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.05, "socket_timeout": 0.05},
        }
    }
    SlotFactory(key="hero")
    assert "hero" in get_snapshot().slots


@pytest.fixture
def clock(monkeypatch):
    """The snapshot's monotonic clock, moved by hand: ``clock.shift(seconds)``."""
    now = [1000.0]

    class Clock:
        @staticmethod
        def monotonic():
            return now[0]

        @staticmethod
        def shift(seconds):
            now[0] += seconds

    monkeypatch.setattr(snapshot, "time", Clock)
    return Clock


@contextlib.contextmanager
def database_down():
    """Every snapshot build fails as with the database unreachable; yields the builds tried."""
    attempts = []

    def down(version):
        attempts.append(version)
        raise OperationalError("connection refused")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(snapshot, "build_snapshot", down)
        yield attempts


def test_a_failed_rebuild_keeps_the_last_snapshot_and_retries_once_per_interval(
    settings, clock, caplog
):
    settings.PERSONALIZE_SNAPSHOT_CHECK_INTERVAL = 5
    SlotFactory(key="hero")
    first = get_snapshot()
    with database_down() as attempts:
        cache.set(VERSION_KEY, "changed-elsewhere")
        clock.shift(6)
        for _ in range(20):
            assert get_snapshot() is first  # what was loaded, not nothing
        assert len(attempts) == 1  # not one rebuild per request against a failing database
        assert caplog.text.count("definitions could not be reloaded") == 1
    clock.shift(6)
    rebuilt = get_snapshot()
    assert rebuilt is not first
    assert rebuilt.version == "changed-elsewhere"


def test_a_failed_rebuild_after_a_change_in_this_process_is_retried_later(settings, clock):
    settings.PERSONALIZE_SNAPSHOT_CHECK_INTERVAL = 5
    slot = SlotFactory(key="hero")
    first = get_snapshot()
    with database_down() as attempts:
        VariantFactory(slot=slot, slug="house")  # seen at once, when the database answers
        assert [get_snapshot() for _ in range(5)] == [first] * 5
        assert len(attempts) == 1
    clock.shift(6)
    assert [v.slug for v in get_snapshot().slots["hero"].defaults] == ["house"]


def test_without_any_snapshot_a_failed_build_raises():
    with database_down(), pytest.raises(OperationalError):
        get_snapshot()


def test_deleting_a_definition_bumps_the_version():
    segment = SegmentFactory(slug="gone")
    assert "gone" in get_snapshot().segments
    segment.delete()
    assert "gone" not in get_snapshot().segments


def test_saving_any_rule_type_bumps_the_version_and_other_models_do_not():
    from django.contrib.auth.models import Group

    from personalize.rules import DeviceRule

    segment = SegmentFactory(slug="phones")
    before = snapshot._holder.local_generation
    Group.objects.create(name="not a definition")
    assert snapshot._holder.local_generation == before
    rule = DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    assert snapshot._holder.local_generation > before
    saved = snapshot._holder.local_generation
    rule.delete()
    assert snapshot._holder.local_generation > saved


def test_reset_forgets_the_snapshot():
    first = get_snapshot()
    snapshot.reset()
    assert get_snapshot() is not first


@pytest.fixture
def composed(db):
    """A segment whose rules are of three types, two of them pointing at other definitions."""
    from personalize.models import DeviceRule, IntentRule, SegmentRule
    from tests.factories import IntentFactory

    other = SegmentFactory(slug="other", name="Other people")
    keen = IntentFactory(slug="keen", name="Keen")
    segment = SegmentFactory(slug="composed")
    IntentRule.objects.create(segment=segment, intent=keen, sort_order=2)
    DeviceRule.objects.create(segment=segment, device_types=["mobile"], sort_order=1)
    SegmentRule.objects.create(segment=segment, other_segment=other, sort_order=3)
    return segment


def test_prepare_rules_loads_each_rule_as_its_type_in_order_and_prepared(
    composed, django_assert_num_queries
):
    rules = snapshot.prepare_rules(composed.rules.all(), get_snapshot())
    assert [type(rule).__name__ for rule in rules] == ["DeviceRule", "IntentRule", "SegmentRule"]
    assert (rules[1]._intent_slug, rules[2]._other_slug) == ("keen", "other")
    # the rules' types, one query per rule type, one per type of object they point to
    with django_assert_num_queries(6):
        rules = snapshot.prepare_rules(composed.rules.all(), None)
    with django_assert_num_queries(0):
        words = [rule.describe() for rule in rules]
    assert words[2] == 'Is a member of segment "Other people"'


@pytest.mark.parametrize(
    "damage", ["type no longer installed", "row of its type deleted", "content type unknown"]
)
def test_a_rule_that_cannot_load_as_its_type_loads_as_a_rule_that_never_matches(
    composed, damage, monkeypatch
):
    from django.contrib.contenttypes.models import ContentType

    from personalize.engine.context import Context
    from personalize.engine.evaluate import evaluate_segment
    from personalize.models import DeviceRule, Rule
    from personalize.profile import Profile

    device = DeviceRule.objects.get(segment=composed)
    if damage == "type no longer installed":
        gone = ContentType.objects.create(app_label="personalize", model="retiredrule")
        Rule.objects.filter(pk=device.pk).update(polymorphic_ctype=gone)
    elif damage == "content type unknown":  # (the row deleted under the foreign key)
        device_type = ContentType.objects.get_for_model(DeviceRule)
        get_for_id = ContentType.objects.get_for_id

        def lookup(type_id):
            if type_id == device_type.pk:
                raise ContentType.DoesNotExist
            return get_for_id(type_id)

        monkeypatch.setattr(ContentType.objects, "get_for_id", lookup)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {DeviceRule._meta.db_table} WHERE rule_ptr_id = %s", [device.pk]
            )
    rules = snapshot.load_rules(composed.rules.all())
    assert [type(rule).__name__ for rule in rules] == ["Rule", "IntentRule", "SegmentRule"]
    anyone = SegmentFactory(slug="anyone", match="any")
    Rule.objects.filter(pk=device.pk).update(segment=anyone)
    ctx = Context(Profile.new("a" * 32, 0), snapshot=get_snapshot())
    assert evaluate_segment(ctx, "anyone") is False
    assert ctx.rule_traces == {device.pk: False}


def test_snapshot_rules_describe_themselves_without_a_query(composed):
    rules = get_snapshot().segments["composed"].rules
    with CaptureQueriesContext(connection) as queries:
        words = [rule.describe() for rule in rules]
    assert len(queries) == 0
    assert "Keen" in words[1]


def test_a_rule_that_cannot_be_prepared_is_logged_and_kept(composed, monkeypatch, caplog):
    from personalize.models import DeviceRule

    def broken(self, snapshot):
        raise ValueError("cannot prepare")

    monkeypatch.setattr(DeviceRule, "prepare_for", broken)
    rules = snapshot.prepare_rules(composed.rules.all(), get_snapshot())
    assert len(rules) == 3
    assert "(DeviceRule) of segment" in caplog.text
    assert rules[1]._intent_slug == "keen"  # the others are prepared all the same


@pytest.mark.parametrize("broken", ["prepare_for", "compile_condition"])
def test_a_rule_that_cannot_be_prepared_never_matches_and_is_logged_once(
    broken, monkeypatch, caplog
):
    from personalize.engine.context import Context
    from personalize.engine.evaluate import evaluate_segment
    from personalize.models import DeviceRule
    from personalize.profile import Profile

    def fail(self, *args):
        raise ValueError("cannot prepare")

    monkeypatch.setattr(DeviceRule, broken, fail)
    anyone = SegmentFactory(slug="anyone", match="any")
    rule = DeviceRule.objects.create(segment=anyone, device_types=["mobile"], negate=True)
    for _ in range(3):
        ctx = Context(Profile.new("a" * 32, 0), snapshot=get_snapshot())
        assert evaluate_segment(ctx, "anyone") is False  # negated or not
        assert ctx.rule_traces == {rule.pk: False}
    snapshot.reset()
    get_snapshot()
    assert caplog.text.count("cannot be prepared") == 1
    assert "failed to evaluate" not in caplog.text


def test_segments_compile_their_rules_in_order_with_negate():
    from personalize.models import DeviceRule, VisitCountRule

    segment = SegmentFactory(slug="mixed")
    second = VisitCountRule.objects.create(segment=segment, count=2, sort_order=2, negate=True)
    first = DeviceRule.objects.create(segment=segment, device_types=["mobile"], sort_order=1)
    compiled = get_snapshot().segments["mixed"]
    assert [(rule_id, negate) for rule_id, _c, negate, _r in compiled.checks] == [
        (first.pk, False),
        (second.pk, True),
    ]
    assert [rule for *_rest, rule in compiled.checks] == compiled.rules
    assert compiled.match_any is False


def test_a_segment_built_by_hand_checks_its_rules_with_evaluate():
    from personalize.engine.context import Context
    from personalize.engine.evaluate import evaluate_segment
    from personalize.engine.snapshot import CompiledSegment
    from personalize.models import DeviceRule
    from personalize.profile import Profile

    rule = DeviceRule(id=41, device_types=["desktop"], negate=True)
    segment = CompiledSegment(1, "desk", "Desk", "all", False, [rule])
    ctx = Context(Profile.new("a" * 32, 0), snapshot=snapshot.Snapshot("v", {"desk": segment}))
    assert evaluate_segment(ctx, "desk") is False  # a desktop, negated
    assert ctx.rule_traces == {41: False}
