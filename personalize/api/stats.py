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

from personalize.services.stats import add_rates, variant_rows


def variant_stats(since: dt.datetime, until: dt.datetime, slot: str | None = None) -> list[dict]:
    """``[{"slot": key, "variants": [{"variant": slug, "impressions": …}, …]}, …]``.

    The figures are :func:`personalize.services.stats.variant_rows`, the same the daily
    statistics store, with the rates and the lift of :func:`~personalize.services.stats.add_rates`.
    """
    slots: dict[str, list[dict]] = defaultdict(list)
    for (slot_key, variant), entry in variant_rows(slot, since, until).items():
        del entry["value"]  # the daily statistics' conversion value is not part of this API
        slots[slot_key].append({"variant": variant, **entry})
    return [{"slot": key, "variants": add_rates(variants)} for key, variants in slots.items()]
