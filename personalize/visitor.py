"""``request.visitor``: the current visitor, lazy and failure-safe.

Nothing is parsed or read until something asks: request facts (source, device, geo) on first
use, the profile (one cache read) on the first personalization question or, for tracked page
views, when the response is on its way out. Every answer is memoized for the request.

:class:`~personalize.preview.Preview` can be imported from here too.
"""

from __future__ import annotations

import functools
import uuid
from secrets import token_hex

from django.utils import timezone

from personalize import store as profile_store
from personalize.conf import get_setting
from personalize.engine import intent as intent_engine
from personalize.engine.context import Context
from personalize.engine.evaluate import evaluate_segment, matching_segments
from personalize.engine.selection import Decision, choose, preview_decision
from personalize.engine.snapshot import get_snapshot
from personalize.engine.users import user_facts
from personalize.models import Event
from personalize.preview import Preview
from personalize.profile import MAX_PATH as PROFILE_PATH
from personalize.profile import Profile
from personalize.request_facts import COOKIE_SALT as COOKIE_SALT
from personalize.request_facts import MAX_PATH as MAX_PATH
from personalize.request_facts import RequestFacts
from personalize.rules.matching import topic_slug
from personalize.services import privacy, slots
from personalize.tracking.headers import clean_text
from personalize.tracking.referrer import Source
from personalize.utils import log_once

#: The longest event name kept: what ``Event.name`` holds.
MAX_EVENT_NAME = Event._meta.get_field("name").max_length


class CurrentVisitor(RequestFacts):
    """The visitor of one request. Public API: see ``docs/templates.md`` and the README."""

    def __init__(self, request):
        super().__init__(request)
        self.now = timezone.now()
        self._ctx: Context | None = None
        self._load_failed = False
        self.is_new = False
        self.used = False
        # identify() or track() ran: the profile reaches the database with this request's
        # batch, whatever PERSONALIZE_PROFILE_SYNC_INTERVAL says (see middleware.persist).
        self.explicit = False
        self.page_recorded = False
        self.new_visit = False
        self.set_cookie = False
        self.decisions: dict[str, Decision] = {}
        self.events: list[dict] = []  # this request's batch, handed to the sink at the end
        self._topics_added: set[str] = set()
        # Traits this request's identify() was given by a browser linked by an unproven claim:
        # all the stored traits such a browser may see (see ``traits``).
        self.claimed_traits: dict = {}
        self._event_seq = 0
        self._page_given = False  # view_page() named the page this request answers for

    # -- loading -----------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._ctx is not None

    @property
    def failed(self) -> bool:
        """Loading failed: the request shows defaults and nothing is stored."""
        return self._load_failed

    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            try:
                self._ctx = self._load()
            except Exception:
                log_once(
                    "load",
                    "personalize: the visitor could not be loaded; showing default content.",
                    exc_info=True,
                )
                self._load_failed = True
                self._ctx = Context(Profile.new("", self.now.timestamp()), now=self.now)
        return self._ctx

    def _load(self) -> Context:
        try:
            snapshot = get_snapshot()
        except Exception:
            log_once(
                "snapshot",
                "personalize: definitions could not be loaded; showing default content.",
                exc_info=True,
            )
            snapshot = None
            self._load_failed = True
        now_ts = self.now.timestamp()
        profile = None
        if self.tracking and not self._load_failed:
            visitor_id = self.cookie_id
            if visitor_id:
                profile = profile_store.get_store().load(
                    visitor_id,
                    with_memberships=bool(snapshot and snapshot.has_static_segments),
                )
                # Unknown to the store (an erasure deletes the cached profile too, so a warm
                # load needs no check): an erased id is never stored again, the browser gets
                # a fresh one. Tombstones that cannot be read fail the load: nothing is stored.
                if profile is None and privacy.is_erased(visitor_id):
                    visitor_id = None
                    self.linked_unverified = False
            if profile is None:
                self.is_new = True
                profile = Profile.new(visitor_id or uuid.uuid4().hex, now_ts)
                self.set_cookie = visitor_id is None
        if profile is None:
            profile = Profile.new("", now_ts)  # ephemeral: lives for this request only
        ctx = Context(
            profile,
            now=self.now,
            path=self.path,
            query=self.query,
            device=self.device,
            geo=self.geo,
            languages=self.languages,
            user_loader=functools.partial(user_facts, self._request),
            snapshot=snapshot,
        )
        if self.preview is not None and snapshot is not None:
            ctx.segment_results.update(
                {slug: slug in self.preview.segments for slug in snapshot.segments}
            )
            ctx.forced_intents = list(self.preview.intents)
        try:
            self._apply_request(ctx)
        except Exception:
            log_once("apply-request", "personalize: recording the page view failed.", exc_info=True)
        return ctx

    def _apply_request(self, ctx: Context) -> None:
        profile = ctx.profile
        source = self.request_source
        # A campaign link (UTM or click id) starts a new attribution even when clicked on our
        # own site; otherwise only an external, non-direct referrer does.
        campaign = bool(source.utm) or bool(source.click_ids)
        arrival = campaign or (not source.is_internal and source.medium != "direct")
        if not self.is_page_request:
            if not profile.source:
                _set_source(ctx, source)
            return
        now = ctx.timestamp
        new_visit = profile.start_visit_if_due(now)
        if new_visit:
            _set_source(ctx, source if campaign or not source.is_internal else Source())
            profile.landing = self.path[:PROFILE_PATH]
            if profile.visit_count == 1:
                profile.first_source = profile.source
                profile.first_landing = profile.landing
        elif arrival:
            _set_source(ctx, source)
        profile.record_page_view(self.path, now)
        search_param = get_setting("SITE_SEARCH_PARAM")
        if search_param and self.query.get(search_param):
            profile.record_site_search(self.query[search_param])
        self.page_recorded = True
        self.new_visit = new_visit
        self._topics_added.update(intent_engine.apply_topic_mappings(ctx))
        intent_engine.apply_page_signals(ctx, arrival=new_visit or arrival)

    # -- personalization -----------------------------------------------------------------
    @property
    def id(self) -> str:
        """The visitor id ("" for a visitor we do not track)."""
        return self.ctx.profile.id

    @property
    def profile(self) -> Profile:
        return self.ctx.profile

    def in_segment(self, slug: str) -> bool:
        self.used = True
        try:
            return evaluate_segment(self.ctx, slug)
        except Exception:
            log_once(("segment", slug), "personalize: segment %r failed.", slug, exc_info=True)
            return False

    def in_segments(self, slugs, *, match_all: bool = False) -> bool:
        """Whether the visitor is in any (``match_all``: every one) of ``slugs``; none: no.
        Evaluated lazily: stops at the first answer that decides."""
        slugs = list(slugs)
        if not slugs:
            return False
        test = all if match_all else any
        return test(self.in_segment(slug) for slug in slugs)

    @property
    def segments(self) -> list[str]:
        self.used = True
        try:
            return matching_segments(self.ctx)
        except Exception:
            log_once("segments", "personalize: segment evaluation failed.", exc_info=True)
            return []

    @property
    def intent_scores(self) -> dict[str, float]:
        self.used = True
        try:
            return dict(self.ctx.intent_scores())
        except Exception:
            log_once("intents", "personalize: intent scoring failed.", exc_info=True)
            return {}

    @property
    def active_intents(self) -> list[str]:
        self.used = True
        try:
            return self.ctx.active_intents()
        except Exception:
            log_once("intents", "personalize: intent scoring failed.", exc_info=True)
            return []

    @property
    def intent(self) -> str | None:
        """Slug of the strongest intent above its threshold, else None."""
        active = self.active_intents
        return active[0] if active else None

    def has_intent(self, slug: str) -> bool:
        self.used = True
        try:
            return self.ctx.has_intent(slug)
        except Exception:
            log_once("intents", "personalize: intent scoring failed.", exc_info=True)
            return False

    @property
    def interests(self) -> dict[str, float]:
        self.used = True
        profile = self.ctx.profile
        now = self.ctx.timestamp
        scores = {
            topic: round(profile.interest_score(topic, now), 3) for topic in profile.interests
        }
        return dict(sorted(scores.items(), key=lambda item: -item[1]))

    @property
    def traits(self) -> dict:
        """The visitor's traits. A browser that reached someone's profile through an address
        it did not prove (``linked_unverified``) sees none of the stored ones, only what it
        told ``identify()`` in this request: typing an address must not show that person's
        name or anything else they gave the site."""
        self.used = True
        if self.linked_unverified:
            return dict(self.claimed_traits)
        return dict(self.ctx.profile.traits)

    @property
    def source(self) -> Source:
        """The current visit's traffic source."""
        return self.ctx.source

    def decide(self, slot_key: str) -> Decision:
        """The variant of ``slot_key`` for this visitor (memoized for the request)."""
        decision = self.decisions.get(slot_key)
        if decision is not None:
            return decision
        self.used = True
        try:
            ctx = self._ctx if self._ctx is not None else self.ctx
            decision = None
            if self.preview is not None and ctx.snapshot is not None:
                slot = ctx.snapshot.slots.get(slot_key)
                for key, variant in self.preview.variants:
                    if key == slot_key:
                        decision = preview_decision(slot, slot_key, variant)
            if decision is None:
                if self._load_failed:
                    decision = Decision(slot_key, reason="definitions unavailable")
                else:
                    decision = choose(ctx, slot_key, self.now)
        except Exception:
            log_once(
                ("decide", slot_key),
                "personalize: choosing a variant for %r failed.",
                slot_key,
                exc_info=True,
            )
            decision = Decision(slot_key, reason="error: default content")
        self.decisions[slot_key] = decision
        snapshot = self._ctx.snapshot if self._ctx is not None else None
        # (definitions that could not be loaded tell nothing; a slot they have is registered)
        if snapshot is not None and slot_key not in snapshot.slots:
            slots.register_unknown_slot(slot_key, snapshot=snapshot, path=self.shown_on)
        return decision

    def explain(self, slot_key: str) -> dict:
        from personalize.engine.explain import explain

        return explain(self, slot_key)

    def add_interest(self, *topics: str) -> None:
        """Count the current page toward ``topics`` (once per page and topic)."""
        ctx = self.ctx
        for topic in map(topic_slug, topics):
            if topic and topic not in self._topics_added:
                self._topics_added.add(topic)
                ctx.profile.add_interest(topic, 1.0, ctx.timestamp)

    def record_event(self, name: str, value=None, properties=None, **fields) -> dict:
        """Record a custom event for this visitor (used by :func:`personalize.track`)."""
        ctx = self.ctx
        name = clean_text(name, MAX_EVENT_NAME)
        numeric = float(value) if value is not None else None
        ctx.profile.record_event(name, numeric, ctx.timestamp)
        if self.preview is None:
            ctx.segment_results.clear()  # answers given before this event may change now
        intent_engine.apply_event_signals(ctx, name)
        event = self.event_dict(name, value=value, properties=properties or {}, **fields)
        self.events.append(event)
        self.explicit = True
        return event

    def _event_time(self, name: str) -> float:
        """The request's time for its page view, then a microsecond later for each other
        event, so events of one request keep the order in which they happened."""
        if name == "page_view":
            return self.ctx.timestamp
        self._event_seq += 1
        return self.ctx.timestamp + self._event_seq / 1_000_000

    def event_dict(self, name: str, **fields) -> dict:
        """One event of this request as batches carry it (see :mod:`personalize.services.ingest`):
        every field present, ``fields`` over the defaults. The idempotency key is 32 random
        hex digits, the form of a ``uuid4().hex`` at a fraction of its cost."""
        source = self.ctx.source
        utm = source.utm
        value = fields.pop("value", None)
        event = {
            "key": token_hex(16),
            "name": name,
            "ts": self._event_time(name),
            "path": self.path,
            "referrer": "",
            "medium": source.medium,
            "source": source.source,
            "utm_source": utm.get("utm_source", ""),
            "utm_medium": utm.get("utm_medium", ""),
            "utm_campaign": utm.get("utm_campaign", ""),
            "slot": "",
            "variant": "",
            "value": None if value is None else str(value),
            "properties": {},
        }
        if fields:
            event.update(fields)
        return event

    def visitor_facts(self) -> dict:
        device, geo = self.device, self.geo
        return {
            "id": self.ctx.profile.id,
            "first_seen": self.ctx.profile.created,
            "device_type": device.type,
            "browser": device.browser,
            "os": device.os,
            "country": geo.country,
            "region": geo.region,
            "city": geo.city,
            "language": self.languages[0] if self.languages else "",
        }

    @property
    def shown_on(self) -> str:
        """The page this request shows (or, for an API request, answers for), if it is one:
        where a slot it decides is used. "" for other requests."""
        return self.path if self._page_given or self.is_page_request else ""

    def view_page(self, path: str, query: dict[str, str], referrer: str, *, count: bool) -> None:
        """Answer for ``path`` of this site instead of the URL of the request itself.

        For API requests made on behalf of a page (client-side slots of a cached page, a
        headless front-end): the rules see ``path`` and ``query`` as the current page and
        ``referrer`` as where the visit came from; ``count`` records a page view of it (before
        anything is decided, as for a page rendered on the server). Call it before anything
        reads the visitor; ``path``, ``query`` and ``referrer`` must already be cleaned.
        """
        if self.loaded:
            raise RuntimeError("view_page() must be called before the visitor is loaded.")
        self.path = path
        self.query = query
        self.referrer = referrer
        self._page_given = True
        self.request_source = self._classify(referrer, query)
        self.is_page_request = count


def source_for_profile(source: Source) -> dict:
    """What a profile keeps of a source: everything but click ids (rules never read them)."""
    data = source.as_dict()
    data.pop("click_ids", None)
    return data


@functools.lru_cache(maxsize=1024)
def _kept_source(source: Source) -> tuple[dict, Source]:
    """What a profile keeps of ``source`` (:func:`source_for_profile`) and how that reads back
    (``Source.from_dict`` of it), remembered by value (bounded LRU): sources are immutable
    and a site's visitors arrive from a few of them. The dict is a template: never handed
    out, only copied."""
    data = source_for_profile(source)
    return data, Source.from_dict(data)


def _set_source(ctx: Context, source: Source) -> None:
    """Make ``source`` the profile's current source, and tell ``ctx`` how it reads back so
    that ``ctx.source`` need not parse the dict just written."""
    template, kept = _kept_source(source)
    # The profile's own copy (nested mappings too: the utm parameters).
    data = {key: dict(value) if type(value) is dict else value for key, value in template.items()}
    ctx.profile.source = data
    ctx.remember_source(data, kept)


__all__ = ["CurrentVisitor", "Preview"]
