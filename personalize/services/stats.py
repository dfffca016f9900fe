# ruff: noqa: S608 - SQL is built from quoted model metadata only; every value is a parameter.
"""Daily statistics: visitors per segment, impressions, clicks and conversions per variant.

A day is a calendar day in ``PERSONALIZE_TIME_ZONE`` (else ``TIME_ZONE``). Aggregating a day
recomputes it from the events and replaces its rows in one transaction, so running it again
(a retried task, a late batch of events) never counts twice.

* ``VariantDailyStat.impressions``: ``impression`` events of the slot/variant that day (one per
  visitor and visit, see the middleware); ``visitors``: distinct visitors among them;
  ``clicks``: ``click`` events of the slot/variant; ``conversions``: visitors shown the variant
  that day who had an event named in ``PERSONALIZE_CONVERSION_EVENTS`` later the same day, and
  ``conversion_value`` the total value of those conversion events. The control group appears as
  variant ``control``, for measuring lift.
* ``SegmentDailyStat.visitors``: visitors with at least one event that day who are in the
  segment, as evaluated when aggregating (static segments: their member list; dynamic ones:
  their rules, in SQL where they push down); ``members``: a static segment's list size.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from personalize.conf import get_setting, time_zone_name
from personalize.engine.selection import CONTROL
from personalize.models import Event, Segment, SegmentDailyStat, VariantDailyStat, Visitor

#: The days statistics are computed for, by the daily aggregation and the API's ranges (far
#: from the ends of ``datetime.date``, so that day bounds in any time zone exist).
EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(9000, 1, 1)


@dataclass
class StatsResult:
    date: dt.date
    segments: int = 0
    variants: int = 0


def zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(time_zone_name())


def day_bounds(first: dt.date, last: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start of ``first``, end of ``last``) in the statistics time zone, as aware datetimes.

    ``last`` defaults to ``first``: one day. Every date window of the statistics (the daily
    aggregation, the API's ranges) is computed here.
    """
    tz = zone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine((last or first) + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def today() -> dt.date:
    return timezone.now().astimezone(zone()).date()


def variant_rows(
    slot: str | None, start: dt.datetime, end: dt.datetime
) -> dict[tuple[str, str], dict]:
    """(slot, variant) -> figures of ``[start, end)``, of one slot or (``None``) of every slot.

    One statement and one pass over the window's impression and click events, grouped per slot,
    variant and visitor: ``impressions``, ``visitors`` (distinct visitors shown it), ``clicks``,
    ``conversions`` (visitors shown it who then, before ``end``, sent an event named in
    ``PERSONALIZE_CONVERSION_EVENTS``) and ``value`` (the total value of those events).
    """
    q = connection.ops.quote_name
    meta = Event._meta
    table = q(meta.db_table)
    column = {
        name: q(meta.get_field(name).column)
        for name in ("id", "visitor", "name", "slot", "variant", "timestamp", "value")
    }
    stamp = meta.get_field("timestamp")
    start_p = stamp.get_db_prep_value(start, connection)
    end_p = stamp.get_db_prep_value(end, connection)
    only_slot = f"AND {column['slot']} = %s " if slot else ""
    # Per slot, variant and visitor: impressions, clicks, and the first impression.
    seen = (
        f"SELECT {column['slot']} AS slot, {column['variant']} AS variant, "
        f"{column['visitor']} AS visitor_id, "
        f"SUM(CASE WHEN {column['name']} = %s THEN 1 ELSE 0 END) AS impressions, "
        f"SUM(CASE WHEN {column['name']} = %s THEN 1 ELSE 0 END) AS clicks, "
        f"MIN(CASE WHEN {column['name']} = %s THEN {column['timestamp']} END) AS first_ts "
        f"FROM {table} WHERE {column['name']} IN (%s, %s) AND {column['timestamp']} >= %s "
        f"AND {column['timestamp']} < %s AND {column['slot']} <> '' {only_slot}"
        f"GROUP BY {column['slot']}, {column['variant']}, {column['visitor']}"
    )
    params: list = [Event.IMPRESSION, Event.CLICK, Event.IMPRESSION]
    params += [Event.IMPRESSION, Event.CLICK, start_p, end_p] + ([slot] if slot else [])
    names = [name for name in get_setting("CONVERSION_EVENTS") if isinstance(name, str)]
    if names:
        # Each visitor's conversion events after their first impression, before the end.
        per_visitor = (
            f"SELECT x.slot, x.variant, x.impressions, x.clicks, "
            f"COUNT(c.{column['id']}) AS converted, SUM(c.{column['value']}) AS value "
            f"FROM ({seen}) x LEFT JOIN {table} c ON c.{column['visitor']} = x.visitor_id "
            f"AND c.{column['name']} IN ({', '.join(['%s'] * len(names))}) "
            f"AND c.{column['timestamp']} >= x.first_ts AND c.{column['timestamp']} < %s "
            f"GROUP BY x.slot, x.variant, x.visitor_id, x.impressions, x.clicks"
        )
        params += [*names, end_p]
    else:
        per_visitor = (
            f"SELECT x.slot, x.variant, x.impressions, x.clicks, 0 AS converted, "
            f"0 AS value FROM ({seen}) x"
        )
    sql = (
        "SELECT p.slot, p.variant, SUM(p.impressions), "
        "SUM(CASE WHEN p.impressions > 0 THEN 1 ELSE 0 END), SUM(p.clicks), "
        "SUM(CASE WHEN p.converted > 0 THEN 1 ELSE 0 END), SUM(p.value) "
        f"FROM ({per_visitor}) p GROUP BY p.slot, p.variant ORDER BY p.slot, p.variant"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return {
        (slot_key, variant): {
            "impressions": int(impressions),
            "visitors": int(visitors),
            "clicks": int(clicks),
            "conversions": int(conversions),
            "value": Decimal(str(value or 0)).quantize(Decimal("0.01")),
        }
        for slot_key, variant, impressions, visitors, clicks, conversions, value in found
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


#: The confidence from which a difference with the control group is called significant.
SIGNIFICANT = 0.95
#: Normal quantile of the 95% intervals of conversion rates.
Z95 = 1.959964
#: Fewest expected converted and unconverted visitors in each group for the normal
#: approximation of the significance test to hold; below it there is not enough data.
MIN_EXPECTED = 5


def rate_interval(part: int, whole: int) -> tuple[float, float] | None:
    """The 95% Wilson score interval of the rate ``part / whole`` (None when ``whole`` is 0):
    where the true rate lies, given how few visitors it was measured on."""
    if whole <= 0:
        return None
    rate = min(max(part / whole, 0.0), 1.0)
    z2 = Z95 * Z95
    scale = 1 + z2 / whole
    centre = (rate + z2 / (2 * whole)) / scale
    spread = Z95 * math.sqrt(rate * (1 - rate) / whole + z2 / (4 * whole * whole)) / scale
    return round(max(centre - spread, 0.0), 4), round(min(centre + spread, 1.0), 4)


def difference_confidence(converted: int, visitors: int, base_converted: int, base_visitors: int):
    """How confident one can be that a conversion rate differs from the control's by more than
    chance: 1 minus the two-sided p-value of the pooled two-proportion z-test, in [0, 1].

    None when there is too little data for the test (fewer than :data:`MIN_EXPECTED` expected
    converted or unconverted visitors in either group). A fixed-horizon test: decide how many
    visitors to wait for, then read it; checking every day until it crosses 95% finds
    differences that are not there.
    """
    if visitors <= 0 or base_visitors <= 0:
        return None
    pooled = (converted + base_converted) / (visitors + base_visitors)
    smallest = min(visitors, base_visitors) * min(pooled, 1 - pooled)
    if smallest < MIN_EXPECTED:
        return None
    error = math.sqrt(pooled * (1 - pooled) * (1 / visitors + 1 / base_visitors))
    z = (converted / visitors - base_converted / base_visitors) / error
    return round(1 - math.erfc(abs(z) / math.sqrt(2)), 4)


def add_rates(variants: list[dict]) -> list[dict]:
    """Add to the figures of one slot's variants (dicts with ``variant``, ``impressions``,
    ``visitors``, ``clicks``, ``conversions``):

    * ``conversion_rate`` (conversions per visitor) and its 95% interval
      ``conversion_rate_interval`` (``[low, high]``, see :func:`rate_interval`);
    * ``click_rate`` (clicks per impression);
    * ``lift``: the conversion rate over the control group's, minus one;
    * ``confidence``: that the conversion rate differs from the control group's by more than
      chance (:func:`difference_confidence`), and ``significant``: it reaches
      :data:`SIGNIFICANT`.

    The last three are None without a control group, for the control itself, and (the last
    two) when there is not enough data yet. Returns ``variants``."""
    for entry in variants:
        entry["conversion_rate"] = _rate(entry["conversions"], entry["visitors"])
        interval = rate_interval(entry["conversions"], entry["visitors"])
        entry["conversion_rate_interval"] = list(interval) if interval else None
        entry["click_rate"] = _rate(entry["clicks"], entry["impressions"])
    control = next((v for v in variants if v["variant"] == CONTROL), None)
    base = control["conversion_rate"] if control else None
    for entry in variants:
        rate = entry["conversion_rate"]
        compared = control is not None and entry is not control and rate is not None
        entry["lift"] = round(rate / base - 1, 4) if compared and base else None
        confidence = (
            difference_confidence(
                entry["conversions"],
                entry["visitors"],
                control["conversions"],
                control["visitors"],
            )
            if compared
            else None
        )
        entry["confidence"] = confidence
        entry["significant"] = None if confidence is None else confidence >= SIGNIFICANT
    return variants


def segment_rows(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict[int, dict]:
    from personalize.engine.offline import offline_snapshot
    from personalize.services.segments import count_members

    active = Visitor.objects.live().filter(
        Exists(
            Event.objects.filter(visitor_id=OuterRef("pk"), timestamp__gte=start, timestamp__lt=end)
        )
    )
    snapshot = offline_snapshot()
    rows = {}
    for segment in Segment.objects.active():
        rows[segment.pk] = {
            "visitors": count_members(segment, active, snapshot=snapshot, now=now),
            "members": segment.member_count if segment.is_static else None,
        }
    return rows


def aggregate_day(day: dt.date) -> StatsResult:
    """Recompute ``day``'s statistics, replacing its rows."""
    start, end = day_bounds(day)
    now = timezone.now()
    evaluated_at = min(now, end)
    result = StatsResult(date=day)
    with transaction.atomic():
        variants = variant_rows(None, start, end)
        segments = segment_rows(start, end, evaluated_at)
        VariantDailyStat.objects.filter(date=day).delete()
        SegmentDailyStat.objects.filter(date=day).delete()
        VariantDailyStat.objects.bulk_create(
            VariantDailyStat(
                date=day,
                slot=slot,
                variant=variant,
                impressions=data["impressions"],
                visitors=data["visitors"],
                clicks=data["clicks"],
                conversions=data["conversions"],
                conversion_value=data["value"],
                computed_at=now,
            )
            for (slot, variant), data in sorted(variants.items())
        )
        SegmentDailyStat.objects.bulk_create(
            SegmentDailyStat(
                date=day,
                segment_id=segment_id,
                visitors=data["visitors"],
                members=data["members"],
                computed_at=now,
            )
            for segment_id, data in segments.items()
        )
    result.variants, result.segments = len(variants), len(segments)
    return result


def aggregate_recent() -> list[StatsResult]:
    """Today so far and yesterday (events of yesterday may still arrive from the buffer)."""
    current = today()
    return [aggregate_day(current - dt.timedelta(days=1)), aggregate_day(current)]
