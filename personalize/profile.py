"""The visitor profile: what we remember about one visitor, bounded in size.

A profile is a plain dict-backed object that round-trips through the cache and the database
(``Visitor.profile``). Everything in it is capped: collections are trimmed least-recent first
until the serialized profile fits ``PERSONALIZE_PROFILE_MAX_BYTES`` (4 KB by default), however
long the visitor browses. Times are stored as integer epoch seconds, days as integer days since
the epoch (UTC).

"In the last N days" questions (page views and events within a window) are answered from
per-day rows, ``[day, count]`` for pages and ``[day, count, total]`` for events, one row per day
with activity and none older than :data:`MAX_DAYS` days: a visitor who views a page a thousand
times today adds one row, not a thousand entries. Windows longer than that are not kept; rules
accept at most :data:`MAX_DAYS` days (whole-history totals are kept separately, unbounded in
value but not in size).

Stored, an entry's rows are one string (``"20415:3,20416:1"``; ``"day:count:total"`` for
events) that is read into rows only when a question or a write needs that entry: a request
reads and writes the rows of the page it shows, not those of every page the visitor has seen,
and strings cost the cache and the size check far less than hundreds of small lists. Profiles
that stored rows as lists are read as well.
"""

from __future__ import annotations

import bisect
import json
import math
import operator
import re
from collections.abc import Mapping
from typing import Any

from personalize.conf import get_setting

MAX_PATH = 200
MAX_PAGES = 40
MAX_EVENTS = 20
#: Days of per-day rows kept for windowed counts (today included).
MAX_DAYS = 31
MAX_NAME = 64
MAX_SIGNALS = 40
MAX_TOPICS = 30
MAX_SEEN = 20
MAX_SEARCH = 100
DAY = 86400


def day_of(ts: float) -> int:
    return int(ts // DAY)


def _int(value, default=0) -> int:
    if type(value) is int:  # what stored profiles hold
        return value
    try:
        result = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return result


def _float(value, default=0.0) -> float:
    if type(value) is float:  # what stored profiles hold
        return value if math.isfinite(value) else default
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return result if math.isfinite(result) else default


def _str(value, limit=MAX_PATH) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


# Stored collections, read by the functions below: each entry of the wrong shape is dropped.
# An empty collection (the usual case for most of them) is answered without a comprehension.


def _read_pages(value) -> dict[str, list]:
    pages = _dict(value)
    if not pages:
        return {}
    return {
        _str(path): [_int(entry[0]), _int(entry[1]), _stored_rows(entry[2], with_total=False)]
        for path, entry in pages.items()
        if isinstance(entry, list) and len(entry) == 3
    }


def _read_events(value) -> dict[str, list]:
    events = _dict(value)
    if not events:
        return {}
    return {
        _str(name, MAX_NAME): [
            _int(entry[0]),
            _float(entry[1]),
            _int(entry[2]),
            _stored_rows(entry[3], with_total=True),
        ]
        for name, entry in events.items()
        if isinstance(entry, list) and len(entry) == 4
    }


def _read_points(value) -> dict[str, list]:
    """Intent signal or interest points: ``key -> [points, ts]``."""
    points = _dict(value)
    if not points:
        return {}
    return {
        _str(key, MAX_NAME): [_float(entry[0]), _int(entry[1])]
        for key, entry in points.items()
        if isinstance(entry, list) and len(entry) == 2
    }


def _text_map(value, limit: int) -> dict[str, str]:
    """A stored ``str -> str`` mapping, keys and values cut to ``limit``, anything that is not
    text read as ""."""
    mapping = _dict(value)
    for key, text in mapping.items():
        if type(key) is not str or type(text) is not str or len(key) > limit or len(text) > limit:
            return {_str(k, limit): _str(v, limit) for k, v in mapping.items()}
    return dict(mapping)  # what this module writes: nothing to cut or drop


#: The longest packed string of rows read from storage: MAX_DAYS rows of generous width.
MAX_PACKED = MAX_DAYS * 64
#: What packed rows are made of: digits, signs, points, exponents and the separators.
_PACKED = re.compile(r"[0-9.:,eE+-]*").fullmatch


def _pack_rows(rows: list[list]) -> str:
    """``[[day, count(, total)], ...]`` as stored: ``"day:count(:total),..."``."""
    return ",".join([":".join(map(str, row)) for row in rows])


def _unpack_rows(text: str, *, with_total: bool) -> list[list]:
    """The rows of a packed string, checked like rows stored as lists; nothing when it does not
    read as rows of the right width."""
    if not text:
        return []
    rows = []
    try:
        for part in text.split(","):
            if with_total:
                day, count, total = part.split(":")
                rows.append([int(day), int(count), float(total)])
            else:
                day, count = part.split(":")
                rows.append([int(day), int(count)])
    except ValueError:
        return []
    return _read_rows(rows, with_total=with_total)


def _stored_rows(value, *, with_total: bool):
    """An entry's rows as read from storage: a packed string is kept as it is, to be read when
    needed (:func:`_entry_rows`), when it is made of what packing writes and not too long;
    rows stored as lists are read now."""
    if type(value) is str:
        return value if len(value) <= MAX_PACKED and _PACKED(value) else ""
    return _read_rows(value, with_total=with_total)


def _entry_rows(entry: list, index: int, *, with_total: bool) -> list[list]:
    """The rows at ``entry[index]``, read from their packed string the first time."""
    rows = entry[index]
    if type(rows) is not list:
        rows = entry[index] = _unpack_rows(rows, with_total=with_total)
    return rows


def _packed_bound(items, row_width: int) -> int:
    """An upper bound of the JSON length of entries' rows: a packed string as it is (nothing in
    it is escaped) with its quotes, rows still as lists at ``row_width`` characters a row."""
    return sum(len(rows) + 2 if type(rows) is str else row_width * len(rows) + 2 for rows in items)


def _read_rows(items, *, with_total: bool) -> list[list]:
    """Per-day rows from storage, sorted by day, at most :data:`MAX_DAYS` of them.

    Reads the current shape (``[day, count]``, or ``[day, count, total]`` with ``with_total``)
    and the older one that kept an entry per occurrence (a bare day per page view,
    ``[day, value]`` per event), folding the latter into per-day rows. Anything else is dropped.
    """
    rows = _current_rows(items, with_total=with_total)
    return rows if rows is not None else _regroup_rows(items, with_total=with_total)


def _regroup_rows(items, *, with_total: bool) -> list[list]:
    by_day: dict[int, list] = {}
    for item in items if isinstance(items, list) else ():
        if with_total and isinstance(item, list) and len(item) == 3:
            day, count, total = _int(item[0]), _int(item[1]), _float(item[2])
        elif with_total and isinstance(item, list) and len(item) == 2:  # older: one per event
            day, count, total = _int(item[0]), 1, _float(item[1])
        elif not with_total and isinstance(item, list) and len(item) == 2:
            day, count, total = _int(item[0]), _int(item[1]), 0.0
        elif not with_total and isinstance(item, int) and not isinstance(item, bool):  # older
            day, count, total = item, 1, 0.0
        else:
            continue
        if count < 1:
            continue
        row = by_day.setdefault(day, [day, 0, 0.0])
        row[1] += count
        row[2] = round(row[2] + total, 4)
    rows = [by_day[day] if with_total else by_day[day][:2] for day in sorted(by_day)]
    _prune(rows)
    return rows


def _current_rows(items, *, with_total: bool) -> list[list] | None:
    """A copy of ``items`` when they are already what :func:`_read_rows` returns for them
    (rows of the current shape, one per day in order, within :data:`MAX_DAYS`): the case of
    every profile this module wrote, checked in one pass instead of regrouped. Else None."""
    if type(items) is not list:
        return None
    rows: list[list] = []
    append = rows.append
    previous = -math.inf
    if with_total:
        isfinite = math.isfinite
        for item in items:
            if type(item) is not list or len(item) != 3:
                return None
            day, count, total = item
            if (
                type(day) is not int
                or type(count) is not int
                or count < 1
                or day <= previous
                or type(total) is not float
                or not isfinite(total)
            ):
                return None
            append([day, count, round(0.0 + total, 4)])  # (as regrouping would: -0.0 is 0.0)
            previous = day
    else:
        for item in items:
            if type(item) is not list or len(item) != 2:
                return None
            day, count = item
            if type(day) is not int or type(count) is not int or count < 1 or day <= previous:
                return None
            append([day, count])
            previous = day
    if rows and rows[0][0] <= previous - MAX_DAYS:
        return None
    return rows


def _prune(rows: list[list]) -> None:
    """Drop the rows older than the last :data:`MAX_DAYS` days (counted from the latest row)."""
    if rows:
        oldest = rows[-1][0] - MAX_DAYS
        while rows[0][0] <= oldest:
            del rows[0]


def _add_to_day(rows: list[list], day: int, total: float | None = None) -> None:
    """Count one occurrence on ``day`` (adding ``total`` to its sum for event rows), then drop
    the rows that fell out of the last :data:`MAX_DAYS` days."""
    if rows and rows[-1][0] == day:
        row = rows[-1]  # the latest day's (today's, usually): nothing to insert or drop
    else:
        index = bisect.bisect_left(rows, day, key=lambda row: row[0])
        if index < len(rows) and rows[index][0] == day:
            row = rows[index]
        else:
            row = [day, 0] if total is None else [day, 0, 0.0]
            rows.insert(index, row)
        _prune(rows)
    row[1] += 1
    if total is not None:
        row[2] = round(row[2] + total, 4)


def _window(rows: list[list], now: float, within_days: int) -> list[list]:
    """The rows of the last ``within_days`` calendar days, today included."""
    since = day_of(now) - within_days
    return [row for row in rows if row[0] > since]


#: How a profile is measured: compact JSON, anything unexpected as its ``str()``.
_to_json = json.JSONEncoder(separators=(",", ":"), default=str).encode


def _plain(text: str) -> bool:
    """Whether JSON writes ``text`` as it is (between quotes, nothing escaped)."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def _text_bound(texts: tuple[str, ...]) -> int:
    """An upper bound of the JSON length of the strings ``texts``, quotes included."""
    joined = "".join(texts)
    if _plain(joined):  # checked all at once: the usual case
        return len(joined) + 2 * len(texts)
    return sum(len(text) if _plain(text) else 12 * len(text) for text in texts) + 2 * len(texts)


def _mapping_bound(mapping) -> int:
    """An upper bound of the JSON length of ``mapping`` (text, numbers, booleans, None and
    nested mappings), from its ``repr``: as long as JSON's or longer when plain (``': '``
    for ``':'``, ``True`` for ``true``...) and without infinities (``inf`` for ``Infinity``)."""
    text = repr(mapping)
    if _plain(text) and "inf" not in text:
        return len(text)
    return 12 * len(text)


_PAGE_ROWS = operator.itemgetter(2)  # of a page entry: its per-day rows
_EVENT_ROWS = operator.itemgetter(3)  # of an event entry: its per-day rows


def decayed(points: float, since: float, now: float, half_life: float) -> float:
    """``points`` earned at ``since``, halved every ``half_life`` seconds until ``now``.
    A half-life that is not a positive number (0, or NaN stored around validation) means no
    decay."""
    if not half_life > 0:
        return points
    elapsed = max(0.0, now - since)
    return points * 0.5 ** (elapsed / half_life)


class Profile:
    """One visitor's remembered behaviour. Construct with :meth:`new` or :meth:`from_dict`."""

    __slots__ = (
        "created",
        "dirty",
        "events",
        "first_landing",
        "first_source",
        "id",
        "intents",
        "interests",
        "landing",
        "last_seen",
        "page_views",
        "pages",
        "prev_visit",
        "seen",
        "site_search",
        "source",
        "static",
        "static_version",
        "synced",
        "traits",
        "user_id",
        "visit_count",
        "visit_started",
    )

    def __init__(self, visitor_id: str):
        self.id = visitor_id
        self.created = 0
        self.last_seen = 0
        self.visit_started = 0
        self.prev_visit = 0
        self.visit_count = 0
        self.page_views = 0
        self.landing = ""
        self.first_landing = ""
        self.source: dict = {}
        self.first_source: dict = {}
        # the last on-site search of the current visit (PERSONALIZE_SITE_SEARCH_PARAM)
        self.site_search = ""
        # path -> [count, last_ts, [[day, views], ...the last MAX_DAYS days with a view]]
        self.pages: dict[str, list] = {}
        # name -> [count, sum, last_ts, [[day, count, sum], ...the last MAX_DAYS days]]
        self.events: dict[str, list] = {}
        # intent signal id (str) -> [points, ts]  (decayed on read)
        self.intents: dict[str, list] = {}
        # topic -> [score, ts]  (decayed on read)
        self.interests: dict[str, list] = {}
        self.traits: dict[str, Any] = {}
        self.user_id: int | None = None
        # static segment slugs the visitor belongs to, and the membership version they reflect
        self.static: list[str] = []
        self.static_version = ""
        # slot key -> variant slug shown in the current visit (impressions are counted once a visit)
        self.seen: dict[str, str] = {}
        self.synced = 0
        self.dirty = False

    @classmethod
    def new(cls, visitor_id: str, now: float) -> Profile:
        profile = cls(visitor_id)
        profile.created = int(now)
        profile.dirty = True
        return profile

    # -- serialization -----------------------------------------------------------------
    def to_dict(self) -> dict:
        """The profile as stored (JSON-able); per-day rows read during this request are packed
        back into their strings."""
        for entry in self.pages.values():
            if type(entry[2]) is list:
                entry[2] = _pack_rows(entry[2])
        for entry in self.events.values():
            if type(entry[3]) is list:
                entry[3] = _pack_rows(entry[3])
        data = {
            "v": 2,
            "id": self.id,
            "c": self.created,
            "ls": self.last_seen,
            "vs": self.visit_started,
            "pv": self.prev_visit,
            "n": self.visit_count,
            "p": self.page_views,
            "lp": self.landing,
            "flp": self.first_landing,
            "src": self.source,
            "fsrc": self.first_source,
            "q": self.site_search,
            "pages": self.pages,
            "ev": self.events,
            "it": self.intents,
            "in": self.interests,
            "tr": self.traits,
            "u": self.user_id,
            "st": self.static,
            "stv": self.static_version,
            "seen": self.seen,
            "sy": self.synced,
        }
        return data

    @classmethod
    def from_dict(cls, data: Mapping | None, visitor_id: str) -> Profile:
        """Rebuild a profile, dropping anything malformed rather than failing."""
        if not isinstance(data, Mapping):
            return cls(visitor_id)
        # Every field is set below: no need for __init__'s defaults, only to replace them.
        profile = cls.__new__(cls)
        profile.id = visitor_id
        profile.dirty = False
        profile.created = _int(data.get("c"))
        profile.last_seen = _int(data.get("ls"))
        profile.visit_started = _int(data.get("vs"))
        profile.prev_visit = _int(data.get("pv"))
        profile.visit_count = max(0, _int(data.get("n")))
        profile.page_views = max(0, _int(data.get("p")))
        profile.landing = _str(data.get("lp"))
        profile.first_landing = _str(data.get("flp"))
        profile.source = _dict(data.get("src"))
        profile.first_source = _dict(data.get("fsrc"))
        profile.site_search = _str(data.get("q"), MAX_SEARCH)
        profile.pages = _read_pages(data.get("pages"))
        profile.events = _read_events(data.get("ev"))
        profile.intents = _read_points(data.get("it"))
        profile.interests = _read_points(data.get("in"))
        profile.traits = _dict(data.get("tr"))
        user_id = data.get("u")
        profile.user_id = user_id if isinstance(user_id, int) else None
        static = data.get("st")
        profile.static = (
            [s for s in static if isinstance(s, str)] if isinstance(static, list) and static else []
        )
        profile.static_version = _str(data.get("stv"), 64)
        profile.seen = _text_map(data.get("seen"), MAX_NAME)
        profile.synced = _int(data.get("sy"))
        return profile

    def serialized_size(self) -> int:
        return len(_to_json(self.to_dict()))

    # -- recording ---------------------------------------------------------------------
    def start_visit_if_due(self, now: float) -> bool:
        """Open a new visit after ``PERSONALIZE_VISIT_TIMEOUT`` of inactivity; True if opened."""
        timeout = get_setting("VISIT_TIMEOUT")
        if self.visit_count and now - self.last_seen <= timeout:
            return False
        if self.visit_count:
            self.prev_visit = self.last_seen
        self.visit_count += 1
        self.visit_started = int(now)
        self.seen = {}
        self.site_search = ""
        self.dirty = True
        return True

    def record_page_view(self, path: str, now: float) -> None:
        path = path[:MAX_PATH]
        ts = int(now)
        entry = self.pages.pop(path, None) or [0, 0, []]
        entry[0] += 1
        entry[1] = ts
        _add_to_day(_entry_rows(entry, 2, with_total=False), day_of(now))
        self.pages[path] = entry  # re-inserted last: dict order is recency order
        self.page_views += 1
        self.last_seen = ts
        self.dirty = True
        self._trim(self.pages, MAX_PAGES)

    def record_site_search(self, term: str) -> None:
        term = term[:MAX_SEARCH]
        if term != self.site_search:
            self.site_search = term
            self.dirty = True

    def record_event(self, name: str, value: float | None, now: float) -> None:
        name = name[:MAX_NAME]
        entry = self.events.pop(name, None) or [0, 0.0, 0, []]
        entry[0] += 1
        if value is not None:
            entry[1] = round(entry[1] + value, 4)
        entry[2] = int(now)
        _add_to_day(
            _entry_rows(entry, 3, with_total=True), day_of(now), value if value is not None else 0.0
        )
        self.events[name] = entry
        self.dirty = True
        self._trim(self.events, MAX_EVENTS)

    def add_intent_points(self, key: str, points: float, cap: float, half_life: float, now: float):
        """Add ``points`` to one signal's decayed contribution, never beyond ``cap``.

        The cap bounds the contribution both ways: a negative signal (points < 0) takes away
        at most ``cap`` points. ``cap`` 0 means no cap. Numbers that are not finite
        (definitions written around validation) change nothing: stored JSON cannot hold them.
        """
        if not (math.isfinite(points) and math.isfinite(cap)):
            return
        current = self.signal_points(key, half_life, now)
        total = current + points
        if cap > 0:
            total = max(-cap, min(total, cap))
        if not math.isfinite(total) or (key in self.intents and abs(total - current) < 1e-9):
            return
        self.intents.pop(key, None)
        self.intents[key] = [round(total, 4), int(now)]
        self.dirty = True
        self._trim(self.intents, MAX_SIGNALS)

    def signal_points(self, key: str, half_life: float, now: float) -> float:
        entry = self.intents.get(key)
        if not entry:
            return 0.0
        return decayed(entry[0], entry[1], now, half_life)

    def add_interest(self, topic: str, points: float, now: float) -> None:
        topic = topic[:MAX_NAME]
        total = self.interest_score(topic, now) + points
        if not math.isfinite(total):  # (see add_intent_points)
            return
        self.interests.pop(topic, None)
        self.interests[topic] = [round(total, 4), int(now)]
        self.dirty = True
        self._trim(self.interests, MAX_TOPICS)

    def interest_score(self, topic: str, now: float) -> float:
        entry = self.interests.get(topic)
        if not entry:
            return 0.0
        half_life = get_setting("INTEREST_HALF_LIFE_DAYS") * DAY
        return decayed(entry[0], entry[1], now, half_life)

    def mark_seen(self, slot_key: str, variant_slug: str) -> bool:
        """Remember the variant shown in this visit; True the first time it is shown."""
        if self.seen.get(slot_key) == variant_slug:
            return False
        self.seen[slot_key[:MAX_NAME]] = variant_slug[:MAX_NAME]
        self._trim(self.seen, MAX_SEEN)
        self.dirty = True
        return True

    # -- queries -------------------------------------------------------------------------
    def page_rows(self, path: str) -> list[list]:
        """The per-day rows ``[[day, views], ...]`` of page ``path`` (empty if never seen)."""
        entry = self.pages.get(path)
        return _entry_rows(entry, 2, with_total=False) if entry else []

    def event_rows(self, name: str) -> list[list]:
        """The per-day rows ``[[day, count, total], ...]`` of event ``name``."""
        entry = self.events.get(name)
        return _entry_rows(entry, 3, with_total=True) if entry else []

    def page_count(self, matches, now: float, within_days: int | None = None) -> int:
        """Views of the pages whose path satisfies ``matches(path)``: all of them, or those of
        the last ``within_days`` calendar days (today included; at most :data:`MAX_DAYS`)."""
        total = 0
        for path, entry in self.pages.items():
            if not matches(path):
                continue
            if within_days:
                rows = _entry_rows(entry, 2, with_total=False)
                total += sum(views for _day, views in _window(rows, now, within_days))
            else:
                total += entry[0]
        return total

    def event_stats(self, name: str, now: float, within_days: int | None = None):
        """(count, sum) of an event, over its whole history or the last ``within_days``
        calendar days (today included; at most :data:`MAX_DAYS`)."""
        entry = self.events.get(name)
        if not entry:
            return 0, 0.0
        if not within_days:
            return entry[0], entry[1]
        recent = _window(_entry_rows(entry, 3, with_total=True), now, within_days)
        return sum(row[1] for row in recent), round(sum(row[2] for row in recent), 4)

    # -- bounding ------------------------------------------------------------------------
    @staticmethod
    def _trim(mapping: dict, limit: int) -> None:
        while len(mapping) > limit:
            mapping.pop(next(iter(mapping)))

    def size_bound(self) -> int:
        """A cheap upper bound of :meth:`serialized_size`, computed on every save.

        Text counts as JSON writes it when it is plain (printable ASCII without quotes or
        backslashes: the usual paths, names and slugs), else 12 characters a character (an
        astral character becomes two ``\\u`` escapes); packed per-day rows count as they are;
        other numbers count at a fixed width per entry and per-day row. Tight enough that most
        profiles are never serialized to be measured: only those within reach of the limit are
        (see :meth:`compact`).
        """
        pages, events, intents, interests = self.pages, self.events, self.intents, self.interests
        seen, static = self.seen, self.static
        texts = (
            *(self.id, self.landing, self.first_landing, self.site_search, self.static_version),
            *pages,
            *events,
            *intents,
            *interests,
            *seen,
            *seen.values(),
            *static,
        )
        bound = 400 + _text_bound(texts)
        if pages:
            bound += 40 * len(pages) + _packed_bound(map(_PAGE_ROWS, pages.values()), 16)
        if events:
            bound += 60 * len(events) + _packed_bound(map(_EVENT_ROWS, events.values()), 30)
        bound += 40 * (len(intents) + len(interests)) + 8 * len(seen) + 4 * len(static)
        source = _mapping_bound(self.source) + 20 if self.source else 0
        if self.first_source:  # often the current visit's source again (the first visit's)
            same = self.first_source == self.source
            bound += source if same else _mapping_bound(self.first_source) + 20
        if self.traits:
            bound += _mapping_bound(self.traits) + 20
        return bound + source

    def compact(self) -> None:
        """Trim least-recent entries until the profile fits PERSONALIZE_PROFILE_MAX_BYTES."""
        limit = get_setting("PROFILE_MAX_BYTES")
        if self.size_bound() <= limit:
            return
        size = self.serialized_size()
        collections = (self.pages, self.events, self.intents, self.interests, self.seen)
        while size > limit:
            largest = max(collections, key=len)
            if not largest:
                # only attribution and traits are left: keep their essentials
                self.first_source = {}
                self.source = {k: v for k, v in self.source.items() if k in ("medium", "source")}
                if self.serialized_size() > limit:
                    self.traits = {}
                break
            key = next(iter(largest))
            entry = largest.pop(key)
            # What the entry took in the serialized profile, and the comma after it if any:
            # measured alone rather than serializing the whole profile again.
            size -= len(_to_json(key)) + 1 + len(_to_json(entry)) + (1 if largest else 0)

    # -- merging -----------------------------------------------------------------------
    def absorb(self, other: Profile) -> None:
        """Fold ``other`` (the same person on another browser) into this profile."""
        newer = other if other.last_seen >= self.last_seen else self
        older = self if newer is other else other
        self.created = (
            min(t for t in (self.created, other.created) if t)
            if (self.created or other.created)
            else 0
        )
        self.visit_count += other.visit_count
        self.page_views += other.page_views
        self.prev_visit = max(self.prev_visit, other.prev_visit)
        self.visit_started = newer.visit_started
        self.landing, self.source, self.seen = newer.landing, dict(newer.source), dict(newer.seen)
        self.site_search = newer.site_search
        self.first_landing = older.first_landing or newer.first_landing
        self.first_source = dict(older.first_source or newer.first_source)
        self.last_seen = max(self.last_seen, other.last_seen)
        for path, entry in other.pages.items():
            mine = self.pages.get(path) or [0, 0, []]
            rows = [
                *_entry_rows(mine, 2, with_total=False),
                *_entry_rows(entry, 2, with_total=False),
            ]
            self.pages[path] = [
                mine[0] + entry[0],
                max(mine[1], entry[1]),
                _read_rows(rows, with_total=False),
            ]
        for name, entry in other.events.items():
            mine = self.events.get(name) or [0, 0.0, 0, []]
            rows = [
                *_entry_rows(mine, 3, with_total=True),
                *_entry_rows(entry, 3, with_total=True),
            ]
            self.events[name] = [
                mine[0] + entry[0],
                round(mine[1] + entry[1], 4),
                max(mine[2], entry[2]),
                _read_rows(rows, with_total=True),
            ]
        for store_name in ("intents", "interests"):
            mine, theirs = getattr(self, store_name), getattr(other, store_name)
            for key, entry in theirs.items():
                if key not in mine or entry[1] > mine[key][1]:
                    mine[key] = list(entry)
        self.traits = {**self.traits, **other.traits}
        self.static = sorted(set(self.static) | set(other.static))
        self.user_id = self.user_id or other.user_id
        self.dirty = True
        for mapping, limit in (
            (self.pages, MAX_PAGES),
            (self.events, MAX_EVENTS),
            (self.intents, MAX_SIGNALS),
            (self.interests, MAX_TOPICS),
        ):
            self._trim(mapping, limit)
