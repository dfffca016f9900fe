"""System checks: each ID fires when it should and only then."""

import pytest
from django.core import checks
from django.test import override_settings

from personalize import checks as personalize_checks

MIDDLEWARE = "personalize.middleware.PersonalizeMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
SESSION = "django.contrib.sessions.middleware.SessionMiddleware"


def ids(messages):
    return sorted(message.id for message in messages)


def test_the_test_settings_pass_every_check(settings):
    local_memory = settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    expected = ["personalize.W006"] if local_memory else []
    assert ids(checks.run_checks(tags=["personalize"])) == expected


def test_w001_missing_middleware():
    with override_settings(MIDDLEWARE=[SESSION, AUTH]):
        assert ids(personalize_checks.check_middleware()) == ["personalize.W001"]


def test_e001_middleware_before_authentication():
    with override_settings(MIDDLEWARE=[SESSION, MIDDLEWARE, AUTH]):
        messages = personalize_checks.check_middleware()
    assert ids(messages) == ["personalize.E001"]
    assert AUTH in messages[0].hint


def test_w002_request_context_processor(settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"context_processors": []},
        }
    ]
    assert ids(personalize_checks.check_templates()) == ["personalize.W002"]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PERSONALIZE_CONSENT_MODE", "sometimes", "personalize.E002"),
        ("PERSONALIZE_COOKIE_SAMESITE", "lax-ish", "personalize.E003"),
        ("PERSONALIZE_EVENT_SINK", "no.such.Sink", "personalize.E004"),
        ("PERSONALIZE_PROFILE_STORE", "personalize.store.Nope", "personalize.E004"),
        ("PERSONALIZE_GEO_RESOLVERS", ["no.Resolver"], "personalize.E005"),
        ("PERSONALIZE_TRUSTED_PROXIES", ["10.0.0.0/8", "proxy.local"], "personalize.E006"),
        ("PERSONALIZE_GEOIP_PATH", "/nonexistent/GeoLite2-City.mmdb", "personalize.W004"),
        ("PERSONALIZE_COOKIE_NAMES", "typo", "personalize.W003"),
    ],
)
def test_settings_checks(name, value, expected):
    with override_settings(**{name: value}):
        assert ids(personalize_checks.check_settings()) == [expected]


def test_cache_checks():
    with override_settings(PERSONALIZE_CACHE_ALIAS="missing"):
        assert ids(personalize_checks.check_cache()) == ["personalize.E007"]
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    ):
        assert ids(personalize_checks.check_cache()) == ["personalize.W005"]
    with override_settings(DEBUG=True):
        assert ids(personalize_checks.check_cache()) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, []), ("Europe/London", []), ("Europe/Atlantis", ["personalize.E008"])],
)
def test_e008_time_zone_setting(value, expected):
    with override_settings(PERSONALIZE_TIME_ZONE=value):
        assert ids(personalize_checks.check_time_zones()) == expected


@pytest.mark.django_db
def test_e008_time_rules_with_an_unknown_time_zone():
    import datetime as dt

    from personalize.models import DateRangeRule, DayOfWeekRule, Segment, TimeOfDayRule

    segment = Segment.objects.create(name="Nights", slug="nights")
    night = TimeOfDayRule.objects.create(
        segment=segment, start=dt.time(22), end=dt.time(2), time_zone="Europe/London"
    )
    DayOfWeekRule.objects.create(segment=segment, days=["sat"], time_zone="UTC")
    weekend = DayOfWeekRule.objects.create(segment=segment, days=["sun"], time_zone="UTC")
    DateRangeRule.objects.create(segment=segment, start_date=dt.date(2025, 1, 1), time_zone="UTC")
    assert personalize_checks.check_time_zones(databases=["default"]) == []

    # stored around validation (update() skips it), or gone from the time zone database
    TimeOfDayRule.objects.filter(pk=night.pk).update(time_zone="Europe/Atlantis")
    DayOfWeekRule.objects.filter(pk=weekend.pk).update(time_zone="")
    messages = personalize_checks.check_time_zones(databases=["default"])
    assert ids(messages) == ["personalize.E008", "personalize.E008"]
    assert {message.msg for message in messages} == {
        f"TimeOfDayRule {night.pk} of segment 'nights' has the unknown time zone "
        "'Europe/Atlantis': it matches nobody.",
        f"DayOfWeekRule {weekend.pk} of segment 'nights' has the unknown time zone '': "
        "it matches nobody.",
    }
    # without databases (a plain `manage.py check`) only the settings are checked
    assert personalize_checks.check_time_zones() == []
