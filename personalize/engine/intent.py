"""Real-time intent scoring and interests.

Each :class:`~personalize.models.IntentSignal` that fires adds its points to its own
contribution in the visitor's profile, never beyond its cap. Contributions decay with the
intent's half-life, so an intent fades when its signals stop. An intent is *active* when the
sum of its decayed contributions reaches its threshold; ``visitor.intent`` is the active intent
with the highest score.
"""

from __future__ import annotations

from personalize.conf import get_setting
from personalize.models.intent import IntentSignal
from personalize.utils import log_once

Kind = IntentSignal.Kind


def _fire(ctx, intent, signal) -> None:
    ctx.profile.add_intent_points(
        signal.key, signal.points, signal.cap, intent.half_life_seconds, ctx.timestamp
    )


def _safe_matches(signal, value) -> bool:
    try:
        return signal.matches(value)
    except Exception:
        log_once(
            ("signal", signal.pk),
            "personalize: intent signal %s has an unusable pattern; it never fires.",
            signal.pk,
            exc_info=True,
        )
        return False


def apply_page_signals(ctx, *, arrival: bool) -> None:
    """Score the signals of the current page view (``arrival``: first page from a source)."""
    snapshot = ctx.snapshot
    if snapshot is None or not snapshot.signals_by_kind:
        return
    by_kind = snapshot.signals_by_kind
    profile = ctx.profile
    path = ctx.path
    for intent, signal in by_kind.get(Kind.PAGE_PATH, ()):
        if _safe_matches(signal, path):
            entry = profile.pages.get(path[:200])
            if entry and entry[0] >= signal.min_count:
                _fire(ctx, intent, signal)
    for intent, signal in by_kind.get(Kind.QUERY_PARAM, ()):
        if signal.parameter in ctx.query and _safe_matches(signal, ctx.query[signal.parameter]):
            _fire(ctx, intent, signal)
    search_param = get_setting("SITE_SEARCH_PARAM")
    site_search = ctx.query.get(search_param, "") if search_param else ""
    if arrival:
        source = ctx.source
        for intent, signal in by_kind.get(Kind.UTM, ()):
            value = source.utm.get(signal.parameter)
            if value is not None and _safe_matches(signal, value):
                _fire(ctx, intent, signal)
        for intent, signal in by_kind.get(Kind.REFERRER_MEDIUM, ()):
            if _safe_matches(signal, source.medium):
                _fire(ctx, intent, signal)
        terms = [term for term in (source.term, site_search) if term]
    else:
        terms = [site_search] if site_search else []
    for term in terms:
        for intent, signal in by_kind.get(Kind.SEARCH_TERM, ()):
            if _safe_matches(signal, term):
                _fire(ctx, intent, signal)
    ctx.forget_intents()


def apply_event_signals(ctx, name: str) -> None:
    snapshot = ctx.snapshot
    if snapshot is None:
        return
    for intent, signal in snapshot.signals_by_kind.get(Kind.EVENT, ()):
        if _safe_matches(signal, name):
            _fire(ctx, intent, signal)
    ctx.forget_intents()


def score_intents(ctx) -> dict[str, float]:
    """Every active intent's current (decayed) score."""
    snapshot = ctx.snapshot
    if snapshot is None:
        return {}
    profile = ctx.profile
    now = ctx.timestamp
    scores = {}
    for slug, intent in snapshot.intents.items():
        total = 0.0
        for signal in intent.signals:
            total += profile.signal_points(signal.key, intent.half_life, now)
        scores[slug] = round(max(total, 0.0), 3)
    return scores


def active_intents(ctx) -> list[str]:
    snapshot = ctx.snapshot
    if snapshot is None:
        return []
    scores = ctx.intent_scores()
    active = [
        slug
        for slug, score in scores.items()
        if score > 0 and score >= snapshot.intents[slug].threshold
    ]
    return sorted(active, key=lambda slug: (-scores[slug], slug))


def contributions(ctx, slug: str) -> list[tuple[object, float]]:
    """(signal, current points) for each signal of intent ``slug`` that contributed."""
    intent = ctx.snapshot.intents.get(slug) if ctx.snapshot else None
    if intent is None:
        return []
    result = []
    for signal in intent.signals:
        points = ctx.profile.signal_points(signal.key, intent.half_life, ctx.timestamp)
        if points:
            result.append((signal, round(points, 3)))
    return result


def apply_topic_mappings(ctx) -> set[str]:
    """Count the current page toward the topics its path maps to; returns those topics."""
    snapshot = ctx.snapshot
    added: set[str] = set()
    if snapshot is None:
        return added
    for mapping in snapshot.topic_mappings:
        try:
            matched = mapping.matches(ctx.path)
        except Exception:
            log_once(
                ("topic", mapping.pk),
                "personalize: topic mapping %s is unusable.",
                mapping.pk,
                exc_info=True,
            )
            continue
        if matched:
            for topic in mapping.topic_list:
                if topic not in added:
                    added.add(topic)
                    ctx.profile.add_interest(topic, mapping.points, ctx.timestamp)
    return added
