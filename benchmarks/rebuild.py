"""Static segment rebuild where the rules compile to SQL (target: 1,000,000 visitors <= 60 s).

Seeds a database of its own (``<bench database>_rebuild_<N>``, kept between runs) with N visitors
and three page views each, then rebuilds a static segment "viewed /clubs/ pages at least twice
in the last 30 days, on a mobile": first from an empty list (every member inserted), then again
(nothing changes, the difference is computed). The floor is the bare SQL count of the same
query, measured in the same run. 100,000 visitors always; 1,000,000 with ``--large``.

    python -m benchmarks rebuild [--large] [--visitors=N]
"""

from __future__ import annotations

import sys

from benchmarks import _services as bench

NAME = "rebuild"
PATHS = ["/clubs/beginner-set/", "/clubs/", "/deals/", "/inspiration/", "/clubs/tour-set/"]


def _columns(model, overrides: dict[str, str]):
    """Column list and SELECT expressions: ``overrides`` (SQL) or the model default (param)."""
    from django.db import connection

    template = model()
    columns, selects, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.attname not in overrides:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in overrides:
            selects.append(overrides[field.attname].replace("%", "%%"))  # literal modulo
        else:
            selects.append("%s")
            params.append(field.get_db_prep_save(getattr(template, field.attname), connection))
    return columns, selects, params


def _seed(visitors: int) -> None:
    from django.db import connection

    from personalize.models import Event, Membership, Visitor

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Visitor._meta.db_table}")
        if cursor.fetchone()[0] == visitors:
            return
    print(f"  seeding {visitors:,} visitors and {3 * visitors:,} page views (kept for next runs)")
    bench.empty_tables(Membership, Event, Visitor)
    vid = "md5('bench-' || g)::uuid"
    columns, selects, params = _columns(
        Visitor,
        {
            "id": vid,
            "first_seen": "now() - interval '90 days'",
            "last_seen": "now() - (g % 30) * interval '1 day'",
            "visit_count": "1 + g % 5",
            "page_views": "3",
            "country": "(ARRAY['GB','FR','US','DE'])[1 + g % 4]",
            "device_type": "(ARRAY['mobile','desktop','tablet'])[1 + g % 3]",
        },
    )
    paths = "ARRAY[" + ", ".join(f"'{path}'" for path in PATHS) + "]"
    event_columns, event_selects, event_params = _columns(
        Event,
        {
            "visitor_id": vid,
            "name": "'page_view'",
            "path": f"({paths})[1 + (g * 7 + k * 3) % {len(PATHS)}]",
            "medium": "'search'",
            "source": "'google'",
            "timestamp": "now() - ((g + k * 11) % 60) * interval '1 day'",
            "idempotency_key": "md5('bench-' || g || '-' || k)",
        },
    )
    with bench.Timer() as timer, connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Visitor._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(selects)} FROM generate_series(1, %s) AS g",
            [*params, visitors],
        )
        cursor.execute(
            f"INSERT INTO {Event._meta.db_table} ({', '.join(event_columns)}) "
            f"SELECT {', '.join(event_selects)} FROM generate_series(1, %s) AS g, "
            "generate_series(1, 3) AS k",
            [*event_params, visitors],
        )
        cursor.execute(f"ANALYZE {Visitor._meta.db_table}")
        cursor.execute(f"ANALYZE {Event._meta.db_table}")
    print(f"  seeded in {timer.seconds:.1f} s")


def _segment():
    from personalize.models import DeviceRule, PageVisitRule, Segment

    segment, _ = Segment.objects.update_or_create(
        slug="bench-mobile-club-fans",
        defaults={"name": "Mobile club fans", "kind": "static", "match": "all"},
    )
    segment.rules.all().delete()
    PageVisitRule.objects.create(
        segment=segment,
        path_operator="starts_with",
        path="/clubs/",
        count_operator="gte",
        count=2,
        within_days=30,
    )
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    return segment


def _measure(visitors: int) -> None:
    import datetime as dt

    from personalize.engine.snapshot import prepare_rules
    from personalize.models import Membership, Visitor
    from personalize.services import segments
    from personalize.services.sql import raw_delete

    _seed(visitors)
    segment = _segment()
    raw_delete(Membership.objects.filter(segment=segment))
    now = dt.datetime.now(dt.UTC)
    compiled = segments.compile_segment(segment, now, prepare_rules(segment.rules.all(), None))
    assert compiled.in_sql
    query = Visitor.objects.live().filter(compiled.sql)
    query.count()  # warm the caches, as the rebuilds after it will find them
    with bench.Timer() as floor:
        expected = query.count()
    first = segments.rebuild_segment(segment.pk, now=now)
    second = segments.rebuild_segment(segment.pk, now=now)
    assert first.members == expected == second.members, (first.members, expected)
    assert (second.added, second.removed) == (0, 0)
    print(f"  {visitors:,} visitors, {expected:,} members (rules in SQL)")
    bench.line("floor: SELECT count(*) of the same query", f"{floor.seconds:.2f} s")
    bench.line(
        "rebuild from an empty list",
        f"{first.seconds:.2f} s = {first.seconds / floor.seconds:.2f}x floor",
    )
    bench.line(
        "rebuild again (no change)",
        f"{second.seconds:.2f} s = {second.seconds / floor.seconds:.2f}x floor",
    )
    if visitors >= 1_000_000:
        bench.line(
            "target: 1,000,000 visitors <= 60 s", "meets" if first.seconds <= 60 else "MISSES"
        )


def run(argv: list[str]) -> None:
    visitors = bench.option(argv, "visitors", 100_000)
    # A database per size, kept between runs: each is seeded once.
    bench.setup(NAME, redis=False, database_suffix=f"_rebuild_{visitors}")
    _measure(visitors)


def main(argv: list[str]) -> None:
    sizes = [bench.option(argv, "visitors", 100_000)]
    if "--large" in argv:
        sizes.append(1_000_000)
    for visitors in sizes:
        bench.run_isolated(f"benchmarks.{NAME}", [f"--visitors={visitors}"])
    if "--large" not in argv:
        bench.line("1,000,000 visitors", "run with --large (seeding takes a few minutes, once)")


if __name__ == "__main__":
    run(sys.argv[1:])
