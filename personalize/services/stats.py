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
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from personalize.conf import get_setting, time_zone_name
from personalize.models import Event, Segment, SegmentDailyStat, VariantDailyStat, Visitor


@dataclass
class StatsResult:
    date: dt.date
    segments: int = 0
    variants: int = 0


def zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(time_zone_name())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of ``day`` in the statistics time zone, as aware datetimes."""
    tz = zone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def today() -> dt.date:
    return timezone.now().astimezone(zone()).date()


def variant_rows(start: dt.datetime, end: dt.datetime) -> dict[tuple[str, str], dict]:
    in_day = {"timestamp__gte": start, "timestamp__lt": end}
    rows: dict[tuple[str, str], dict] = {}

    def row(slot, variant):
        return rows.setdefault(
            (slot, variant),
            {"impressions": 0, "visitors": 0, "clicks": 0, "conversions": 0, "value": Decimal(0)},
        )

    shown = (
        Event.objects.filter(name=Event.IMPRESSION, **in_day)
        .exclude(slot="")
        .order_by()
        .values_list("slot", "variant")
        .annotate(impressions=Count("pk"), visitors=Count("visitor_id", distinct=True))
    )
    for slot, variant, impressions, visitors in shown:
        entry = row(slot, variant)
        entry["impressions"], entry["visitors"] = impressions, visitors
    clicked = (
        Event.objects.filter(name=Event.CLICK, **in_day)
        .exclude(slot="")
        .order_by()
        .values_list("slot", "variant")
        .annotate(clicks=Count("pk"))
    )
    for slot, variant, clicks in clicked:
        row(slot, variant)["clicks"] = clicks
    for slot, variant, converted, value in _conversions(start, end):
        entry = row(slot, variant)
        entry["conversions"] = converted
        entry["value"] = Decimal(str(value or 0)).quantize(Decimal("0.01"))
    return rows


def _conversions(start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """(slot, variant, converted visitors, conversion value) for exposures during the day."""
    names = [name for name in get_setting("CONVERSION_EVENTS") if isinstance(name, str)]
    if not names:
        return []
    q = connection.ops.quote_name
    meta = Event._meta
    table = q(meta.db_table)
    column = {
        name: q(meta.get_field(name).column)
        for name in ("visitor", "name", "slot", "variant", "timestamp", "value")
    }
    stamp = meta.get_field("timestamp")
    start_p = stamp.get_db_prep_value(start, connection)
    end_p = stamp.get_db_prep_value(end, connection)
    placeholders = ", ".join(["%s"] * len(names))
    # Identifiers come from model metadata, quoted; every value is a parameter.
    sql = (
        f"SELECT x.slot, x.variant, COUNT(DISTINCT x.visitor_id), SUM(c.{column['value']}) "  # noqa: S608
        f"FROM (SELECT {column['slot']} AS slot, {column['variant']} AS variant, "
        f"{column['visitor']} AS visitor_id, MIN({column['timestamp']}) AS first_ts "
        f"FROM {table} WHERE {column['name']} = %s AND {column['timestamp']} >= %s "
        f"AND {column['timestamp']} < %s AND {column['slot']} <> '' "
        f"GROUP BY {column['slot']}, {column['variant']}, {column['visitor']}) x "
        f"JOIN {table} c ON c.{column['visitor']} = x.visitor_id "
        f"AND c.{column['name']} IN ({placeholders}) "
        f"AND c.{column['timestamp']} >= x.first_ts AND c.{column['timestamp']} < %s "
        f"GROUP BY x.slot, x.variant"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Event.IMPRESSION, start_p, end_p, *names, end_p])
        return cursor.fetchall()


def segment_rows(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict[int, dict]:
    from personalize.engine.offline import offline_snapshot
    from personalize.services.segments import count_members

    active = Visitor.objects.filter(
        merged_into__isnull=True,
    ).filter(
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
        variants = variant_rows(start, end)
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
