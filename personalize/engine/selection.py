"""Choosing the variant of a slot for one visitor (design §5)."""

from __future__ import annotations

from personalize.engine.evaluate import evaluate_segment
from personalize.utils import bucket

DEFAULT = "default"
CONTROL = "control"


# What examining a variant found; a decision keeps them and puts them in words only when asked.
_NOT_LIVE, _NOT_IN_SEGMENT, _NO_INTENT, _MATCHED = range(4)


class Decision:
    """The outcome of choosing a slot's variant, with the reason (for ``explain``).

    ``reason`` and ``candidates`` (``(variant, matched, why)`` for each variant examined) are
    put in words when first read: :func:`choose` records only what it found, so a page that
    never asks why pays nothing for the words.
    """

    __slots__ = (
        "_candidates",
        "_examined",
        "_reason",
        "control",
        "preview",
        "slot_key",
        "variant",
    )

    def __init__(
        self,
        slot_key: str,
        variant=None,  # a Variant, or None for the template's inline default
        reason: str = "no variant matched",
        control: bool = False,
        preview: bool = False,
        candidates: list | None = None,
    ):
        self.slot_key = slot_key
        self.variant = variant
        self.control = control
        self.preview = preview
        self._reason = reason
        self._candidates = candidates
        self._examined = None  # (slot, [outcome of each variant examined]) from choose()

    def __repr__(self) -> str:
        return (
            f"Decision(slot_key={self.slot_key!r}, variant={self.variant!r}, "
            f"reason={self.reason!r}, control={self.control!r}, preview={self.preview!r})"
        )

    def _fields(self) -> tuple:
        return (
            self.slot_key,
            self.variant,
            self.reason,
            self.control,
            self.preview,
            self.candidates,
        )

    def __eq__(self, other) -> bool:
        if type(other) is not Decision:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # mutable, compared by value

    @property
    def variant_slug(self) -> str:
        return self.variant.slug if self.variant is not None else DEFAULT

    @property
    def reason(self) -> str:
        if self._reason is None and self.variant is not None:  # chosen by its targeting
            self._reason = f"priority {self.variant.priority}: {_why(self.variant, _MATCHED)}"
        return self._reason

    @reason.setter
    def reason(self, value: str) -> None:
        self._reason = value

    @property
    def candidates(self) -> list:
        """``(variant, matched, why)`` for each variant examined, in order."""
        if self._candidates is None:
            candidates = []
            if self._examined is not None:
                slot, outcomes = self._examined
                examined = (variant for _priority, group in slot.groups for variant in group)
                for variant, outcome in zip(examined, outcomes, strict=False):
                    candidates.append((variant, outcome == _MATCHED, _why(variant, outcome)))
            self._candidates = candidates
        return self._candidates

    @candidates.setter
    def candidates(self, value: list) -> None:
        self._candidates = value


def _why(variant, outcome: int) -> str:
    """What examining ``variant`` found, in words."""
    if outcome == _NOT_LIVE:
        return "not live"
    segment_id, segment_slug, intent_id, intent_slug = variant.targeting
    if outcome == _NOT_IN_SEGMENT:
        return f'not in segment "{segment_slug or segment_id}"'
    if outcome == _NO_INTENT:
        return f'no "{intent_slug or intent_id}" intent'
    reasons = []
    if segment_id is not None:
        reasons.append(f'in segment "{segment_slug}"')
    if intent_id is not None:
        reasons.append(f'has intent "{intent_slug}"')
    return " and ".join(reasons)


def _pick(variants, visitor_id: str, slot_key: str):
    if len(variants) == 1:
        return variants[0]
    total = sum(variant.weight for variant in variants)
    point = bucket(visitor_id, slot_key, "split") * total
    for variant in variants:
        point -= variant.weight
        if point < 0:
            return variant
    return variants[-1]


def choose(ctx, slot_key: str, now) -> Decision:
    """Highest-priority live variant whose targeting matches; else the default."""
    snapshot = ctx.snapshot
    slot = snapshot.slots.get(slot_key) if snapshot is not None else None
    if slot is None:
        return Decision(slot_key, reason="slot not defined yet: template default")

    if slot.control_percentage and bucket(ctx.visitor_id, slot_key, CONTROL) * 100 < (
        slot.control_percentage
    ):
        return Decision(
            slot_key,
            _default(ctx, slot, now),
            reason=f"control group ({slot.control_percentage}% see the default)",
            control=True,
        )

    # Each variant's targeting (see ``CompiledSlot.plan``), the segment memo read here: this
    # runs for every variant of every slot on every request.
    results = ctx.segment_results
    outcomes = []  # of each variant examined, in order: words only if someone asks
    record = outcomes.append
    for entries in slot.plan:
        matched = None
        for variant, scheduled, segment_id, segment_slug, intent_id, intent_slug in entries:
            if scheduled and not variant.is_live(now):
                record(_NOT_LIVE)
                continue
            if segment_id is not None:
                if segment_slug is None:
                    record(_NOT_IN_SEGMENT)
                    continue
                member = results.get(segment_slug)
                if member is None:
                    member = evaluate_segment(ctx, segment_slug)
                if not member:
                    record(_NOT_IN_SEGMENT)
                    continue
            if intent_id is not None and (intent_slug is None or not ctx.has_intent(intent_slug)):
                record(_NO_INTENT)
                continue
            record(_MATCHED)
            if matched is None:
                matched = [variant]
            else:
                matched.append(variant)
        if matched is not None:
            chosen = matched[0] if len(matched) == 1 else _pick(matched, ctx.visitor_id, slot_key)
            decision = Decision(slot_key, chosen, None)  # worded from its targeting if asked
            decision._examined = (slot, outcomes)
            return decision

    variant = _default(ctx, slot, now)
    decision = Decision(
        slot_key, variant, "default variant" if variant is not None else "template default"
    )
    decision._examined = (slot, outcomes)
    return decision


def _default(ctx, slot, now):
    """The slot's live default variant for this visitor (picked by weight), or None: looked
    for only when no targeted variant matched or the visitor is in the control group."""
    defaults = slot.defaults
    if not slot.defaults_always_live:
        defaults = [v for v in defaults if not v.scheduled or v.is_live(now)]
    if len(defaults) < 2:
        return defaults[0] if defaults else None
    return _pick(defaults, ctx.visitor_id, slot.key)


def preview_decision(slot, slot_key: str, variant_slug: str) -> Decision | None:
    if slot is None:
        return None
    if variant_slug == DEFAULT:
        defaults = slot.defaults
        return Decision(
            slot_key, variant=defaults[0] if defaults else None, reason="preview", preview=True
        )
    variant = slot.variants.get(variant_slug)
    if variant is None:
        return None
    return Decision(slot_key, variant=variant, reason="preview", preview=True)
