"""System checks of the buffer and tasks settings."""

from __future__ import annotations

from personalize.checks import check_buffer


def ids(errors):
    return sorted(error.id for error in errors)


def test_defaults_pass(settings):
    assert check_buffer() == []


def test_buffered_sink_without_redis_is_an_error(settings, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings.PERSONALIZE_EVENT_SINK = "personalize.sinks.BufferedSink"
    settings.PERSONALIZE_BUFFER_REDIS_URL = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert ids(check_buffer()) == ["personalize.E030"]
    settings.PERSONALIZE_BUFFER_REDIS_URL = "redis://127.0.0.1:6379/0"
    assert check_buffer() == []


def test_slow_timeout_is_a_warning(settings):
    settings.PERSONALIZE_EVENT_SINK = "personalize.sinks.BufferedSink"
    settings.PERSONALIZE_BUFFER_REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.PERSONALIZE_BUFFER_SOCKET_TIMEOUT = 2
    assert ids(check_buffer()) == ["personalize.W030"]
    # docs/checks.md: only with the buffered sink (no request calls that Redis otherwise)
    settings.PERSONALIZE_EVENT_SINK = "personalize.sinks.DatabaseSink"
    assert ids(check_buffer()) == []


def test_missing_redis_package_is_an_error(settings, monkeypatch):
    import sys

    settings.PERSONALIZE_EVENT_SINK = "personalize.sinks.BufferedSink"
    settings.PERSONALIZE_BUFFER_REDIS_URL = "redis://127.0.0.1:6379/0"
    monkeypatch.setitem(sys.modules, "redis", None)
    assert "personalize.E031" in ids(check_buffer())


def test_bad_numbers_and_conversion_events(settings):
    settings.PERSONALIZE_BUFFER_BATCH_SIZE = 0
    settings.PERSONALIZE_RETENTION_DAYS = "a year"
    settings.PERSONALIZE_BUFFER_LEASE_SECONDS = True
    settings.PERSONALIZE_CONVERSION_EVENTS = "purchase"
    assert ids(check_buffer()) == [
        "personalize.E032",
        "personalize.E032",
        "personalize.E032",
        "personalize.E033",
    ]
