"""Recording a batch of events sent by a page, through ``request.visitor`` and its sink.

The events are recorded like any page's events (see :mod:`personalize.services.ingest`): the
same counters, the same idempotency keys, the same handling of erased and merged visitors. The
batch is handed to the sink before the answer, with :meth:`~personalize.sinks.EventSink.deliver`:
when the sink cannot take it now, the answer is 503 with ``Retry-After`` and the event ids this
request claimed are released, so that the client's retry is accepted. A batch is never reported
as accepted unless the sink took it.

A client event id becomes the event's idempotency key, namespaced by the visitor (an HMAC of
both keyed by ``SECRET_KEY``), so a client can neither collide with another visitor's events
nor guess their keys, and the client's own string is never stored. Ids are claimed in the
cache (concurrent duplicates, retries within a day). With a sink that writes inside the
request (the database sink) they are also looked up among stored events (late retries); a
buffered sink's drain skips stored keys itself, so the request runs no query. Either way a
duplicate is stored once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NoReturn

from django.core.cache import caches
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from personalize.api.errors import APIError
from personalize.api.pages import referer_path
from personalize.api.serializers.visitor import REJECTED
from personalize.conf import get_setting
from personalize.middleware import page_view_event, persist
from personalize.models import Event
from personalize.sinks import SinkUnavailable, get_sink
from personalize.utils import log_once

CLAIM_TTL = 24 * 60 * 60
KEY_SALT = "personalize.api.event-id"


@dataclass
class IntakeResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: dict[str, dict] = field(default_factory=dict)  # position -> messages per field
    claimed: list[str] = field(default_factory=list)  # released if the sink refuses the batch


def idempotency_key(visitor_id: str, client_id: str) -> str:
    """The stored key of a client event id: an HMAC (``salted_hmac``, keyed by ``SECRET_KEY``)
    of the visitor id and the client's id, 64 hex digits. The client's string is never stored,
    and nobody without the secret can compute another visitor's keys."""
    message = f"{visitor_id}\x1f{client_id}"  # ids cannot hold \x1f: no two pairs collide
    return salted_hmac(KEY_SALT, message, algorithm="sha256").hexdigest()


def _claim_key(key: str) -> str:
    return f"personalize:event-id:{key}"


def _claim(keys: list[str], *, stored: bool = True) -> tuple[set[str], list[str]]:
    """(keys seen before, keys this call claimed) of ``keys``; ``stored=False``: keys that
    cannot be stored yet (a new visitor's)."""
    if not keys:
        return set(), []
    seen = set()
    claimed = []
    cache = caches[get_setting("CACHE_ALIAS")]
    try:
        for key in keys:
            if cache.add(_claim_key(key), 1, CLAIM_TTL):
                claimed.append(key)
            else:
                seen.add(key)
    except Exception:
        log_once("event-claim", "personalize: cannot claim event ids in the cache.", exc_info=True)
    rest = [key for key in keys if key not in seen]
    if rest and stored and get_sink().writes_in_request:
        seen.update(
            Event.objects.filter(idempotency_key__in=rest).values_list("idempotency_key", flat=True)
        )
    return seen, claimed


def _release(keys: list[str]) -> None:
    """Give up claims, so that the same events sent again are not taken for duplicates."""
    if not keys:
        return
    try:
        caches[get_setting("CACHE_ALIAS")].delete_many([_claim_key(key) for key in keys])
    except Exception:
        log_once(
            "event-release", "personalize: cannot release event ids in the cache.", exc_info=True
        )


def record_events(request, visitor, events: list[dict]) -> IntakeResult:
    """Record validated client events for ``visitor`` (tracked, not loaded yet)."""
    result = IntakeResult()
    valid: list[tuple[int, dict]] = []
    for index, event in enumerate(events):
        if REJECTED in event:  # a slot or variant deleted since the page was made
            result.rejected[str(index)] = event[REJECTED]
        else:
            valid.append((index, event))
    namespace = visitor.cookie_id
    keys: dict[int, str] = {}
    if namespace:
        for index, event in valid:
            if event.get("id"):
                keys[index] = idempotency_key(namespace, event["id"])
    seen, result.claimed = _claim(list(dict.fromkeys(keys.values())))

    fresh: list[tuple[int, dict]] = []
    batch_ids = set()
    for index, event in valid:
        key = keys.get(index) or (event.get("id") and f"new:{event['id']}")
        if key and (key in seen or key in batch_ids):
            result.duplicates += 1
            continue
        if key:
            batch_ids.add(key)
        fresh.append((index, event))

    page_event = next((event for _i, event in fresh if event["name"] == Event.PAGE_VIEW), None)
    if page_event is not None:  # (excluded paths were refused by the serializer)
        visitor.view_page(
            page_event["path"],
            page_event.get("query", {}),
            page_event.get("referrer", ""),
            count=True,
        )
    default_path = page_event["path"] if page_event is not None else referer_path(request)

    visitor.ctx  # noqa: B018 - loads the profile; a reported page view is recorded first
    if visitor.failed:  # no profile, no definitions: nothing could be stored
        _refuse(visitor, result, SinkUnavailable("the visitor cannot be loaded"))
    if not namespace:  # a new visitor: nothing was seen, the keys are claimed for retries
        keys = {
            index: idempotency_key(visitor.id, event["id"])
            for index, event in fresh
            if event.get("id")
        }
        _seen, result.claimed = _claim(list(keys.values()), stored=False)
    for index, event in fresh:
        name = event["name"]
        fields = {"path": event.get("path", default_path)}
        if index in keys:
            fields["key"] = keys[index]
        if name == Event.PAGE_VIEW:
            if not visitor.page_recorded:  # recording it failed (and was logged)
                continue
            data = page_view_event(visitor)
            data.update(fields)
            visitor.events.append(data)
        elif name == Event.IMPRESSION:
            if not visitor.profile.mark_seen(event["slot"], event["variant"]):
                result.duplicates += 1  # counted once a visit, like server-rendered slots
                continue
            visitor.events.append(
                visitor.event_dict(name, slot=event["slot"], variant=event["variant"], **fields)
            )
        else:
            visitor.record_event(
                name,
                value=event.get("value"),
                properties=event.get("properties") or {},
                slot=event.get("slot", ""),
                variant=event.get("variant", ""),
                **fields,
            )
        result.accepted += 1
    if result.accepted:
        try:
            persist(visitor, visitor.events, deliver=True)
        except SinkUnavailable as exc:
            _refuse(visitor, result, exc)
    return result


def _refuse(visitor, result: IntakeResult, exc: SinkUnavailable) -> NoReturn:
    """Keep nothing of this request, release its claims, and answer 503 with Retry-After."""
    _release(result.claimed)
    visitor.events = []  # the middleware must not emit what the client will send again
    visitor.explicit = False
    wait = max(1, math.ceil(exc.retry_after))
    raise APIError(
        503,
        "unavailable",
        _("Events cannot be stored right now; send them again in %(n)d seconds.") % {"n": wait},
        retry_after=wait,
    )
