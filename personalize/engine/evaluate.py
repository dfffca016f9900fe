"""Segment evaluation: lazy, memoized per context, failure-safe."""

from __future__ import annotations

from personalize.utils import log_once


def evaluate_rule(rule, ctx) -> bool:
    """``rule.evaluate(ctx)``, recorded in ``ctx.rule_traces``; a rule that raises counts as
    not matching and is logged once."""
    try:
        result = bool(rule.evaluate(ctx))
    except Exception:
        _failed(rule)
        result = False
    ctx.rule_traces[rule.id] = result  # ``id``, not ``pk``: the same number, read directly
    return result


def _failed(rule) -> None:
    log_once(
        ("rule", rule.pk),
        "personalize: rule %s (%s) failed to evaluate; it counts as not matching.",
        rule.pk,
        type(rule).__name__,
        exc_info=True,
    )


def traced_rule(rule, ctx) -> bool:
    """What ``rule`` answered when its segment was evaluated for ``ctx``; evaluated now if it
    was not (a rule after the one that decided, or a segment set by a preview)."""
    traced = ctx.rule_traces.get(rule.id)
    return evaluate_rule(rule, ctx) if traced is None else traced


def evaluate_segment(ctx, slug: str) -> bool:
    """Whether the visitor in ``ctx`` is a member of segment ``slug`` (memoized)."""
    results = ctx.segment_results
    result = results.get(slug)
    if result is not None:
        return result
    # While this segment is being evaluated, a SegmentRule that loops back to it sees False.
    results[slug] = False
    snapshot = ctx.snapshot
    segment = snapshot.segments.get(slug) if snapshot is not None else None
    if segment is None:
        result = False
    elif segment.is_static:
        result = slug in ctx.profile.static
    else:
        # The rules as the snapshot compiled them (see ``compile_checks``), each answer
        # recorded like ``evaluate_rule`` does: "all" stops at the first rule that fails,
        # "any" at the first that matches; no rules at all matches nobody.
        checks = segment.checks
        wanted = segment.match_any
        result = not wanted if checks else False
        traces = ctx.rule_traces
        for rule_id, condition, negate, rule in checks:
            try:
                matched = bool(condition(ctx) != negate)
            except Exception:
                _failed(rule)
                matched = False
            traces[rule_id] = matched
            if matched is wanted:
                result = wanted
                break
    results[slug] = result
    return result


def matching_segments(ctx) -> list[str]:
    """Slugs of every active segment the visitor is in (evaluates them all)."""
    if ctx.snapshot is None:
        return []
    return [slug for slug in ctx.snapshot.segments if evaluate_segment(ctx, slug)]
