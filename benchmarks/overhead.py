"""Request overhead: a 10-slot page with 10 vs 1,000 segments, against the page without it.

The floor is the same page (the same ten ``{% personalize %}`` tags, which then render their
inline defaults) served by a handler whose MIDDLEWARE lacks PersonalizeMiddleware. The measured
handler is the full stack for a returning visitor: cookie, profile from the cache, lazy
evaluation of the segments the ten slots target, page view and impressions handed to the
configured event sink (the database sink by default, so each request writes its event). A
second returning visitor, whose profile is as large as profiles get (a month of daily browsing,
trimmed to ``PERSONALIZE_PROFILE_MAX_BYTES``), is measured on the same page.

    python -m benchmarks overhead [--rounds=N] [--requests=N]
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from benchmarks._services import option
from benchmarks.common import DESKTOP

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

SLOTS = 10


def _options(argv):
    return {"rounds": option(argv, "rounds", 15), "requests": option(argv, "requests", 200)}


def _setup_database():
    import django
    from django.db import connection

    django.setup()
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        settings_dict.setdefault("TEST", {})["NAME"] = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return connection


def _definitions(segment_count: int) -> None:
    from personalize import models
    from personalize.engine import snapshot

    models.Variant.objects.all().delete()
    models.Slot.objects.all().delete()
    models.Rule.objects.all().delete()
    models.Segment.objects.all().delete()
    segments = models.Segment.objects.bulk_create(
        models.Segment(name=f"Segment {i}", slug=f"segment-{i}") for i in range(segment_count)
    )
    for i, segment in enumerate(segments):
        # even segments match the benchmark's visitor, odd ones do not
        campaign = "spring" if i % 2 == 0 else f"campaign-{i}"
        models.UTMRule.objects.create(segment=segment, parameter="utm_campaign", value=campaign)
        models.PageVisitRule.objects.create(segment=segment, path="/page/", count=1)
        models.DeviceRule.objects.create(segment=segment, device_types=["desktop", "mobile"])
    for i in range(SLOTS):
        slot = models.Slot.objects.create(key=f"slot-{i}")
        for priority, offset in enumerate((0, SLOTS, 2 * SLOTS)):
            models.Variant.objects.create(
                slot=slot,
                name=f"V{i}-{offset}",
                slug=f"v{offset}",
                segment=segments[(i + offset) % segment_count],
                priority=3 - priority,
                title=f"Variant {i}",
                body="<p>Personalized</p>",
            )
        models.Variant.objects.create(slot=slot, name="Default", slug="default", title="Default")
    snapshot.reset()


def _handlers():
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    full = WSGIHandler()
    without = [m for m in settings.MIDDLEWARE if "personalize" not in m]
    with override_settings(MIDDLEWARE=without):
        floor = WSGIHandler()
    return floor, full


def _environ(cookie: str = "") -> dict:
    from django.test import RequestFactory

    request = RequestFactory().get(
        "/page/?utm_campaign=spring",
        HTTP_USER_AGENT=DESKTOP,
        HTTP_ACCEPT="text/html,application/xhtml+xml",
        HTTP_REFERER="http://testserver/",
        REMOTE_ADDR="81.2.69.142",
    )
    environ = dict(request.environ)
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def _call(handler, environ) -> tuple[str, list]:
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"] = status
        captured["headers"] = headers

    body = b"".join(handler(dict(environ), start_response))
    assert captured["status"].startswith("200"), captured["status"]
    return body.decode(), captured["headers"]


def _returning_visitor(handler) -> str:
    _html, headers = _call(handler, _environ())
    for name, value in headers:
        value = value.strip()
        if name == "Set-Cookie" and value.startswith("personalize_vid="):
            return value.split(";", 1)[0]
    raise RuntimeError("the first request did not set the visitor cookie")


def _rich_visitor(handler, cookie: str) -> str:
    """A second returning visitor whose stored profile is as large as profiles get (close to
    ``PERSONALIZE_PROFILE_MAX_BYTES``): every kept page, event, topic and signal slot in use,
    traits and a campaign source. Returns its cookie."""
    from personalize.conf import get_setting
    from personalize.profile import MAX_EVENTS, MAX_PAGES, MAX_SIGNALS, MAX_TOPICS
    from personalize.request_facts import _read_cookie
    from personalize.store import get_store

    cookie = _returning_visitor(handler)
    visitor_id = _read_cookie(*cookie.split("=", 1))[0]
    store = get_store()
    profile = store.load(visitor_id, with_memberships=False)
    now = time.time()
    for day in range(30, 0, -1):  # a month of browsing: per-day rows in every entry
        ts = now - day * 86400
        for i in range(MAX_PAGES):
            profile.record_page_view(f"/catalogue/category-{i % 7}/product-{i}/", ts)
        for i in range(MAX_EVENTS):
            profile.record_event(f"event-{i}", 19.99 if i % 2 else None, ts)
    for i in range(MAX_TOPICS):
        profile.add_interest(f"topic-{i}", 1.0, now)
    for i in range(MAX_SIGNALS):
        profile.add_intent_points(str(1000 + i), 1.0, 0, 86400, now)
    profile.traits = {"first_name": "Jeff", "plan": "gold", "handicap": 28}
    profile.record_page_view("/page/", now)
    store.save(profile)  # compacts to the limit
    size = profile.serialized_size()
    limit = get_setting("PROFILE_MAX_BYTES")
    assert size > limit * 0.8, f"the rich profile has only {size} bytes"
    return cookie, size


def _per_request(handler, environ, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        _call(handler, environ)
    return (time.perf_counter() - start) / count


def _queries(handler, environ) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _call(handler, environ)
    sink = [
        q
        for q in captured.captured_queries
        if "personalize_event" in q["sql"]
        or "personalize_visitor" in q["sql"]
        or q["sql"] in ("BEGIN", "COMMIT")
        or q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    return len(captured.captured_queries), len(captured.captured_queries) - len(sink)


def _load_time() -> float:
    """Median time to load the definitions into a snapshot (what a process does after a
    change), over five loads."""
    from personalize.engine.snapshot import build_snapshot

    times = []
    for _ in range(5):
        start = time.perf_counter()
        build_snapshot("bench")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(segment_count: int, options) -> dict:
    _definitions(segment_count)
    load = _load_time()
    floor, full = _handlers()
    cookie = _returning_visitor(full)
    environ = _environ(cookie)
    for _ in range(20):  # warm both: templates, snapshot, user agent and geo caches
        _call(floor, environ)
        _call(full, environ)
    html, _headers = _call(full, environ)
    personalized = html.count('data-personalize-variant="v')
    total_queries, other_queries = _queries(full, environ)
    rich_cookie, rich_size = _rich_visitor(full, cookie)
    rich_environ = _environ(rich_cookie)
    for _ in range(20):
        _call(full, rich_environ)
    floors, fulls, richs = [], [], []
    for _ in range(options["rounds"]):
        floors.append(_per_request(floor, environ, options["requests"]))
        fulls.append(_per_request(full, environ, options["requests"]))
        richs.append(_per_request(full, rich_environ, options["requests"]))
    return {
        "segments": segment_count,
        "floor": statistics.median(floors),
        "full": statistics.median(fulls),
        "rich": statistics.median(richs),
        "rich_size": rich_size,
        "personalized_slots": personalized,
        "queries": total_queries,
        "evaluation_queries": other_queries,
        "load": load,
    }


def report(options, sink: str) -> None:
    from django.test import override_settings

    with override_settings(PERSONALIZE_EVENT_SINK=sink):
        results = [measure(count, options) for count in (10, 1000)]
    print(f"-- event sink: {sink}")
    for result in results:
        ratio = result["full"] / result["floor"]
        print(
            f"{result['segments']:>5} segments: floor {result['floor'] * 1e3:.3f} ms, "
            f"with personalize {result['full'] * 1e3:.3f} ms -> {ratio:.2f}x the floor "
            f"(target <= 2.00x); {result['personalized_slots']}/10 slots personalized; "
            f"{result['queries']} queries per request, {result['evaluation_queries']} for "
            "evaluation and rendering (target 0)"
        )
        print(
            f"{'':>5}   a visitor with a {result['rich_size']:,}-byte profile: "
            f"{result['rich'] * 1e3:.3f} ms -> {result['rich'] / result['floor']:.2f}x the floor"
        )
    small, large = results
    print(
        f"1,000 vs 10 segments: request time ratio {large['full'] / small['full']:.2f} "
        f"(target within 10%: 0.90-1.10)"
    )
    print(
        f"definitions loaded after a change: {small['load'] * 1e3:.1f} ms for 10 segments, "
        f"{large['load'] * 1e3:.1f} ms for 1,000 (once per process and change)"
    )


def main(argv) -> None:
    options = _options(argv)
    connection = _setup_database()
    print(
        f"database: {connection.vendor}; {options['rounds']} rounds x {options['requests']} "
        "requests, medians; 10 slots, 3 rules per segment, 5 of 10 slots personalized"
    )
    for sink in ("personalize.sinks.DatabaseSink", "benchmarks.common.NullSink"):
        report(options, sink)
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main(sys.argv[1:])
