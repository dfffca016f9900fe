"""The result of a classification: :class:`Source`, and the immutable mapping its fields use."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from personalize.tracking.referrer.tables import (
    CLICK_IDS,
    DIRECT,
    MAX_CLICK_ID,
    MAX_HOST,
    MAX_SOURCE,
    MAX_TERM,
    MAX_UTM_VALUE,
    MEDIUMS,
    UTM_KEYS,
)
from personalize.tracking.referrer.text import _clean_str

logger = logging.getLogger(__name__)


class FrozenMapping(Mapping[str, str]):
    """A small immutable, hashable ``str -> str`` mapping (``MappingProxyType`` is unhashable)."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._data: dict[str, str] = dict(data)
        self._hash: int | None = None

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: str, default=None):
        # The dict's own, not Mapping.get's try/except around __getitem__: rules read it
        # on every request.
        return self._data.get(key, default)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMapping, (dict(self._data),))


EMPTY: Mapping[str, str] = FrozenMapping()


def _frozen(value: object) -> FrozenMapping:
    if isinstance(value, FrozenMapping):
        return value
    if not isinstance(value, Mapping):
        return FrozenMapping()
    return FrozenMapping(
        (k, v) for k, v in islice(value.items(), 64) if isinstance(k, str) and isinstance(v, str)
    )


@dataclass(frozen=True, slots=True)
class Source:
    """Where a visit came from. Immutable and hashable; see the package docstring."""

    medium: str = DIRECT
    source: str = ""
    term: str = ""
    referrer_host: str = ""
    utm: Mapping[str, str] = field(default=EMPTY)
    click_ids: Mapping[str, str] = field(default=EMPTY)
    is_internal: bool = False

    def __post_init__(self) -> None:
        # Accept plain dicts from callers but store immutable, hashable mappings.
        object.__setattr__(self, "utm", _frozen(self.utm))
        object.__setattr__(self, "click_ids", _frozen(self.click_ids))

    def as_dict(self) -> dict[str, Any]:
        """A plain, JSON-able dict (every key always present), e.g. for a visitor profile."""
        return {
            "medium": self.medium,
            "source": self.source,
            "term": self.term,
            "referrer_host": self.referrer_host,
            "utm": dict(self.utm),
            "click_ids": dict(self.click_ids),
            "is_internal": self.is_internal,
        }

    @classmethod
    def from_dict(cls, data: object) -> Source:
        """Rebuild from :meth:`as_dict` output; anything missing or malformed gets its default.

        Never raises: stored profiles may be old, truncated or tampered with.
        """
        if cls is Source:
            key = _stored_key(data)
            if key is not None:
                return _from_stored(key)
        return cls._read(data)

    @classmethod
    def _read(cls, data: object) -> Source:
        if not isinstance(data, Mapping):
            return cls()
        try:
            medium = data.get("medium")
            utm_in = data.get("utm")
            clicks_in = data.get("click_ids")
            return cls(
                medium=medium if isinstance(medium, str) and medium in MEDIUMS else DIRECT,
                source=_clean_str(data.get("source"), MAX_SOURCE, lower=True),
                term=_clean_str(data.get("term"), MAX_TERM, lower=True),
                referrer_host=_clean_str(data.get("referrer_host"), MAX_HOST, lower=True),
                utm=_read_mapping(utm_in, UTM_KEYS, MAX_UTM_VALUE),
                click_ids=_read_mapping(clicks_in, CLICK_IDS, MAX_CLICK_ID),
                is_internal=data.get("is_internal") is True,
            )
        except Exception:
            logger.debug("Unreadable stored traffic source", exc_info=True)
            return cls()


def _stored_key(data: object) -> tuple | None:
    """A hashable stand-in for ``data`` when it has the shape :meth:`Source.as_dict` writes
    (text fields, a flag, and mappings of text to text, each value of exactly that type, so
    that equal stand-ins read the same); else None."""
    if type(data) is not dict:
        return None
    try:
        fields = (data["medium"], data["source"], data["term"], data["referrer_host"])
        utm, clicks, internal = data["utm"], data.get("click_ids", {}), data["is_internal"]
    except KeyError:
        return None
    if type(internal) is not bool or type(utm) is not dict or type(clicks) is not dict:
        return None
    mappings = (*utm.items(), *clicks.items())
    texts = (*fields, *(text for item in mappings for text in item))
    if len(mappings) > 8 or any(type(text) is not str for text in texts):
        return None
    if sum(map(len, texts)) > 2000:  # (only what is worth remembering)
        return None
    return fields, tuple(utm.items()), tuple(clicks.items()), internal


@functools.lru_cache(maxsize=1024)
def _from_stored(key: tuple) -> Source:
    """:meth:`Source.from_dict` of the dict :func:`_stored_key` made ``key`` of, remembered by
    value (bounded LRU): each page view of a visit reads the visit's source again."""
    (medium, source, term, host), utm, clicks, internal = key
    return Source._read(
        {
            "medium": medium,
            "source": source,
            "term": term,
            "referrer_host": host,
            "utm": dict(utm),
            "click_ids": dict(clicks),
            "is_internal": internal,
        }
    )


def _read_mapping(data: object, keys: Iterable[str], cap: int) -> FrozenMapping:
    """The ``keys`` of a stored mapping (in the order of ``keys``) with non-empty text values,
    cleaned and cut to ``cap``; anything else is dropped."""
    if not isinstance(data, Mapping) or not data:
        return EMPTY
    found = {}
    for key in keys:
        value = data.get(key)
        if value is not None:  # (most keys are absent: nothing to clean)
            value = _clean_str(value, cap)
            if value:
                found[key] = value
    return FrozenMapping(found) if found else EMPTY
