"""Why a visitor sees what they see: a slot's decision in plain data."""

from __future__ import annotations

from personalize.engine.evaluate import evaluate_segment, traced_rule
from personalize.engine.intent import contributions
from personalize.models.segment import NO_RULES


def explain_segment(ctx, slug: str) -> dict:
    segment = ctx.snapshot.segments.get(slug) if ctx.snapshot else None
    if segment is None:
        return {"segment": slug, "member": False, "why": "no active segment with this slug"}
    if segment.is_static:
        return {
            "segment": slug,
            "member": evaluate_segment(ctx, slug),
            "why": "static segment: membership comes from its last rebuild",
        }
    member = evaluate_segment(ctx, slug)  # first, so the rules below read its traces
    explanation = {
        "segment": slug,
        "member": member,
        "match": segment.match,
        "rules": [{"rule": str(rule), "matched": traced_rule(rule, ctx)} for rule in segment.rules],
    }
    if not segment.rules:
        explanation["why"] = str(NO_RULES)
    return explanation


def explain_intent(ctx, slug: str) -> dict:
    intent = ctx.snapshot.intents.get(slug) if ctx.snapshot else None
    if intent is None:
        return {"intent": slug, "active": False, "why": "no active intent with this slug"}
    score = ctx.intent_scores().get(slug, 0.0)
    return {
        "intent": slug,
        "score": score,
        "threshold": intent.threshold,
        "active": ctx.has_intent(slug),
        "signals": [
            {"signal": signal.describe(), "points": points}
            for signal, points in contributions(ctx, slug)
        ],
    }


def explain(visitor, slot_key: str) -> dict:
    """Which variant ``visitor`` sees in ``slot_key``, which targeting and which rules matched."""
    decision = visitor.decide(slot_key)
    ctx = visitor.ctx
    candidates = []
    for variant, matched, why in decision.candidates:
        entry = {
            "variant": variant.slug,
            "priority": variant.priority,
            "matched": matched,
            "why": why,
        }
        _segment_id, segment_slug, _intent_id, intent_slug = variant.targeting
        if segment_slug:
            entry["segment"] = explain_segment(ctx, segment_slug)
        if intent_slug:
            entry["intent"] = explain_intent(ctx, intent_slug)
        candidates.append(entry)
    return {
        "slot": slot_key,
        "variant": decision.variant_slug,
        "reason": decision.reason,
        "control": decision.control,
        "preview": decision.preview,
        "candidates": candidates,
    }
