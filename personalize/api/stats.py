"""Performance of variants, computed from stored events.

Per slot and variant over a date range: impressions (counted once a visit), the distinct
visitors who saw it, clicks, and conversions — visitors who, after seeing the variant, sent a
conversion event (``PERSONALIZE_CONVERSION_EVENTS``) before the range ended. A visitor who saw
two variants of a slot counts for both. Lift compares each variant's conversion rate with the
slot's control group (visitors shown the default to measure exactly this), when it has one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef

from personalize.conf import get_setting
from personalize.engine.selection import CONTROL
from personalize.models import Event


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def variant_stats(since: dt.datetime, until: dt.datetime, slot: str | None = None) -> list[dict]:
    """``[{"slot": key, "variants": [{"variant": slug, "impressions": …}, …]}, …]``."""
    window = Event.objects.filter(timestamp__gte=since, timestamp__lt=until).exclude(slot="")
    if slot:
        window = window.filter(slot=slot)
    impressions = window.filter(name=Event.IMPRESSION)
    rows: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"impressions": 0, "visitors": 0, "clicks": 0, "conversions": 0}
    )
    for row in impressions.values("slot", "variant").annotate(
        impressions=Count("pk"), visitors=Count("visitor", distinct=True)
    ):
        entry = rows[row["slot"], row["variant"]]
        entry["impressions"] = row["impressions"]
        entry["visitors"] = row["visitors"]
    for row in (
        window.filter(name=Event.CLICK).values("slot", "variant").annotate(clicks=Count("pk"))
    ):
        rows[row["slot"], row["variant"]]["clicks"] = row["clicks"]
    converted = Event.objects.filter(
        visitor=OuterRef("visitor"),
        name__in=list(get_setting("CONVERSION_EVENTS")),
        timestamp__gte=OuterRef("timestamp"),
        timestamp__lt=until,
    )
    for row in (
        impressions.filter(Exists(converted))
        .values("slot", "variant")
        .annotate(conversions=Count("visitor", distinct=True))
    ):
        rows[row["slot"], row["variant"]]["conversions"] = row["conversions"]

    slots: dict[str, list[dict]] = defaultdict(list)
    for (slot_key, variant), entry in sorted(rows.items()):
        entry["conversion_rate"] = _rate(entry["conversions"], entry["visitors"])
        entry["click_rate"] = _rate(entry["clicks"], entry["impressions"])
        slots[slot_key].append({"variant": variant, **entry})
    result = []
    for slot_key, variants in slots.items():
        control = next((v for v in variants if v["variant"] == CONTROL), None)
        base = control["conversion_rate"] if control else None
        for variant in variants:
            rate = variant["conversion_rate"]
            variant["lift"] = (
                round(rate / base - 1, 4)
                if base and rate is not None and variant["variant"] != CONTROL
                else None
            )
        result.append({"slot": slot_key, "variants": variants})
    return result
