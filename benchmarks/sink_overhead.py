"""Page overhead of the buffered sink vs the database sink (demo pages, PostgreSQL + Redis).

The same returning visitor browses the Fairway Golf demo (profile store on Redis) three ways:
without personalize (``PERSONALIZE_ENABLED = False``: the floor), with the database sink (each
page view written to PostgreSQL inside the request) and with the buffered sink (one Redis call
per request). Figures are medians of several rounds, per request.

    python -m benchmarks sink_overhead [--rounds=N] [--requests=N]
"""

from __future__ import annotations

import io
import statistics
import sys

from benchmarks import _services as bench
from benchmarks.common import DESKTOP

NAME = "sink_overhead"
PAGES = ["/", "/clubs/", "/clubs/beginner-set/", "/deals/", "/inspiration/", "/compare/"]


def _round(client, requests: int) -> float:
    with bench.Timer() as timer:
        for index in range(requests):
            response = client.get(PAGES[index % len(PAGES)])
            assert response.status_code == 200
    return timer.seconds / requests


def run(argv: list[str]) -> None:
    rounds = bench.option(argv, "rounds", 7)
    requests = bench.option(argv, "requests", 120)
    env = bench.setup(NAME)
    from django.core.management import call_command
    from django.test import Client, override_settings

    from personalize import sinks
    from personalize.models import Event, Visitor

    call_command("loaddemo", "--no-admin", verbosity=0, stdout=io.StringIO())
    bench.empty_tables(Event, Visitor)
    configurations = {
        "floor: personalize disabled": {"PERSONALIZE_ENABLED": False},
        "database sink": {"PERSONALIZE_EVENT_SINK": "personalize.sinks.DatabaseSink"},
        "buffered sink": {"PERSONALIZE_EVENT_SINK": "personalize.sinks.BufferedSink"},
    }
    timings: dict[str, list[float]] = {name: [] for name in configurations}
    try:
        clients = {}
        for name, overrides in configurations.items():
            with override_settings(**overrides):
                sinks._sink_for.cache_clear()
                client = clients[name] = Client(HTTP_USER_AGENT=DESKTOP, HTTP_ACCEPT="text/html")
                _round(client, len(PAGES) * 2)  # warm: visitor, profile, snapshot, templates
        for _ in range(rounds):  # interleaved, so load changes hit every configuration alike
            for name, overrides in configurations.items():
                with override_settings(**overrides):
                    timings[name].append(_round(clients[name], requests))
        buffered = sinks._sink_for("personalize.sinks.BufferedSink")
        assert buffered.stats.get("dropped") == 0
    finally:
        bench.cleanup_redis(env["prefix"])
    medians = {name: statistics.median(values) for name, values in timings.items()}
    floor = medians["floor: personalize disabled"]
    print(f"  {rounds} rounds x {requests} requests, returning visitor, demo pages")
    for name, seconds in medians.items():
        extra = "" if seconds == floor else f" = {seconds / floor:.2f}x floor"
        bench.line(name, f"{seconds * 1000:.2f} ms/request{extra}")
    db_extra = medians["database sink"] - floor
    buffered_extra = medians["buffered sink"] - floor
    bench.line(
        "added by personalize: database vs buffered sink",
        f"{db_extra * 1000:.2f} ms vs {buffered_extra * 1000:.2f} ms per request",
    )


def main(argv: list[str]) -> None:
    bench.run_isolated(f"benchmarks.{NAME}", argv)


if __name__ == "__main__":
    run(sys.argv[1:])
