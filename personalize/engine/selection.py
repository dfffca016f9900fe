"""Choosing the variant of a slot for one visitor (design §5)."""

from __future__ import annotations

from dataclasses import dataclass, field

from personalize.engine.evaluate import evaluate_segment
from personalize.utils import bucket

DEFAULT = "default"
CONTROL = "control"


@dataclass(slots=True)
class Decision:
    """The outcome of choosing a slot's variant, with the reason (for ``explain``)."""

    slot_key: str
    variant: object | None = None  # a Variant, or None for the template's inline default
    reason: str = "no variant matched"
    control: bool = False
    preview: bool = False
    candidates: list = field(default_factory=list)  # (variant, matched, why) examined

    @property
    def variant_slug(self) -> str:
        return self.variant.slug if self.variant is not None else DEFAULT


def targeting_matches(ctx, variant) -> tuple[bool, str]:
    """Whether the visitor in ``ctx`` is who ``variant`` targets, and why (in words).

    ``variant`` comes from the snapshot, which attached its ``targeting``: (segment id,
    segment slug, intent id, intent slug), a slug None when its segment or intent is inactive.
    """
    segment_id, segment_slug, intent_id, intent_slug = variant.targeting
    reasons = []
    if segment_id is not None:
        if segment_slug is None or not evaluate_segment(ctx, segment_slug):
            return False, f'not in segment "{segment_slug or segment_id}"'
        reasons.append(f'in segment "{segment_slug}"')
    if intent_id is not None:
        if intent_slug is None or not ctx.has_intent(intent_slug):
            return False, f'no "{intent_slug or intent_id}" intent'
        reasons.append(f'has intent "{intent_slug}"')
    return True, " and ".join(reasons)


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

    decision = Decision(slot_key)
    if slot.control_percentage and bucket(ctx.visitor_id, slot_key, CONTROL) * 100 < (
        slot.control_percentage
    ):
        decision.variant = _default(ctx, slot, now)
        decision.control = True
        decision.reason = f"control group ({slot.control_percentage}% see the default)"
        return decision

    candidates = decision.candidates
    for priority, variants in slot.groups:
        matched = []
        for variant in variants:
            if variant.scheduled and not variant.is_live(now):
                candidates.append((variant, False, "not live"))
                continue
            ok, why = targeting_matches(ctx, variant)
            candidates.append((variant, ok, why))
            if ok:
                matched.append(variant)
        if matched:
            decision.variant = _pick(matched, ctx.visitor_id, slot_key)
            why = next(c[2] for c in candidates if c[0] is decision.variant)
            decision.reason = f"priority {priority}: {why}"
            return decision

    decision.variant = _default(ctx, slot, now)
    decision.reason = "default variant" if decision.variant is not None else "template default"
    return decision


def _default(ctx, slot, now):
    """The slot's live default variant for this visitor (picked by weight), or None: looked
    for only when no targeted variant matched or the visitor is in the control group."""
    defaults = [v for v in slot.defaults if not v.scheduled or v.is_live(now)]
    return _pick(defaults, ctx.visitor_id, slot.key) if defaults else None


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
