"""The compiled, in-process view of every definition the hot path needs.

Segments with their rules, slots with their variants, intents with their signals and topic
mappings are loaded once into a :class:`Snapshot` held in process memory. Any change to them
bumps a version stamp in the cache when its transaction commits; each process checks the stamp
at most every ``PERSONALIZE_SNAPSHOT_CHECK_INTERVAL`` seconds (and at once after a change made in
the same process) and rebuilds its snapshot when the stamp moved.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import caches
from django.db import transaction

from personalize.conf import get_setting
from personalize.utils import log_once

VERSION_KEY = "personalize:snapshot-version"
MEMBERSHIP_VERSION_KEY = "personalize:membership-version"


@dataclass(slots=True)
class CompiledSegment:
    """A segment as evaluated on every request.

    ``checks`` holds one ``(rule id, condition, negate, rule)`` per rule, in order, compiled
    once per snapshot by :func:`compile_checks` (``condition(ctx) != negate`` is what the rule
    answers); ``rules`` are the rules themselves, for explanations and descriptions. Built
    without ``checks``, it checks each rule with its own ``evaluate`` (which prepares a rule for
    the context's snapshot when it was not).
    """

    id: int
    slug: str
    name: str
    match: str
    is_static: bool
    rules: list
    checks: tuple | None = None
    match_any: bool = field(init=False)

    def __post_init__(self):
        self.match_any = self.match == "any"
        if self.checks is None:
            self.checks = tuple((rule.id, rule.evaluate, False, rule) for rule in self.rules)


@dataclass(slots=True)
class CompiledSlot:
    id: int
    key: str
    control_percentage: int
    # (priority, [variants]) for targeted variants, highest priority first
    groups: list[tuple[int, list]]
    defaults: list
    variants: dict[str, object] = field(default_factory=dict)
    # no default has a date window: all of ``defaults`` are live at any time
    defaults_always_live: bool = field(init=False)
    # ``groups`` as selection walks them on every request, highest priority first, in plain
    # tuples: ((variant, scheduled, segment id, segment slug, intent id, intent slug), ...),
    # the last four being the variant's ``targeting``
    plan: tuple = field(init=False)

    def __post_init__(self):
        self.defaults_always_live = not any(variant.scheduled for variant in self.defaults)
        self.plan = tuple(
            tuple((v, v.scheduled, *v.targeting) for v in variants)
            for _priority, variants in self.groups
        )


@dataclass(slots=True)
class CompiledIntent:
    id: int
    slug: str
    name: str
    threshold: float
    half_life: float
    signals: list


@dataclass(slots=True)
class Snapshot:
    version: str
    segments: dict[str, CompiledSegment] = field(default_factory=dict)
    segment_slugs: dict[int, str] = field(default_factory=dict)
    slots: dict[str, CompiledSlot] = field(default_factory=dict)
    slot_keys: dict[int, str] = field(default_factory=dict)  # slot id -> key
    intents: dict[str, CompiledIntent] = field(default_factory=dict)
    intent_slugs: dict[int, str] = field(default_factory=dict)
    signals_by_kind: dict[str, list] = field(default_factory=dict)
    topic_mappings: list = field(default_factory=list)
    has_static_segments: bool = False
    # every slot's variants by primary key, made on first use (see :meth:`variant`)
    _variants_by_id: dict | None = None

    def variant(self, variant_id: int):
        """The variant with primary key ``variant_id`` (any status), or None."""
        if self._variants_by_id is None:
            self._variants_by_id = {
                variant.pk: variant
                for slot in self.slots.values()
                for variant in slot.variants.values()
            }
        return self._variants_by_id.get(variant_id)


def _never(ctx) -> bool:
    """The condition of a rule that could not be prepared: it matches nobody."""
    return False


def _cannot_prepare(rule) -> None:
    log_once(
        ("prepare", rule.pk),
        "personalize: rule %s (%s) of segment %s cannot be prepared; it will not match.",
        rule.pk,
        type(rule).__name__,
        rule.segment_id,
        exc_info=True,
    )


def compile_checks(rules, snapshot) -> tuple:
    """``(rule id, condition, negate, rule)`` for each of ``rules`` (from :func:`load_rules`),
    in order: what segment evaluation runs. Each rule is prepared for ``snapshot`` and compiled
    with :func:`~personalize.rules.base.compile_check`; a rule for which either step raises is
    logged once and never matches, negated or not."""
    from personalize.rules.base import compile_check

    checks = []
    for rule in rules:
        try:
            rule.prepare_for(snapshot)
            condition, negate = compile_check(rule)
        except Exception:
            _cannot_prepare(rule)
            condition, negate = _never, False
        checks.append((rule.id, condition, negate, rule))
    return tuple(checks)


def load_rules(rules) -> list:
    """``rules`` (a queryset of :class:`~personalize.models.Rule`) loaded each as its own type
    (one query for their types, then one per type), in the segment's order, with the
    objects its foreign keys point to already fetched (``describe()`` then needs no query).

    Each type's rows are read straight from that type's model, joined to the base table, rather
    than through django-polymorphic's queryset, which reads the base rows first and then copies
    every object it upgrades (two thirds of the time for a site's thousands of rules). A rule
    whose type is no longer installed (or no longer has a content type), or whose row of its
    type is missing, loads as a plain ``Rule``, which never matches.
    """
    from django.contrib.contenttypes.models import ContentType

    from personalize.rules.base import Rule, prefetch_relations

    unordered = rules.order_by()
    type_ids = dict(unordered.values_list("pk", "polymorphic_ctype_id"))
    loaded = []
    for type_id in set(type_ids.values()):
        try:
            model = ContentType.objects.get_for_id(type_id).model_class() if type_id else None
        except ContentType.DoesNotExist:
            model = None
        if model is None or not issubclass(model, Rule):
            model = Rule
        loaded.extend(
            model.objects.non_polymorphic().filter(
                pk__in=unordered.filter(polymorphic_ctype_id=type_id).values("pk")
            )
        )
    missing = type_ids.keys() - {rule.pk for rule in loaded}  # a type's own row is gone
    if missing:
        loaded.extend(Rule.objects.non_polymorphic().filter(pk__in=missing))
    loaded.sort(key=lambda rule: (rule.sort_order, rule.pk))
    prefetch_relations(loaded)
    return loaded


def prepare_rules(rules, snapshot) -> list:
    """``rules`` loaded by :func:`load_rules` and prepared against ``snapshot`` (its segment and
    intent slugs; None outside a snapshot), ready to evaluate. A rule that cannot be prepared is
    logged once and kept: it will not match."""
    loaded = load_rules(rules)
    for rule in loaded:
        try:
            rule.prepare_for(snapshot)
        except Exception:
            _cannot_prepare(rule)
    return loaded


def build_snapshot(version: str) -> Snapshot:
    """Load every active definition from the database (a handful of queries)."""
    from personalize.models import Intent, IntentSignal, Rule, Segment, Slot, TopicMapping, Variant

    snapshot = Snapshot(version=version)
    segments = list(Segment.objects.active())
    snapshot.segment_slugs = {segment.pk: segment.slug for segment in segments}

    intents = list(Intent.objects.active())
    snapshot.intent_slugs = {intent.pk: intent.slug for intent in intents}
    by_intent = {intent.pk: intent for intent in intents}
    signals_by_intent = defaultdict(list)
    for signal in IntentSignal.objects.filter(intent__is_active=True):
        signals_by_intent[signal.intent_id].append(signal)
        snapshot.signals_by_kind.setdefault(signal.kind, []).append(
            (by_intent[signal.intent_id], signal)
        )
    for intent in intents:
        snapshot.intents[intent.slug] = CompiledIntent(
            id=intent.pk,
            slug=intent.slug,
            name=intent.name,
            threshold=intent.threshold,
            half_life=intent.half_life_seconds,
            signals=signals_by_intent.get(intent.pk, []),
        )

    variants_by_slot = defaultdict(list)
    for variant in Variant.objects.order_by("-priority", "pk"):
        variants_by_slot[variant.slot_id].append(variant)
    for slot in Slot.objects.all():
        groups: dict[int, list] = {}
        defaults = []
        variants = variants_by_slot.get(slot.pk, [])
        for variant in variants:
            variant.slot = slot  # avoid a query when templates read variant.slot
            # Read by selection on every request: plain values, not model descriptors.
            variant.targeting = (
                variant.segment_id,
                snapshot.segment_slugs.get(variant.segment_id),
                variant.intent_id,
                snapshot.intent_slugs.get(variant.intent_id),
            )
            # Only an active variant with a date window can be out of it.
            variant.scheduled = variant.starts_at is not None or variant.ends_at is not None
            if variant.status != Variant.Status.ACTIVE:
                continue  # drafts and paused variants are only shown in previews
            if variant.is_default:
                defaults.append(variant)
            else:
                groups.setdefault(variant.priority, []).append(variant)
        snapshot.slot_keys[slot.pk] = slot.key
        snapshot.slots[slot.key] = CompiledSlot(
            id=slot.pk,
            key=slot.key,
            control_percentage=slot.control_percentage,
            groups=sorted(groups.items(), key=lambda item: -item[0]),
            defaults=defaults,
            variants={variant.slug: variant for variant in variants},
        )

    snapshot.topic_mappings = list(TopicMapping.objects.all())

    # Rules last: preparing them reads the segment and intent slugs gathered above.
    rules_by_segment = defaultdict(list)
    for rule in load_rules(Rule.objects.filter(segment__is_active=True)):
        rules_by_segment[rule.segment_id].append(rule)
    for segment in segments:
        rules = rules_by_segment.get(segment.pk, [])
        snapshot.segments[segment.slug] = CompiledSegment(
            id=segment.pk,
            slug=segment.slug,
            name=segment.name,
            match=segment.match,
            is_static=segment.is_static,
            rules=rules,
            checks=compile_checks(rules, snapshot),
        )
    snapshot.has_static_segments = any(s.is_static for s in snapshot.segments.values())
    return snapshot


class _Holder:
    def __init__(self):
        self.lock = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.checked = 0.0
        self.local_generation = 0
        self.built_generation = -1
        # The last rebuild failed: the snapshot held is stale, and is served until the next
        # check even when this process changed definitions meanwhile.
        self.failed = False


_holder = _Holder()


def _cache():
    return caches[get_setting("CACHE_ALIAS")]


def _read_version() -> str | None:
    try:
        return _cache().get(VERSION_KEY)
    except Exception:
        log_once(
            "version-read",
            "personalize: cannot read the snapshot version from the cache.",
            exc_info=True,
        )
        return None


def get_snapshot() -> Snapshot:
    """The current snapshot, rebuilt when its version stamp changed."""
    holder = _holder
    snapshot = holder.snapshot
    now = time.monotonic()
    if (
        snapshot is not None
        and (holder.built_generation == holder.local_generation or holder.failed)
        and now - holder.checked < get_setting("SNAPSHOT_CHECK_INTERVAL")
    ):
        return snapshot
    if snapshot is None:
        holder.lock.acquire()
    elif not holder.lock.acquire(blocking=False):
        # Another thread is checking the version or rebuilding: serve the definitions already
        # loaded meanwhile, rather than hold every request of the process behind one rebuild.
        return snapshot
    try:
        generation = holder.local_generation
        version = _read_version()
        if version is None:
            version = uuid.uuid4().hex
            try:
                if not _cache().add(VERSION_KEY, version, timeout=None):
                    version = _cache().get(VERSION_KEY) or version
            except Exception:
                version = snapshot.version if snapshot is not None else version
        if (
            holder.snapshot is None
            or holder.snapshot.version != version
            or holder.built_generation != generation
        ):
            try:
                holder.snapshot = build_snapshot(version)
            except Exception:
                if holder.snapshot is None:
                    raise  # nothing to fall back on: the caller shows default content
                # Keep serving the definitions already loaded; try again after the interval
                # rather than on every request against a database that is failing.
                log_once(
                    "snapshot-rebuild",
                    "personalize: definitions could not be reloaded; keeping the ones "
                    "already loaded and trying again later.",
                    exc_info=True,
                )
                holder.failed = True
            else:
                holder.built_generation = generation
                holder.failed = False
        holder.checked = time.monotonic()
        return holder.snapshot
    finally:
        holder.lock.release()


def bump_version() -> None:
    """Mark definitions as changed: now in this process, for every process on commit."""
    _holder.local_generation += 1

    def publish():
        try:
            _cache().set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        except Exception:
            log_once(
                "version-write", "personalize: cannot write the snapshot version.", exc_info=True
            )
        _holder.local_generation += 1

    transaction.on_commit(publish)


def bump_membership_version() -> None:
    """Static memberships changed: profiles re-read their memberships on next load."""

    def publish():
        try:
            _cache().set(MEMBERSHIP_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        except Exception:
            log_once(
                "membership-version-write",
                "personalize: cannot write the membership version.",
                exc_info=True,
            )

    transaction.on_commit(publish)


def reset() -> None:
    """Forget the snapshot (tests)."""
    with _holder.lock:
        _holder.snapshot = None
        _holder.failed = False
        _holder.local_generation += 1
