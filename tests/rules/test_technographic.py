"""Technographic rules: device, browser, operating system, language."""

import pytest

from personalize.rules import BrowserRule, DeviceRule, LanguageRule, OSRule
from personalize.tracking.devices import Device
from personalize.tracking.headers import parse_accept_language
from tests.rules.conftest import both, field_errors, make_ctx, model_errors


def on(**device):
    return make_ctx(device=Device(**device))


# -- DeviceRule -----------------------------------------------------------------------------
def test_device_rule():
    assert DeviceRule(device_types=["mobile"]).evaluate(on(type="mobile"))
    assert DeviceRule(device_types=["mobile", "tablet"]).evaluate(on(type="tablet"))
    assert both(DeviceRule(device_types=["mobile"]), on(type="desktop")) == (False, True)
    assert DeviceRule(device_types=["desktop"]).evaluate(make_ctx())  # unknown: desktop


def test_device_rule_clean_and_describe():
    assert model_errors(DeviceRule(device_types=[]))["device_types"] == [
        "Choose at least one device type."
    ]
    assert DeviceRule(device_types=["mobile", "tablet"]).describe() == (
        "Uses a mobile or tablet device"
    )


# -- BrowserRule and OSRule -----------------------------------------------------------------
def test_browser_rule_family_and_version():
    chrome = on(browser="Chrome", browser_version="120")
    assert BrowserRule(browsers=["Chrome", "Edge"]).evaluate(chrome)
    assert both(BrowserRule(browsers=["Safari"]), chrome) == (False, True)
    assert BrowserRule(browsers=["Chrome"], version_operator="gte", version=100).evaluate(chrome)
    assert not BrowserRule(browsers=["Chrome"], version_operator="lt", version=100).evaluate(chrome)


def test_browser_rule_unknown_browser_or_version():
    unknown = make_ctx()
    assert both(BrowserRule(browsers=["Chrome"]), unknown) == (False, True)
    no_version = on(browser="Firefox")
    assert BrowserRule(browsers=["Firefox"]).evaluate(no_version)
    # a version condition cannot be confirmed without a version
    versioned = BrowserRule(browsers=["Firefox"], version_operator="lt", version=200)
    assert not versioned.evaluate(no_version)


def test_os_rule_family_and_version():
    iphone = on(type="mobile", os="iOS", os_version="17")
    assert OSRule(systems=["iOS", "Android"]).evaluate(iphone)
    assert OSRule(systems=["iOS"], version_operator="lt", version=18).evaluate(iphone)
    assert not OSRule(systems=["iOS"], version_operator="gte", version=18).evaluate(iphone)
    assert both(OSRule(systems=["Windows"]), iphone) == (False, True)


@pytest.mark.parametrize(
    ("ua", "browser", "system"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Safari",
            "iOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
            "Edge",
            "Windows",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Firefox",
            "Linux",
        ),
    ],
)
def test_browser_and_os_rules_on_real_user_agents(ua, browser, system):
    from personalize.tracking.devices import detect_device

    ctx = make_ctx(device=detect_device({"HTTP_USER_AGENT": ua}))
    assert BrowserRule(browsers=[browser]).evaluate(ctx)
    assert OSRule(systems=[system]).evaluate(ctx)


def test_browser_and_os_rules_clean_and_describe():
    assert model_errors(BrowserRule(browsers=[]))["browsers"] == ["Choose at least one browser."]
    assert model_errors(OSRule(systems=[]))["systems"] == ["Choose at least one operating system."]
    assert "version" in field_errors(BrowserRule(browsers=["Chrome"], version_operator="gte"))
    assert "version" in field_errors(BrowserRule(browsers=["Chrome"], version=100))
    assert field_errors(BrowserRule(browsers=["Chrome"], version_operator="gte", version=9)) == {}
    assert BrowserRule(browsers=["Chrome", "Edge"]).describe() == "Browses with Chrome or Edge"
    assert OSRule(systems=["iOS"], version_operator="lt", version=17).describe() == (
        "Uses iOS, version less than 17"
    )


# -- LanguageRule ---------------------------------------------------------------------------
def speaking(header):
    return make_ctx(languages=parse_accept_language(header))


def test_language_rule_primary_tags_and_exact_tags():
    british = speaking("en-GB,en;q=0.9,fr;q=0.5")
    assert LanguageRule(languages="en").evaluate(british)
    assert LanguageRule(languages="en-gb").evaluate(british)
    assert not LanguageRule(languages="en-us").evaluate(british)
    assert not LanguageRule(languages="fr").evaluate(british)  # not the first choice
    assert LanguageRule(languages="fr", first_choice_only=False).evaluate(british)
    assert LanguageRule(languages="de, fr", first_choice_only=False).evaluate(british)


def test_language_rule_honours_quality_order_and_missing_header():
    assert LanguageRule(languages="fr").evaluate(speaking("en;q=0.1, fr;q=0.9"))
    assert not LanguageRule(languages="en").evaluate(speaking("en;q=0, fr"))  # q=0 refuses
    assert both(LanguageRule(languages="en"), speaking("")) == (False, True)
    assert both(LanguageRule(languages="en"), speaking("*")) == (False, True)


def test_language_rule_clean_and_describe():
    rule = LanguageRule(languages=" EN, pt_BR ")
    assert field_errors(rule) == {}
    assert rule.languages == "en, pt-br"
    assert LanguageRule(languages="pt-br").evaluate(speaking("pt-BR"))
    assert "languages" in field_errors(LanguageRule(languages=""))
    assert "languages" in field_errors(LanguageRule(languages="english"))
    assert "languages" in field_errors(LanguageRule(languages="en, *"))
    assert LanguageRule(languages="en, fr").describe() == "Prefers en or fr as browser language"
    assert LanguageRule(languages="de", first_choice_only=False).describe() == (
        "Accepts de as browser language"
    )
