"""Celery tasks: thin wrappers over :mod:`personalize.services` (the management commands run the
same services without Celery; see ``docs/tasks.md``).

Tasks take ids, never model instances, and are safe to run twice: each service is idempotent
(a drain re-ingests nothing twice, a rebuild or an aggregation recomputes and replaces, a purge
or an erasure finds nothing left). They are acknowledged late and retried with back-off on
transient errors (database or Redis unavailable). Queue them with :func:`enqueue`, which waits
for the current transaction to commit and never raises.

:func:`beat_schedule` returns the periodic schedule (read at call time); ``demo_site/celery.py``
shows how a project wires it.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.schedules import crontab
from django.db import InterfaceError, OperationalError, connection, transaction

from personalize.conf import get_setting
from personalize.utils import log_once

logger = logging.getLogger("personalize")

try:  # redis is an optional dependency (the buffered sink's)
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    _REDIS_ERRORS: tuple = (_RedisConnectionError, _RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is installed with the [redis] extra
    _REDIS_ERRORS = ()

#: Errors worth retrying: the database or Redis is (briefly) unavailable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, *_REDIS_ERRORS)

TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


def flush_time_budget() -> float:
    """How long one flush task may drain before it lets the next one take over (seconds)."""
    return max(10 * float(get_setting("BUFFER_FLUSH_INTERVAL")), 30.0)


@shared_task(**TASK_OPTIONS)
def flush_events(max_seconds: float | None = None) -> dict:
    """Drain the event buffer into the database (see :mod:`personalize.services.buffer`)."""
    from personalize.services import buffer

    try:
        result = buffer.drain(max_seconds=max_seconds or flush_time_budget())
    except buffer.BufferNotConfigured as exc:
        log_once("flush-no-redis", "personalize: %s", exc, level=logging.WARNING)
        return {"skipped": str(exc)}
    return result.as_dict()


@shared_task(**TASK_OPTIONS)
def rebuild_segment(segment_id: int) -> dict | None:
    """Recompute the member list of one static segment."""
    from personalize.models import Segment
    from personalize.services import segments

    try:
        result = segments.rebuild_segment(int(segment_id))
    except Segment.DoesNotExist:
        return None  # deleted since it was queued
    except segments.SegmentNotStatic:
        return None  # made dynamic since it was queued
    return {
        "segment_id": result.segment_id,
        "members": result.members,
        "added": result.added,
        "removed": result.removed,
        "in_sql": result.in_sql,
        "seconds": round(result.seconds, 3),
    }


@shared_task(**TASK_OPTIONS)
def rebuild_static_segments() -> int:
    """Queue a rebuild of every active static segment (each its own task); how many."""
    from personalize.models import Segment

    ids = list(Segment.objects.active().static().values_list("pk", flat=True))
    for segment_id in ids:
        enqueue(rebuild_segment, segment_id)
    return len(ids)


@shared_task(**TASK_OPTIONS)
def aggregate_stats(date: str | None = None) -> list[dict]:
    """Recompute daily statistics of ``date`` (ISO), or of yesterday and today."""
    from personalize.services import stats

    results = (
        [stats.aggregate_day(dt.date.fromisoformat(date))] if date else stats.aggregate_recent()
    )
    return [
        {"date": r.date.isoformat(), "segments": r.segments, "variants": r.variants}
        for r in results
    ]


@shared_task(**TASK_OPTIONS)
def purge_expired() -> dict:
    """Delete what is past the retention periods (:mod:`personalize.services.retention`)."""
    from personalize.services import retention

    return retention.purge().as_dict()


@shared_task(reject_on_worker_lost=True, **TASK_OPTIONS)
def erase_visitor(visitor_id: str) -> bool:
    """Erase a visitor for good (profile, events, memberships, cached state)."""
    from personalize.services import privacy

    return privacy.erase_visitor(visitor_id)


# -- queueing ---------------------------------------------------------------------------------
def enqueue(task, *args, **kwargs) -> bool | None:
    """Queue ``task`` once the current transaction commits (at once outside a transaction).

    Never raises and never waits on the broker beyond its connection timeout
    (``CELERY_BROKER_CONNECTION_TIMEOUT``): connecting and publishing are tried once. Returns
    whether the task was queued, or None when it waits for the commit. With
    ``CELERY_TASK_ALWAYS_EAGER`` (no broker) the task runs in-process instead.
    """
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _send(task, args, kwargs))
        return None
    return _send(task, args, kwargs)


def _send(task, args, kwargs) -> bool:
    app = task.app
    try:
        if app.conf.task_always_eager:
            task.apply_async(args=args, kwargs=kwargs)
        else:
            # A connection of its own, tried once: kombu's default would retry for seconds.
            with app.connection_for_write(transport_options={"max_retries": 0}) as conn:
                task.apply_async(args=args, kwargs=kwargs, retry=False, connection=conn)
    except Exception:
        log_once(
            ("enqueue", task.name),
            "personalize: could not queue %s (is the broker up?); run the matching "
            "management command instead.",
            task.name,
            exc_info=True,
        )
        return False
    return True


# -- the periodic schedule --------------------------------------------------------------------
def uses_buffered_sink() -> bool:
    from django.utils.module_loading import import_string

    from personalize.sinks import BufferedSink

    try:
        sink = import_string(get_setting("EVENT_SINK"))
    except ImportError:
        return False
    return isinstance(sink, type) and issubclass(sink, BufferedSink)


def beat_schedule() -> dict:
    """The periodic tasks, for ``app.conf.beat_schedule`` (settings read now).

    * flush the event buffer every ``PERSONALIZE_BUFFER_FLUSH_INTERVAL`` seconds, with the
      buffered sink or wherever a buffer Redis is known (``buffer_url()``): a worker whose
      settings name another sink still drains what a site configured differently buffered;
    * rebuild static segments every ``PERSONALIZE_REBUILD_INTERVAL`` seconds;
    * aggregate yesterday's and today's statistics every hour, at minute 5;
    * purge expired data every day at 03:30 (the Celery app's time zone).

    Each entry expires when its next run is due, so a backlog never piles up while no worker
    is running; the nightly purge expires after six hours, so that a late one does not start
    in the middle of the day.
    """
    interval = float(get_setting("BUFFER_FLUSH_INTERVAL"))
    rebuild = float(get_setting("REBUILD_INTERVAL"))
    schedule = {
        "personalize-rebuild-static-segments": {
            "task": "personalize.tasks.rebuild_static_segments",
            "schedule": rebuild,
            "options": {"expires": rebuild},
        },
        "personalize-aggregate-stats": {
            "task": "personalize.tasks.aggregate_stats",
            "schedule": crontab(minute=5),
            "options": {"expires": 3600},
        },
        "personalize-purge-expired": {
            "task": "personalize.tasks.purge_expired",
            "schedule": crontab(hour=3, minute=30),
            "options": {"expires": 6 * 3600},
        },
    }
    from personalize.buffer import buffer_url

    if uses_buffered_sink() or buffer_url():
        schedule["personalize-flush-events"] = {
            "task": "personalize.tasks.flush_events",
            "schedule": interval,
            "options": {"expires": interval},
        }
    return schedule
