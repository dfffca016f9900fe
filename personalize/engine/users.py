"""What rules may know about the signed-in user: account flags, and group names cached per user.

Group names are read lazily (only a rule that needs them asks) and cached for
:data:`USER_GROUPS_TTL` seconds, so the hot path does not query them on every request; the
``m2m_changed`` receiver in ``signals.py`` forgets them when memberships change.
"""

from __future__ import annotations

import functools

from django.core.cache import caches

from personalize.conf import get_setting
from personalize.engine.context import ANONYMOUS, UserFacts
from personalize.utils import log_once

USER_GROUPS_TTL = 300


def groups_key(user_id) -> str:
    return f"personalize:user-groups:{user_id}"


def user_groups(user_id: int) -> frozenset[str]:
    """Group names of a user, cached so the hot path does not query them every request."""
    from django.contrib.auth import get_user_model

    key = groups_key(user_id)
    cache = caches[get_setting("CACHE_ALIAS")]
    try:
        cached = cache.get(key)
    except Exception:
        cached = None
    if cached is not None:
        return frozenset(cached)
    names = frozenset(
        get_user_model().objects.filter(pk=user_id).values_list("groups__name", flat=True)
    ) - {None}
    try:
        cache.set(key, sorted(names), USER_GROUPS_TTL)
    except Exception:
        log_once("user-groups", "personalize: cannot cache user groups.", exc_info=True)
    return names


def forget_user_groups(user_ids) -> None:
    """Drop cached group names (their groups changed)."""
    keys = [groups_key(user_id) for user_id in user_ids]
    try:
        caches[get_setting("CACHE_ALIAS")].delete_many(keys)
    except Exception:
        log_once("user-groups-forget", "personalize: cannot forget user groups.", exc_info=True)


def user_facts(request) -> UserFacts:
    return facts_for_user(getattr(request, "user", None))


def facts_for_user(user) -> UserFacts:
    """What rules may know about ``user`` (group names read lazily, and cached)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return ANONYMOUS
    return UserFacts(
        is_authenticated=True,
        is_staff=bool(user.is_staff),
        is_superuser=bool(user.is_superuser),
        user_id=user.pk,
        groups_loader=functools.partial(user_groups, user.pk),
    )
