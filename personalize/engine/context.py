"""The plain object rules evaluate against: no HttpRequest, so tasks and tests need none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from personalize.conf import get_setting
from personalize.profile import Profile
from personalize.tracking.devices import Device
from personalize.tracking.geo import Geo
from personalize.tracking.referrer import Source


@dataclass(frozen=True, slots=True)
class UserFacts:
    """What rules may know about the logged-in user, read lazily from ``request.user``."""

    is_authenticated: bool = False
    is_staff: bool = False
    is_superuser: bool = False
    user_id: int | None = None
    groups_loader: Callable[[], frozenset[str]] | None = field(default=None, compare=False)

    @property
    def groups(self) -> frozenset[str]:
        return self.groups_loader() if self.groups_loader else frozenset()


ANONYMOUS = UserFacts()
_UNREAD = object()  # no source dict parsed yet


class Context:
    """Everything a rule may look at for one visitor at one moment.

    ``path``, ``query``, ``device``, ``geo``, ``languages`` and ``user`` describe the current
    request (empty when evaluating offline, e.g. in a static segment rebuild); the rest comes
    from the visitor's :class:`~personalize.profile.Profile`.
    """

    __slots__ = (
        "_active_intents",
        "_first_data",
        "_first_source",
        "_intent_cache",
        "_user",
        "_user_loader",
        "_visit_data",
        "_visit_source",
        "device",
        "forced_intents",
        "geo",
        "languages",
        "now",
        "path",
        "profile",
        "query",
        "rule_traces",
        "segment_results",
        "snapshot",
        "timestamp",
    )

    def __init__(
        self,
        profile: Profile,
        *,
        now: dt.datetime | None = None,
        path: str = "",
        query: Mapping[str, str] | None = None,
        device: Device | None = None,
        geo: Geo | None = None,
        languages: tuple[str, ...] = (),
        user: UserFacts = ANONYMOUS,
        user_loader: Callable[[], UserFacts] | None = None,
        snapshot=None,
    ):
        self.profile = profile
        self.now = now or dt.datetime.now(dt.UTC)
        self.timestamp = self.now.timestamp()
        self.path = path
        self.query = query or {}
        self.device = device or Device()
        self.geo = geo or Geo()
        self.languages = languages
        # ``user_loader``: what ``user`` reads on first use instead (the request's account is
        # looked at only when a rule asks)
        self._user = user if user_loader is None else None
        self._user_loader = user_loader
        self.snapshot = snapshot
        self.segment_results: dict[str, bool] = {}
        # rule id -> what the rule answered (negate applied), as segments were evaluated;
        # explanations read it, so they report what decided rather than a second evaluation
        self.rule_traces: dict[int, bool] = {}
        self._intent_cache: dict[str, float] | None = None
        self._active_intents: list[str] | None = None
        # The profile's source dicts last parsed and what they read as: profiles replace
        # (never mutate) their source dicts, so identity says when to parse again.
        self._visit_data: object = _UNREAD
        self._visit_source: Source | None = None
        self._first_data: object = _UNREAD
        self._first_source: Source | None = None
        self.forced_intents: list[str] | None = None  # staff preview

    @property
    def user(self) -> UserFacts:
        """What rules may know about the logged-in user."""
        user = self._user
        if user is None and self._user_loader is not None:
            user = self._user = self._user_loader()
        return user

    @user.setter
    def user(self, value: UserFacts) -> None:
        self._user = value

    # -- identity ------------------------------------------------------------------------
    @property
    def visitor_id(self) -> str:
        return self.profile.id

    # -- acquisition ---------------------------------------------------------------------
    def remember_source(self, data: dict, source: Source) -> None:
        """Note that the profile's source dict ``data`` reads as ``source``: what
        ``Source.from_dict(data)`` returns, already at hand where the dict was just written."""
        self._visit_data = data
        self._visit_source = source

    @property
    def source(self) -> Source:
        """The current visit's traffic source."""
        # Read by every acquisition rule on every request: the usual case in one frame.
        data = self.profile.source
        if data is self._visit_data:
            return self._visit_source
        source = Source.from_dict(data)
        self._visit_data, self._visit_source = data, source
        return source

    @property
    def first_source(self) -> Source:
        data = self.profile.first_source or self.profile.source
        if data is self._first_data:
            return self._first_source
        source = Source.from_dict(data)
        self._first_data, self._first_source = data, source
        return source

    @property
    def landing_path(self) -> str:
        return self.profile.landing

    @property
    def first_landing_path(self) -> str:
        return self.profile.first_landing or self.profile.landing

    @property
    def site_search(self) -> str:
        """The site's own search: this page's ``?q=``, else the last one of this visit."""
        param = get_setting("SITE_SEARCH_PARAM")
        return (self.query.get(param, "") if param else "") or self.profile.site_search

    # -- segments and intents ------------------------------------------------------------
    def in_segment(self, slug: str) -> bool:
        from personalize.engine.evaluate import evaluate_segment

        return evaluate_segment(self, slug)

    def intent_scores(self) -> dict[str, float]:
        if self._intent_cache is None:
            from personalize.engine.intent import score_intents

            self._intent_cache = score_intents(self)
        return self._intent_cache

    def active_intents(self) -> list[str]:
        """Intents above their threshold, highest score first (memoized until the profile's
        intent points change); a staff preview forces them."""
        return list(self._intents())

    def _intents(self) -> list[str]:
        """What :meth:`active_intents` answers, not copied: only to read."""
        if self.forced_intents is not None:
            return self.forced_intents
        if self._active_intents is None:
            from personalize.engine.intent import active_intents

            self._active_intents = active_intents(self)
        return self._active_intents

    def has_intent(self, slug: str) -> bool:
        """Whether intent ``slug`` is active: the one answer ``{% intent %}``, variant
        targeting, ``IntentRule`` and explanations share."""
        return slug in self._intents()

    def forget_intents(self) -> None:
        """Drop the memoized intent scores after the profile changed."""
        self._intent_cache = None
        self._active_intents = None
