"""Settings, read at call time so ``override_settings`` just works.

Every setting is a flat ``PERSONALIZE_<NAME>`` in the Django settings module. The defaults
live in :data:`DEFAULTS`; ``docs/configuration.md`` documents each of them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

PREFIX = "PERSONALIZE_"

DAY = 24 * 60 * 60

DEFAULTS: dict[str, Any] = {
    # Master switch: when False the middleware does nothing and every tag renders its default.
    "ENABLED": True,
    # Visitor cookie.
    "COOKIE_NAME": "personalize_vid",
    "COOKIE_AGE": 365 * DAY,
    "COOKIE_DOMAIN": None,
    "COOKIE_PATH": "/",
    "COOKIE_SECURE": None,  # None: follow SESSION_COOKIE_SECURE
    "COOKIE_SAMESITE": "Lax",
    # Consent.
    "CONSENT_MODE": "implied",  # "implied" or "required"
    "CONSENT_COOKIE_NAME": "personalize_consent",
    "RESPECT_GPC": True,
    "RESPECT_DNT": True,
    # Paths (prefixes) the middleware neither tracks nor personalizes.
    "EXCLUDED_PATHS": ["/admin/", "/static/", "/media/", "/favicon.ico", "/robots.txt"],
    # Extra regular expressions (matched against the User-Agent) that mark a client as a bot.
    "BOT_USER_AGENTS": [],
    # Hosts that count as this site for referrer classification (besides the request host).
    "INTERNAL_HOSTS": [],
    # Storage.
    "CACHE_ALIAS": "default",
    # After a failed profile cache call, profiles skip the cache for this long (seconds).
    "PROFILE_CACHE_RETRY_INTERVAL": 5.0,
    # Ask Chromium browsers for the Client Hints that tell OS versions (Windows 11), on pages.
    "REQUEST_CLIENT_HINTS": False,
    "PROFILE_STORE": "personalize.store.ProfileStore",
    "PROFILE_TTL": 30 * DAY,
    "PROFILE_SYNC_INTERVAL": 60,
    "PROFILE_MAX_BYTES": 4096,
    "EVENT_SINK": "personalize.sinks.DatabaseSink",
    "VISIT_TIMEOUT": 30 * 60,
    "SNAPSHOT_CHECK_INTERVAL": 1.0,
    # Buffered sink (a Redis list drained by Celery); see docs/tasks.md.
    # Redis key of the list; the processing lists and lease table use it as a prefix.
    "BUFFER_KEY": "personalize:events",
    # Batches the list may hold; beyond it new batches are dropped and counted.
    "BUFFER_MAX_LENGTH": 1_000_000,
    # Batches kept in process memory while Redis is unreachable, re-sent once it is back.
    "BUFFER_FALLBACK_SIZE": 10_000,
    # Batches (one per request) a worker claims and ingests in one transaction.
    "BUFFER_BATCH_SIZE": 2_000,
    # None: the cache alias' LOCATION when it is a Redis cache, else the REDIS_URL env var.
    "BUFFER_REDIS_URL": None,
    # Connect and read timeout (seconds) of the request path's Redis calls.
    "BUFFER_SOCKET_TIMEOUT": 0.05,
    # After a failed Redis call, requests skip Redis for this long (seconds): circuit breaker.
    "BUFFER_RETRY_INTERVAL": 5.0,
    # A claimed chunk not acknowledged within this many seconds goes back to the list.
    "BUFFER_LEASE_SECONDS": 300,
    # Beat period (seconds) of the flush task, and a flush task's time budget.
    "BUFFER_FLUSH_INTERVAL": 5.0,
    # Static segments.
    "REBUILD_CHUNK_SIZE": 2_000,  # visitors evaluated in Python per chunk
    "REBUILD_INTERVAL": 3600,  # beat period (seconds) of the rebuild of every static segment
    "PURGE_CHUNK_SIZE": 10_000,  # rows deleted per statement by the retention purge
    # Geography.
    "GEO_RESOLVERS": [
        "personalize.tracking.geo.HeaderResolver",
        "personalize.tracking.geo.GeoIP2Resolver",
        "personalize.tracking.geo.EmbeddedResolver",
    ],
    "GEO_TRUSTED_HEADERS": [],
    "TRUSTED_PROXIES": [],
    "GEOIP_PATH": None,
    # Time.
    "TIME_ZONE": None,  # None: settings.TIME_ZONE
    # Measurement and data lifecycle.
    "CONVERSION_EVENTS": ["conversion", "purchase"],
    "RETENTION_DAYS": 395,
    "STATS_RETENTION_DAYS": 3 * 365,
    # Preview.
    "PREVIEW_PARAM": "personalize_preview",
    "PREVIEW_URL": "/",
    "PREVIEW_BANNER": True,  # a bar at the bottom of previewed pages, with an exit link
    # Interests.
    "INTEREST_HALF_LIFE_DAYS": 30.0,
    # Query parameter of the site's own search (SearchTermRule, search term intent signals).
    "SITE_SEARCH_PARAM": "q",
    # Limits on what a visitor can make us store.
    "MAX_TRAITS": 50,
    "MAX_TRAIT_LENGTH": 500,
    "MAX_EVENT_PROPERTIES": 20,
    "MAX_EVENT_PROPERTIES_BYTES": 2048,
    # REST API.
    "API_MAX_BODY_BYTES": 64 * 1024,
    "API_MAX_BATCH": 50,
    "API_RATE_PER_VISITOR": "120/min",
    "API_RATE_PER_ADDRESS": "600/min",
    "API_EXPORT_MAX_PAGE_SIZE": 1000,
    "API_MAX_SLOTS": 20,
    # Custom event names the event intake accepts from browsers (None: any valid name).
    "API_EVENT_NAMES": None,
}


_values: dict[str, Any] = {}


def get_setting(name: str) -> Any:
    """Return ``settings.PERSONALIZE_<name>``, or its default.

    Values are remembered until Django signals a settings change (``override_settings`` and
    pytest-django's ``settings`` fixture do), because the hot path reads a dozen settings per
    request and a missing Django setting costs an exception each time.
    """
    try:
        return _values[name]
    except KeyError:
        pass
    try:
        default = DEFAULTS[name]
    except KeyError:
        raise AttributeError(f"Unknown django-personalize setting: {PREFIX}{name}") from None
    value = getattr(settings, PREFIX + name, default)
    _values[name] = value
    return value


_django_values: dict[str, Any] = {}


def django_setting(name: str) -> Any:
    """Django's own ``settings.<name>``, remembered like :func:`get_setting`: each read of
    ``django.conf.settings`` goes through its lazy proxy, dear on the hot path."""
    try:
        return _django_values[name]
    except KeyError:
        pass
    value = getattr(settings, name)
    _django_values[name] = value
    return value


_parsed: dict[str, Any] = {}
_generation = [0]


def get_parsed_setting(name: str, build) -> Any:
    """``build(get_setting(name))``, remembered like :func:`get_setting`.

    For settings that need work before use on every request: compiled patterns, networks,
    resolver chains. ``build`` must depend on the setting's value only.
    """
    try:
        return _parsed[name]
    except KeyError:
        pass
    generation = _generation[0]
    value = build(get_setting(name))
    if generation == _generation[0]:  # no settings change while building
        _parsed[name] = value
    return value


def clear_cache() -> None:
    """Forget remembered settings (done for you when Django signals a settings change)."""
    _generation[0] += 1
    _values.clear()
    _parsed.clear()
    _django_values.clear()


def _forget(*, setting: str, **kwargs) -> None:
    if setting.startswith(PREFIX) or setting in ("SESSION_COOKIE_SECURE", "TIME_ZONE"):
        clear_cache()
    _django_values.pop(setting, None)


setting_changed.connect(_forget, dispatch_uid="personalize.conf.setting_changed")


def cookie_secure() -> bool:
    value = get_setting("COOKIE_SECURE")
    if value is None:
        return bool(getattr(settings, "SESSION_COOKIE_SECURE", False))
    return bool(value)


def cookie_options() -> dict[str, Any]:
    """Attributes of every cookie the app sets (the visitor and the consent cookie), as
    keyword arguments of ``HttpResponse.set_cookie``: one place for secure, SameSite, domain,
    path, lifetime and HttpOnly (scripts never need to read them). ``SameSite=None`` implies
    ``Secure``: browsers refuse a cross-site cookie that is not."""
    samesite = get_setting("COOKIE_SAMESITE")
    return {
        "max_age": get_setting("COOKIE_AGE"),
        "domain": get_setting("COOKIE_DOMAIN"),
        "path": get_setting("COOKIE_PATH"),
        "secure": cookie_secure() or str(samesite).lower() == "none",
        "httponly": True,
        "samesite": samesite,
    }


def is_excluded(path: str) -> bool:
    """Whether ``path`` is under ``PERSONALIZE_EXCLUDED_PATHS``: never tracked or personalized."""
    return path.startswith(get_parsed_setting("EXCLUDED_PATHS", tuple))


def time_zone_name() -> str:
    return get_setting("TIME_ZONE") or settings.TIME_ZONE or "UTC"
