"""System checks (``python manage.py check``). Each ID is documented in docs/checks.md."""

from __future__ import annotations

import ipaddress
import os

from django.conf import settings
from django.core import checks
from django.db import DatabaseError
from django.utils.module_loading import import_string

from personalize.conf import DEFAULTS, PREFIX, get_setting

MIDDLEWARE = "personalize.middleware.PersonalizeMiddleware"
SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
REQUEST_PROCESSOR = "django.template.context_processors.request"


def check_middleware(app_configs=None, **kwargs):
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE not in middleware:
        return [
            checks.Warning(
                f"{MIDDLEWARE} is not in MIDDLEWARE: templates will show default content only.",
                hint=f'Add "{MIDDLEWARE}" to MIDDLEWARE, after {AUTH}.',
                id="personalize.W001",
            )
        ]
    errors = []
    position = middleware.index(MIDDLEWARE)
    for dependency in (SESSION, AUTH):
        if dependency in middleware and middleware.index(dependency) > position:
            errors.append(
                checks.Error(
                    f"{MIDDLEWARE} must come after {dependency}.",
                    hint=f'Move "{MIDDLEWARE}" below "{dependency}" in MIDDLEWARE.',
                    id="personalize.E001",
                )
            )
    return errors


def check_templates(app_configs=None, **kwargs):
    for backend in getattr(settings, "TEMPLATES", []):
        if backend.get("BACKEND") != "django.template.backends.django.DjangoTemplates":
            continue
        processors = backend.get("OPTIONS", {}).get("context_processors", [])
        if REQUEST_PROCESSOR in processors:
            return []
    return [
        checks.Warning(
            "The personalize template tags need the request in the template context.",
            hint=f'Add "{REQUEST_PROCESSOR}" to TEMPLATES[...]["OPTIONS"]["context_processors"].',
            id="personalize.W002",
        )
    ]


def check_settings(app_configs=None, **kwargs):
    errors = []
    unknown = sorted(
        name
        for name in dir(settings)
        if name.startswith(PREFIX) and name[len(PREFIX) :] not in DEFAULTS
    )
    errors.extend(
        checks.Warning(
            f"Unknown setting {name}.",
            hint="Check its spelling against docs/configuration.md.",
            id="personalize.W003",
        )
        for name in unknown
    )
    if get_setting("CONSENT_MODE") not in ("implied", "required"):
        errors.append(
            checks.Error(
                f"{PREFIX}CONSENT_MODE must be 'implied' or 'required'.",
                id="personalize.E002",
            )
        )
    if get_setting("COOKIE_SAMESITE") not in ("Lax", "Strict", "None", False):
        errors.append(
            checks.Error(
                f"{PREFIX}COOKIE_SAMESITE must be 'Lax', 'Strict', 'None' or False.",
                id="personalize.E003",
            )
        )
    for name in ("EVENT_SINK", "PROFILE_STORE"):
        try:
            import_string(get_setting(name))
        except ImportError as exc:
            errors.append(
                checks.Error(
                    f"{PREFIX}{name} cannot be imported: {exc}",
                    hint="Give the dotted path of a class, e.g. personalize.sinks.DatabaseSink.",
                    id="personalize.E004",
                )
            )
    for path in get_setting("GEO_RESOLVERS"):
        try:
            import_string(path)
        except ImportError as exc:
            errors.append(
                checks.Error(
                    f"Geo resolver {path!r} cannot be imported: {exc}",
                    id="personalize.E005",
                )
            )
    for proxy in get_setting("TRUSTED_PROXIES"):
        try:
            ipaddress.ip_network(str(proxy), strict=False)
        except ValueError:
            errors.append(
                checks.Error(
                    f"{PREFIX}TRUSTED_PROXIES entry {proxy!r} is not an IP address or network.",
                    id="personalize.E006",
                )
            )
    geoip = get_setting("GEOIP_PATH")
    if geoip and not os.path.isfile(geoip):
        errors.append(
            checks.Warning(
                f"{PREFIX}GEOIP_PATH {geoip!r} does not exist: the GeoIP resolver is skipped.",
                id="personalize.W004",
            )
        )
    return errors


def check_time_zones(app_configs=None, databases=None, **kwargs):
    """personalize.E008: a time zone that does not exist, in the settings or in a stored time
    rule. Rules are read only when checks run with databases (``migrate``, ``check
    --database default``), like Django's own database checks."""
    from personalize.rules.context import ZonedRule, load_zone

    errors = []
    name = get_setting("TIME_ZONE")
    if name is not None and load_zone(name) is None:
        errors.append(
            checks.Error(
                f"{PREFIX}TIME_ZONE {name!r} is not a known time zone.",
                hint="Use an IANA name such as 'Europe/London' or 'UTC', or None for TIME_ZONE.",
                id="personalize.E008",
            )
        )
    from personalize.models import Rule

    zoned = [model for model in Rule.rule_types() if issubclass(model, ZonedRule)]
    for alias in databases or ():
        for model in zoned:
            try:
                rows = list(
                    model.objects.using(alias)
                    .order_by("pk")
                    .values_list("pk", "time_zone", "segment__slug")
                )
            except DatabaseError:  # tables not created yet (before migrate), database down
                continue
            errors.extend(
                checks.Error(
                    f"{model.__name__} {pk} of segment {slug!r} has the unknown time zone "
                    f"{zone!r}: it matches nobody.",
                    hint="Pick a time zone such as 'Europe/London' for it in the admin.",
                    obj=f"{model._meta.label} {pk}",
                    id="personalize.E008",
                )
                for pk, zone, slug in rows
                if load_zone(zone) is None
            )
    return errors


def check_cache(app_configs=None, **kwargs):
    alias = get_setting("CACHE_ALIAS")
    caches = getattr(settings, "CACHES", {})
    if alias not in caches:
        return [
            checks.Error(
                f"{PREFIX}CACHE_ALIAS {alias!r} is not in CACHES.",
                id="personalize.E007",
            )
        ]
    backend = caches[alias].get("BACKEND", "")
    if backend.endswith("DummyCache"):
        return [
            checks.Warning(
                "The personalize cache is a DummyCache: every request reads profiles from the "
                "database and definition changes are seen once a second at most.",
                hint="Use a real cache (Redis or Memcached) for PERSONALIZE_CACHE_ALIAS.",
                id="personalize.W005",
            )
        ]
    if backend.endswith("LocMemCache") and not settings.DEBUG:
        return [
            checks.Warning(
                "The personalize cache is process-local (LocMemCache): with several processes, "
                "an edit is seen only by the process that made it and profiles are not shared.",
                hint="Use a shared cache such as django.core.cache.backends.redis.RedisCache.",
                id="personalize.W006",
            )
        ]
    return []


def check_buffer(app_configs=None, **kwargs):
    """The buffered sink and the background tasks (personalize.E030-E033, W030)."""
    errors = []
    positive = (
        "BUFFER_MAX_LENGTH",
        "BUFFER_FALLBACK_SIZE",
        "BUFFER_BATCH_SIZE",
        "BUFFER_LEASE_SECONDS",
        "BUFFER_FLUSH_INTERVAL",
        "BUFFER_SOCKET_TIMEOUT",
        "BUFFER_RETRY_INTERVAL",
        "REBUILD_CHUNK_SIZE",
        "REBUILD_INTERVAL",
        "PURGE_CHUNK_SIZE",
        "RETENTION_DAYS",
        "STATS_RETENTION_DAYS",
    )
    for name in positive:
        value = get_setting(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            errors.append(
                checks.Error(
                    f"{PREFIX}{name} must be a positive number; got {value!r}.",
                    id="personalize.E032",
                )
            )
    events = get_setting("CONVERSION_EVENTS")
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        errors.append(
            checks.Error(
                f"{PREFIX}CONVERSION_EVENTS must be a list of event names.",
                id="personalize.E033",
            )
        )
    from personalize.tasks import uses_buffered_sink

    if not uses_buffered_sink():
        return errors
    try:
        import redis  # noqa: F401
    except ImportError:
        errors.append(
            checks.Error(
                "The buffered event sink needs the redis package.",
                hint='Install django-personalize[redis] (or "redis>=5").',
                id="personalize.E031",
            )
        )
    from personalize.buffer import buffer_url

    if not buffer_url():
        errors.append(
            checks.Error(
                "The buffered event sink has no Redis to write to: every event would be dropped.",
                hint=(
                    f"Set {PREFIX}BUFFER_REDIS_URL, use a Redis cache for "
                    f"{PREFIX}CACHE_ALIAS, or set the REDIS_URL environment variable."
                ),
                id="personalize.E030",
            )
        )
    timeout = get_setting("BUFFER_SOCKET_TIMEOUT")
    if isinstance(timeout, int | float) and timeout > 0.5:
        errors.append(
            checks.Warning(
                f"{PREFIX}BUFFER_SOCKET_TIMEOUT is {timeout}s: a slow Redis can hold "
                "every request that long.",
                hint="Keep it at a small fraction of a second (the default is 0.05).",
                id="personalize.W030",
            )
        )
    return errors


def register() -> None:
    from personalize.api.checks import check_api_settings

    for check in (
        check_middleware,
        check_templates,
        check_settings,
        check_time_zones,
        check_cache,
        check_buffer,
    ):
        checks.register(check, "personalize")
    checks.register(check_api_settings, "personalize")
