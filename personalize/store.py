"""The profile store: the cache in front, the database (``Visitor.profile``) behind it.

Reads are one cache round trip (profile and membership version together). A cache miss falls
back to the database row, and a cache that is down costs accuracy, never a failed page: the
profile is then rebuilt from the database. A profile neither can read is not started afresh:
the request shows default content and stores nothing, so the stored profile is kept.

After a failed cache call, a circuit breaker keeps the store away from the cache for
``PERSONALIZE_PROFILE_CACHE_RETRY_INTERVAL`` seconds (profiles come from the database), so a
cache that hangs costs one timeout per interval and process, not two per request.
"""

from __future__ import annotations

import functools
import uuid

from django.core.cache import caches
from django.utils.module_loading import import_string

from personalize.conf import get_setting
from personalize.engine.snapshot import MEMBERSHIP_VERSION_KEY
from personalize.profile import Profile
from personalize.utils import log_once

#: What :meth:`ProfileStore._through_breaker` answers for a cache call it did not make or
#: that failed.
SKIPPED = object()


def profile_key(visitor_id: str) -> str:
    return f"personalize:profile:{visitor_id}"


class ProfileStore:
    """Default store; replace with ``PERSONALIZE_PROFILE_STORE`` (same three methods:
    ``load(visitor_id, with_memberships=...)``, ``save(profile)``, ``delete(*visitor_ids)``)."""

    def __init__(self):
        from personalize.buffer import CircuitBreaker

        self.breaker = CircuitBreaker()

    @property
    def cache(self):
        return caches[get_setting("CACHE_ALIAS")]

    def _through_breaker(self, call, log_key: str = "", message: str = ""):
        """``call()`` (a cache operation) unless the breaker keeps the cache away: its answer,
        or :data:`SKIPPED` when the breaker is open or the call failed (which opens it, and is
        logged once under ``log_key``). A call that succeeds closes the breaker."""
        interval = float(get_setting("PROFILE_CACHE_RETRY_INTERVAL"))
        if not self.breaker.allow(interval):
            return SKIPPED
        try:
            answer = call()
        except Exception:
            self.breaker.failure(interval)
            if log_key:
                log_once(log_key, message, exc_info=True)
            return SKIPPED
        if self.breaker.is_open:  # the trial call after an interval: closed again
            self.breaker.success()
        return answer

    def load(self, visitor_id: str, *, with_memberships: bool) -> Profile | None:
        """The stored profile of ``visitor_id`` or None if we know nothing about it.

        Raises when neither the cache nor the database can say: a profile that could not be
        read is not an unknown visitor, and must not be started afresh (and then stored over
        the real one). The visitor is then loaded as failed: default content, nothing stored.
        """
        key = profile_key(visitor_id)
        if with_memberships:
            read = lambda: self.cache.get_many([key, MEMBERSHIP_VERSION_KEY])  # noqa: E731
        else:
            read = lambda: {key: self.cache.get(key)}  # noqa: E731
        found = self._through_breaker(
            read, "store-read", "personalize: profile cache unreadable; using the database."
        )
        if found is SKIPPED:
            found = {}
        data = found.get(key)
        # (anything but a dict under the key is not a profile: read the database copy)
        profile = (
            Profile.from_dict(data, visitor_id)
            if isinstance(data, dict)
            else self._from_db(visitor_id)
        )
        if profile is None:
            return None
        if with_memberships:
            version = found.get(MEMBERSHIP_VERSION_KEY) or self._membership_version()
            if profile.static_version != version:
                self._refresh_memberships(profile, version)
        return profile

    def save(self, profile: Profile) -> None:
        profile.compact()
        # (skipped or failed: the database copy is updated at the next sync)
        self._through_breaker(
            lambda: self.cache.set(
                profile_key(profile.id), profile.to_dict(), get_setting("PROFILE_TTL")
            ),
            "store-write",
            "personalize: profile cache unwritable; profile changes reach the database at the "
            "next sync.",
        )
        profile.dirty = False

    def delete(self, *visitor_ids: str) -> None:
        """Forget the cached profiles of ``visitor_ids``, in one cache round trip."""
        try:
            self.cache.delete_many([profile_key(visitor_id) for visitor_id in visitor_ids])
        except Exception:
            log_once(
                "store-delete", "personalize: profile cache unreachable for delete.", exc_info=True
            )

    def _membership_version(self) -> str:
        def read() -> str:
            self.cache.add(MEMBERSHIP_VERSION_KEY, uuid.uuid4().hex, timeout=None)
            return self.cache.get(MEMBERSHIP_VERSION_KEY) or ""

        version = self._through_breaker(read)
        return "" if version is SKIPPED else version

    # -- database fallbacks --------------------------------------------------------------
    def _from_db(self, visitor_id: str) -> Profile | None:
        from personalize.engine.offline import PROFILE_FIELDS, profile_from_row
        from personalize.models import Visitor

        try:
            row = Visitor.objects.live().filter(pk=visitor_id).values(*PROFILE_FIELDS).first()
        except Exception:
            log_once(
                "store-db-read",
                "personalize: cannot read visitor profiles from the database.",
                exc_info=True,
            )
            raise
        if row is None:
            return None
        profile = profile_from_row(row)
        profile.dirty = True  # put it back in the cache
        return profile

    def _refresh_memberships(self, profile: Profile, version: str) -> None:
        from personalize.models import Membership

        try:
            profile.static = list(
                Membership.objects.filter(
                    visitor_id=profile.id, segment__is_active=True
                ).values_list("segment__slug", flat=True)[:100]
            )
        except Exception:
            log_once(
                "store-memberships", "personalize: cannot read static memberships.", exc_info=True
            )
            return
        profile.static_version = version
        profile.dirty = True


@functools.cache
def _store_for(path: str) -> ProfileStore:
    return import_string(path)()


def get_store() -> ProfileStore:
    return _store_for(get_setting("PROFILE_STORE"))
