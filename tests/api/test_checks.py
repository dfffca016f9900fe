import pytest

from personalize.api.checks import check_api_settings


def ids(settings_errors):
    return sorted(error.id for error in settings_errors)


def test_defaults_pass():
    assert check_api_settings() == []


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PERSONALIZE_API_RATE_PER_VISITOR", "lots", "personalize.E020"),
        ("PERSONALIZE_API_RATE_PER_ADDRESS", "10/fortnight", "personalize.E020"),
        ("PERSONALIZE_API_MAX_BATCH", 0, "personalize.E021"),
        ("PERSONALIZE_API_MAX_BODY_BYTES", "64k", "personalize.E021"),
        ("PERSONALIZE_API_MAX_SLOTS", True, "personalize.E021"),
        ("PERSONALIZE_API_EVENT_NAMES", "signup", "personalize.E022"),
        ("PERSONALIZE_API_EVENT_NAMES", ["bad name"], "personalize.E022"),
    ],
)
def test_bad_settings_are_reported(settings, name, value, expected):
    setattr(settings, name, value)
    assert ids(check_api_settings()) == [expected]


def test_rates_may_be_disabled(settings):
    settings.PERSONALIZE_API_RATE_PER_VISITOR = None
    settings.PERSONALIZE_API_EVENT_NAMES = ["newsletter_signup", "video.play"]
    assert check_api_settings() == []
