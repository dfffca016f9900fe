"""What the visitor page of the admin shows: segments, intents, interests, traits, events.

Everything is computed from what is stored (see :mod:`personalize.engine.offline`): the same
rules and scores the site uses, evaluated now, with no request.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from personalize.engine.evaluate import matching_segments
from personalize.engine.explain import explain_intent, explain_segment
from personalize.engine.offline import context_for_visitor
from personalize.tracking.referrer import Source
from personalize.utils import log_once

RECENT_EVENTS = 50
TOP_PAGES = 15


def _when(ts: int) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(ts, dt.UTC) if ts else None


def visitor_report(visitor) -> dict:
    """The data of the visitor page (a plain dict for the template)."""
    from personalize.models import Event

    report = {
        "merged_into": visitor.merged_into,
        "merged_from": visitor.merged_from.count(),
        "events": list(
            Event.objects.filter(visitor=visitor).order_by("-timestamp", "-pk")[:RECENT_EVENTS]
        ),
        "recent_events_limit": RECENT_EVENTS,
    }
    if visitor.merged_into_id:
        return report
    try:
        ctx = context_for_visitor(visitor, now=timezone.now())
    except Exception:
        log_once("visitor-report", "personalize: the visitor page failed.", exc_info=True)
        report["error"] = True
        return report
    profile = ctx.profile
    snapshot = ctx.snapshot
    members = set(matching_segments(ctx))
    segments = [explain_segment(ctx, slug) for slug in snapshot.segments]
    for entry in segments:
        entry["name"] = snapshot.segments[entry["segment"]].name
    active = ctx.active_intents()
    intents = []
    for slug, intent in snapshot.intents.items():
        entry = explain_intent(ctx, slug)
        entry["name"] = intent.name
        entry["strongest"] = bool(active) and active[0] == slug
        intents.append(entry)
    intents.sort(key=lambda entry: -entry["score"])
    interests = sorted(
        (
            (topic, round(profile.interest_score(topic, ctx.timestamp), 2))
            for topic in profile.interests
        ),
        key=lambda item: -item[1],
    )
    pages = sorted(profile.pages.items(), key=lambda item: -item[1][0])[:TOP_PAGES]
    report.update(
        {
            "member_of": [entry for entry in segments if entry["segment"] in members],
            "not_member_of": [entry for entry in segments if entry["segment"] not in members],
            "intents": intents,
            "intent": active[0] if active else None,
            "interests": interests,
            "traits": sorted(profile.traits.items()),
            "pages": [(path, entry[0], _when(entry[1])) for path, entry in pages],
            "source": Source.from_dict(profile.source),
            "first_source": Source.from_dict(profile.first_source or profile.source),
            "landing": profile.landing,
            "first_landing": profile.first_landing or profile.landing,
            "visit_started": _when(profile.visit_started),
            "previous_visit": _when(profile.prev_visit),
            "static": profile.static,
        }
    )
    return report
