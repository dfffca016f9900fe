"""Event ingest through the buffered sink into PostgreSQL (target: >= 20,000 events/s).

Requests hand batches (a page view and an impression, one visitor each) to the BufferedSink,
which appends them to Redis; the drain then moves them into PostgreSQL exactly as the Celery
flush task does (claim, ingest with INSERT ... ON CONFLICT DO NOTHING RETURNING, counters,
acknowledge). The floor is a plain COPY of the same event rows into a table with the same
columns and indexes, measured in the same run.

Each drain is measured ``--repeat`` times (median shown), with 1 worker and with ``--workers``
processes draining concurrently (a deployment runs several Celery worker processes).

    python -m benchmarks ingest [--events=N] [--visitors=N] [--workers=N] [--repeat=N]
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import uuid

from benchmarks import _services as bench

NAME = "ingest"


def _batches(events: int, visitors: int) -> list[dict]:
    ids = [uuid.uuid4().hex for _ in range(visitors)]
    now = time.time()
    batches = []
    for index in range(events // 2):
        vid = ids[index % visitors]
        common = {
            "ts": now - (events - index) * 0.01,
            "path": f"/clubs/product-{index % 50}/",
            "referrer": "",
            "medium": "search",
            "source": "google",
            "utm_source": "",
            "utm_medium": "",
            "utm_campaign": "",
            "properties": {},
        }
        batches.append(
            {
                "visitor": {
                    "id": vid,
                    "first_seen": now - 3600,
                    "device_type": "mobile",
                    "browser": "Chrome",
                    "os": "Android",
                    "country": "GB",
                    "region": "",
                    "city": "",
                    "language": "en-gb",
                },
                "events": [
                    {**common, "key": uuid.uuid4().hex, "name": "page_view", "new_visit": True},
                    {
                        **common,
                        "key": uuid.uuid4().hex,
                        "name": "impression",
                        "slot": "home-hero",
                        "variant": "default",
                    },
                ],
            }
        )
    return batches


def _floor(batches: list[dict]) -> float:
    """Seconds to COPY the same rows into a twin of the event table (indexes included)."""
    import json

    from django.db import connection

    from personalize.models import Event

    table = Event._meta.db_table
    fields = [f for f in Event._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    rows = []
    for data in batches:
        vid = uuid.UUID(data["visitor"]["id"])
        for event in data["events"]:
            values = {
                "visitor_id": vid,
                "name": event["name"],
                "path": event["path"],
                "referrer": "",
                "medium": event["medium"],
                "source": event["source"],
                "utm_source": "",
                "utm_medium": "",
                "utm_campaign": "",
                "slot": event.get("slot", ""),
                "variant": event.get("variant", ""),
                "value": None,
                "properties": json.dumps({"new_visit": True} if event.get("new_visit") else {}),
                "timestamp": bench_timestamp(event["ts"]),
                "idempotency_key": event["key"],
            }
            rows.append(tuple(values[column] for column in columns))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS personalize_bench_copy")
        cursor.execute(f"CREATE TABLE personalize_bench_copy (LIKE {table} INCLUDING ALL)")
        raw = cursor.cursor
        copy_sql = f"COPY personalize_bench_copy ({', '.join(columns)}) FROM STDIN"
        with bench.Timer() as timer, raw.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("DROP TABLE personalize_bench_copy")
    return timer.seconds


def bench_timestamp(ts: float):
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.UTC)


def _drain_with(workers: int) -> float:
    """Seconds for ``workers`` processes (each a Celery worker's drain) to empty the buffer."""
    import multiprocessing

    from django.db import connections

    from personalize.services import buffer

    connections.close_all()  # each forked process opens its own connection
    gc.collect()
    gc.freeze()  # the benchmark's own objects (all the batches) are no worker's garbage to scan
    with bench.Timer() as timer:
        if workers == 1:
            buffer.drain()
        else:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                pool.map(_drain_in_child, range(workers))
    gc.unfreeze()
    return timer.seconds


def _drain_in_child(_index) -> int:
    from django.db import connections

    from personalize.services import buffer

    connections.close_all()
    try:
        return buffer.drain().events
    finally:
        connections.close_all()


def run(argv: list[str]) -> None:
    events = bench.option(argv, "events", 100_000)
    visitors = bench.option(argv, "visitors", 20_000)
    workers = bench.option(argv, "workers", 2)
    repeat = bench.option(argv, "repeat", 3)
    env = bench.setup(NAME)
    from django.conf import settings

    from personalize import sinks
    from personalize.models import Event, Visitor

    settings.PERSONALIZE_EVENT_SINK = "personalize.sinks.BufferedSink"
    settings.PERSONALIZE_BUFFER_MAX_LENGTH = 10 * events
    sinks._sink_for.cache_clear()
    sink = sinks.get_sink()
    batches = _batches(events, visitors)

    def check():
        stored = Event.objects.count()
        views = sum(Visitor.objects.values_list("page_views", flat=True))
        assert stored == events, (stored, events)
        assert views == events // 2, (views, events // 2)

    drains: dict[int, list[float]] = {}
    try:
        for count in sorted({1, workers}):
            for _ in range(repeat):
                bench.empty_tables(Event, Visitor)
                with bench.Timer() as emit:
                    for data in batches:
                        sink.emit(data)
                drains.setdefault(count, []).append(_drain_with(count))
                check()
        assert sink.stats.get("dropped") == 0
        for data in batches:  # everything again: a redelivery, all duplicates
            sink.emit(data)
        again = _drain_with(1)
        check()
        floor = _floor(batches)
    finally:
        bench.cleanup_redis(env["prefix"])
    floor_rate = events / floor
    print(f"  {events:,} events ({events // 2:,} batches, {visitors:,} visitors), PostgreSQL")
    bench.line(
        "request side: BufferedSink.emit",
        f"{events / emit.seconds:,.0f} events/s ({emit.seconds / len(batches) * 1e6:,.0f} us "
        "per request)",
    )
    for count, runs in drains.items():
        seconds = statistics.median(runs)
        rate = events / seconds
        bench.line(
            f"ingest, {count} worker{'s' if count > 1 else ''}: Redis -> PostgreSQL",
            f"{rate:,.0f} events/s ({seconds:.2f} s) = {rate / floor_rate:.2f}x floor",
        )
    bench.line("floor: one COPY of the same rows", f"{floor_rate:,.0f} events/s ({floor:.2f} s)")
    bench.line(
        "redelivery of everything, 1 worker", f"{events / again:,.0f} events/s, 0 stored twice"
    )
    best = max(events / statistics.median(runs) for runs in drains.values())
    bench.line("target >= 20,000 events/s", "meets" if best >= 20_000 else "MISSES")


def main(argv: list[str]) -> None:
    bench.run_isolated(f"benchmarks.{NAME}", argv)


if __name__ == "__main__":
    run(sys.argv[1:])
