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

from personalize.engine.selection import CONTROL
from personalize.services.stats import variant_rows


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def variant_stats(since: dt.datetime, until: dt.datetime, slot: str | None = None) -> list[dict]:
    """``[{"slot": key, "variants": [{"variant": slug, "impressions": …}, …]}, …]``.

    The figures are :func:`personalize.services.stats.variant_rows`, the same the daily
    statistics store; this adds the rates and the lift.
    """
    slots: dict[str, list[dict]] = defaultdict(list)
    for (slot_key, variant), entry in variant_rows(slot, since, until).items():
        del entry["value"]  # the daily statistics' conversion value is not part of this API
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
