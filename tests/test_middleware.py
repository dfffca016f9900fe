"""PersonalizeMiddleware: cookies, caching headers, what is tracked and what is not."""

import pytest
from django.core import signing
from django.test import Client, override_settings

from personalize.models import Event, Visitor
from personalize.request_facts import _read_cookie
from personalize.visitor import COOKIE_SALT
from tests.conftest import shown
from tests.factories import SegmentFactory, SlotFactory, VariantFactory, page_rule

pytestmark = pytest.mark.django_db

COOKIE = "personalize_vid"


def visitor_id(response):
    morsel = response.cookies[COOKIE]
    return signing.get_cookie_signer(salt=signing._cookie_signer_salt(COOKIE, COOKIE_SALT)).unsign(
        morsel.value
    )


def test_first_page_sets_a_signed_httponly_lax_cookie(browser):
    response = browser.get("/t/slot/")
    morsel = response.cookies[COOKIE]
    assert morsel["httponly"]
    assert morsel["samesite"] == "Lax"
    assert int(morsel["max-age"]) == 365 * 24 * 3600
    assert len(visitor_id(response)) == 32


def test_the_cookie_is_set_once_per_visit_not_on_every_page(browser):
    first = browser.get("/t/slot/")
    second = browser.get("/t/slot/")
    assert COOKIE in first.cookies
    assert COOKIE not in second.cookies
    assert Visitor.objects.count() == 1


def test_a_forged_cookie_is_replaced_by_a_new_visitor(browser):
    browser.get("/t/slot/")
    real = Visitor.objects.get()
    browser.cookies[COOKIE] = real.id.hex + ":forged-signature"
    response = browser.get("/t/slot/")
    assert visitor_id(response) != real.id.hex
    assert Visitor.objects.count() == 2


@pytest.mark.parametrize(
    "value",
    # WSGI hands cookies over as latin-1 decoded bytes: UTF-8 arrives as mojibake
    [
        "",
        "x" * 5000,
        "\x00\x01",
        "é😀".encode().decode("latin-1"),
        "abc:def:ghi",
        "..",
        "a" * 32 + ":",
    ],
)
def test_malformed_cookies_never_fail_the_page(browser, value):
    browser.cookies[COOKIE] = value
    response = browser.get("/t/slot/")
    assert response.status_code == 200
    assert COOKIE in response.cookies


def test_a_validly_signed_but_non_uuid_cookie_is_replaced(browser):
    signer = signing.get_cookie_signer(salt=signing._cookie_signer_salt(COOKIE, COOKIE_SALT))
    browser.cookies[COOKIE] = signer.sign("not-a-uuid")
    response = browser.get("/t/slot/")
    assert len(visitor_id(response)) == 32


def test_a_returning_browser_cookie_signature_is_checked_once(browser):
    first = browser.get("/t/slot/")
    _read_cookie.cache_clear()
    browser.get("/t/slot/")
    browser.get("/t/slot/")
    assert _read_cookie.cache_info().misses == 1
    assert _read_cookie.cache_info().hits == 1
    assert Visitor.objects.get().id.hex == visitor_id(first)


def test_a_new_secret_key_rejects_cookies_checked_under_the_old_one(browser):
    first = browser.get("/t/slot/")
    browser.get("/t/slot/")  # checked, and remembered
    with override_settings(SECRET_KEY="another-tests-only-secret"):
        response = browser.get("/t/slot/")
        assert COOKIE in response.cookies  # a new visitor
    assert Visitor.objects.count() == 2
    assert first.cookies[COOKIE].value != response.cookies[COOKIE].value


def test_cookie_settings_are_honoured(browser):
    with override_settings(
        PERSONALIZE_COOKIE_NAME="who",
        PERSONALIZE_COOKIE_SECURE=True,
        PERSONALIZE_COOKIE_SAMESITE="Strict",
        PERSONALIZE_COOKIE_AGE=60,
    ):
        morsel = browser.get("/t/slot/").cookies["who"]
    assert morsel["secure"]
    assert morsel["samesite"] == "Strict"
    assert int(morsel["max-age"]) == 60


@pytest.mark.parametrize("samesite", ["None", "none"])
def test_a_samesite_none_cookie_is_always_secure(browser, samesite):
    # browsers refuse a SameSite=None cookie without Secure: the visitor would be new each time
    with override_settings(PERSONALIZE_COOKIE_SAMESITE=samesite, PERSONALIZE_COOKIE_SECURE=False):
        morsel = browser.get("/t/slot/").cookies[COOKIE]
    assert morsel["secure"]
    assert morsel["samesite"].lower() == "none"


def test_personalized_pages_are_private_and_vary_on_cookie(browser):
    response = browser.get("/t/public-slot/")
    cache_control = response.headers["Cache-Control"]
    assert "private" in cache_control
    assert "public" not in cache_control
    assert "Cookie" in response.headers["Vary"]


def test_private_headers_are_set_on_a_bare_page_and_merged_with_the_views_own(
    browser, admin_client
):
    bare = browser.get("/t/slot/")
    assert bare.headers["Cache-Control"] == "private"
    assert bare.headers["Vary"] == "Cookie"
    merged = browser.get("/t/public-slot/")
    assert set(merged.headers["Cache-Control"].split(", ")) == {"private", "max-age=600"}
    assert merged.headers["Vary"] == "Cookie"
    preview = admin_client.get("/t/slot/?personalize_preview=segment:x")
    assert preview.headers["Cache-Control"] == "private, no-store"


def test_pages_without_personalization_keep_their_headers_for_a_known_visitor(browser):
    browser.get("/t/slot/")  # becomes a known visitor: cookie set
    response = browser.get("/t/plain/")
    assert COOKIE not in response.cookies
    assert set(response.headers["Cache-Control"].split(", ")) == {"public", "max-age=600"}
    assert "Vary" not in response.headers


def test_a_response_setting_the_cookie_is_private_even_without_personalization(browser):
    response = browser.get("/t/plain/")
    assert COOKIE in response.cookies
    assert "private" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "headers",
    [
        {
            "HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        },
        {
            "HTTP_USER_AGENT": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
        },
        {"HTTP_USER_AGENT": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_X_MOZ": "prefetch"},
        {"HTTP_SEC_GPC": "1"},
        {"HTTP_DNT": "1"},
    ],
)
def test_bots_prefetches_and_opt_outs_create_nothing(headers):
    client = Client(**headers)
    response = client.get("/t/slot/")
    assert response.status_code == 200
    assert COOKIE not in response.cookies
    assert Visitor.objects.count() == 0
    assert Event.objects.count() == 0


def test_a_page_a_cms_marks_as_a_preview_is_not_tracked():
    response = Client().get("/t/cms-preview/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert COOKIE not in response.cookies
    assert Visitor.objects.count() == 0
    assert Event.objects.count() == 0


def test_head_requests_are_not_tracked():
    response = Client().head("/t/slot/")
    assert response.status_code == 200
    assert Visitor.objects.count() == 0


def test_consent_required_mode_tracks_nobody_without_consent():
    with override_settings(PERSONALIZE_CONSENT_MODE="required"):
        response = Client().get("/t/slot/")
    assert COOKIE not in response.cookies
    assert Event.objects.count() == 0


def test_an_explicit_grant_overrides_gpc():
    from django.http import HttpResponse

    from personalize.tracking.consent import set_consent

    response = HttpResponse()
    set_consent(response, granted=True)
    client = Client(HTTP_SEC_GPC="1")
    client.cookies["personalize_consent"] = response.cookies["personalize_consent"].value
    assert COOKIE in client.get("/t/slot/").cookies


def test_an_untracked_visitor_still_gets_request_based_personalization():
    segment = SegmentFactory(slug="from-email")
    from personalize.models import UTMRule

    UTMRule.objects.create(segment=segment, parameter="utm_medium", value="email")
    VariantFactory(slot=SlotFactory(key="hero"), slug="welcome", segment=segment)
    response = Client(HTTP_SEC_GPC="1").get("/t/slot/?utm_medium=email")
    assert shown(response) == {"hero": "welcome"}
    assert Visitor.objects.count() == 0


def test_json_responses_and_404s_are_not_page_views(browser):
    browser.get("/t/slot/")
    browser.get("/t/json/")
    browser.get("/t/missing/")
    assert list(Event.objects.filter(name="page_view").values_list("path", flat=True)) == [
        "/t/slot/"
    ]


def test_views_can_opt_out_of_page_views(browser):
    browser.get("/t/exempt/")
    assert not Event.objects.filter(name="page_view").exists()


def test_xhr_and_fetch_requests_are_not_page_views(browser):
    browser.get("/t/slot/")
    browser.get("/t/slot/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    browser.get("/t/slot/", HTTP_SEC_FETCH_DEST="empty")
    assert Event.objects.filter(name="page_view").count() == 1


def test_excluded_paths_get_no_visitor(browser):
    with override_settings(PERSONALIZE_EXCLUDED_PATHS=["/t/"]):
        response = browser.get("/t/slot/")
    assert COOKIE not in response.cookies
    assert shown(response) == {"hero": "default"}


def test_disabled_app_renders_defaults_and_tracks_nothing(browser):
    from personalize.models import Slot

    with override_settings(PERSONALIZE_ENABLED=False):
        response = browser.get("/t/slot/")
        assert not Slot.objects.exists()  # switched off, nothing is written, not even a slot
        shared = browser.get("/t/shared/").content.decode()  # a cacheable page with the script
    assert shown(response) == {"hero": "default"}
    assert Visitor.objects.count() == 0
    assert 'data-personalize-count-page="0"' in shared  # nor does the page's script count


def test_disabled_app_leaves_views_that_use_the_visitor_working(browser):
    """docs/configuration.md: with the master switch off, request.visitor is nobody in
    particular and track() / identify() return None; they used to fail (no request.visitor)."""
    with override_settings(PERSONALIZE_ENABLED=False):
        response = browser.get("/t/checkout/")
    assert response.status_code == 200
    assert response.json() == {
        "big_spender": False,
        "intent": None,
        "tracked": None,
        "identified": None,
    }
    assert COOKIE not in response.cookies
    assert "Cache-Control" not in response
    assert Visitor.objects.count() == 0
    assert Event.objects.count() == 0


def test_a_new_visit_starts_after_the_inactivity_timeout(browser, time_machine):
    time_machine.move_to("2026-03-01 10:00:00+00:00", tick=False)
    browser.get("/t/slot/")
    time_machine.shift(29 * 60)
    browser.get("/t/slot/")
    time_machine.shift(31 * 60)
    browser.get("/t/slot/")
    visitor = Visitor.objects.get()
    assert visitor.visit_count == 2
    assert visitor.page_views == 3


def test_a_failing_sink_never_fails_the_page(browser, monkeypatch):
    from personalize.services import ingest

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(ingest, "ingest", broken)
    response = browser.get("/t/slot/")
    assert response.status_code == 200
    from personalize.sinks import get_sink

    assert get_sink().stats.get("dropped") >= 1


def test_a_failing_cache_never_fails_the_page(browser):
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
                "OPTIONS": {"socket_connect_timeout": 0.05, "socket_timeout": 0.05},
            }
        }
    ):
        from django.core.cache import caches

        caches._settings = None  # pick up the new CACHES
        response = browser.get("/t/slot/")
        again = browser.get("/t/slot/")
    assert response.status_code == 200
    assert again.status_code == 200
    assert Visitor.objects.get().page_views == 2


def test_staff_preview_forces_a_segment_and_is_never_tracked(admin_client):
    segment = SegmentFactory(slug="beginners")
    page_rule(segment, "/never/")
    VariantFactory(slot=SlotFactory(key="hero"), slug="for-beginners", segment=segment)
    response = admin_client.get("/t/slot/?personalize_preview=segment:beginners")
    assert shown(response) == {"hero": "for-beginners"}
    assert "no-store" in response.headers["Cache-Control"]
    assert COOKIE not in response.cookies
    assert Event.objects.count() == 0


def test_preview_by_a_visitor_is_ignored(browser):
    segment = SegmentFactory(slug="beginners")
    page_rule(segment, "/never/")
    VariantFactory(slot=SlotFactory(key="hero"), slug="for-beginners", segment=segment)
    response = browser.get("/t/slot/?personalize_preview=segment:beginners")
    assert shown(response) == {"hero": "default"}


def test_staff_preview_of_a_variant_shows_drafts(admin_client):
    VariantFactory(slot=SlotFactory(key="hero"), slug="draft-one", status="draft")
    response = admin_client.get("/t/slot/?personalize_preview=variant:hero=draft-one")
    assert shown(response) == {"hero": "draft-one"}


def test_a_database_outage_shows_defaults_and_stores_nothing(browser, monkeypatch, caplog):
    from django.db import OperationalError

    from personalize.engine import snapshot

    def down(version):
        raise OperationalError("connection refused")

    monkeypatch.setattr(snapshot, "build_snapshot", down)
    response = browser.get("/t/slot/")
    assert response.status_code == 200
    assert shown(response) == {"hero": "default"}
    assert COOKIE not in response.cookies
    assert "definitions could not be loaded" in caplog.text


def test_definitions_that_cannot_be_reloaded_keep_personalizing_with_the_last_ones(
    browser, monkeypatch, caplog
):
    from django.core.cache import cache
    from django.db import OperationalError

    from personalize.engine import snapshot

    segment = SegmentFactory(slug="beginners")
    page_rule(segment, "/t/")
    VariantFactory(slot=SlotFactory(key="hero"), slug="for-beginners", segment=segment)
    assert shown(browser.get("/t/slot/")) == {"hero": "for-beginners"}
    attempts = []

    def down(version):
        attempts.append(version)
        raise OperationalError("connection refused")

    monkeypatch.setattr(snapshot, "build_snapshot", down)
    cache.set(snapshot.VERSION_KEY, "changed-elsewhere")
    monkeypatch.setattr(snapshot._holder, "checked", 0.0)  # the check interval is over
    for _ in range(3):
        response = browser.get("/t/slot/")
        assert response.status_code == 200
        assert shown(response) == {"hero": "for-beginners"}
    assert len(attempts) == 1
    assert caplog.text.count("definitions could not be reloaded") == 1
    assert Visitor.objects.get().page_views == 4


def test_a_profile_the_database_cannot_read_is_not_started_afresh(browser, monkeypatch, caplog):
    from django.core.cache import cache
    from django.db import OperationalError

    from personalize.models.visitor import VisitorQuerySet

    for path in ("/t/slot/", "/t/plain/", "/t/slot/"):
        browser.get(path)
    stored = Visitor.objects.get()
    assert set(stored.profile["pages"]) == {"/t/slot/"}  # the first page's copy
    cache.clear()  # the cached profile is gone: the next page reads the database row

    def down(self):
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(VisitorQuerySet, "live", down)
    response = browser.get("/t/plain/")
    assert response.status_code == 200
    assert COOKIE not in response.cookies
    monkeypatch.undo()
    after = Visitor.objects.get()
    assert after.profile == stored.profile  # not overwritten by a blank profile
    assert after.visit_count == stored.visit_count
    assert "cannot read visitor profiles from the database" in caplog.text
    browser.get("/t/slot/")  # the database answers again: the visitor is who they were
    assert Visitor.objects.get().visit_count == 1


@pytest.mark.parametrize("cached", ["text", 7, ["a", "list"]])
def test_a_cached_profile_that_is_not_a_profile_is_read_from_the_database(browser, cached):
    from django.core.cache import cache

    from personalize.store import profile_key

    for path in ("/t/slot/", "/t/plain/"):
        browser.get(path)
    stored = Visitor.objects.get()
    cache.set(profile_key(stored.pk.hex), cached)  # another program's value, an old format...
    browser.get("/t/slot/")
    request = browser.get("/t/plain/").wsgi_request
    assert request.visitor.profile.first_landing == "/t/slot/"  # the stored visitor, not a new one
    assert Visitor.objects.get().visit_count == 1


def test_an_over_long_cookie_is_replaced_without_being_remembered(browser):
    # A forged value of any size would otherwise be kept by the LRU of checked cookies:
    # thousands of distinct 50 KB values pinned hundreds of megabytes per process.
    _read_cookie.cache_clear()
    for index in range(3):
        browser.cookies[COOKIE] = f"{index}:" + "x" * 50_000
        response = browser.get("/t/slot/")
        assert response.status_code == 200
        assert len(visitor_id(response)) == 32  # a fresh, valid cookie
        fresh = response.cookies[COOKIE].value
        browser.cookies[COOKIE] = "y" * 300
        assert browser.get("/t/slot/").status_code == 200
    assert _read_cookie.cache_info().currsize == 0
    browser.cookies[COOKIE] = fresh
    browser.get("/t/slot/")
    assert _read_cookie.cache_info().currsize == 1  # a real cookie is still remembered


def test_pages_ask_for_the_os_version_hint_only_when_configured(browser, settings):
    assert "Accept-CH" not in browser.get("/t/slot/").headers
    settings.PERSONALIZE_REQUEST_CLIENT_HINTS = True
    assert browser.get("/t/slot/").headers["Accept-CH"] == "Sec-CH-UA-Platform-Version"
    assert "Accept-CH" not in browser.get("/t/json/").headers  # not a page


def test_the_hint_asked_for_is_merged_with_the_views_own():
    from django.http import HttpResponse

    from personalize.middleware import request_client_hints

    response = HttpResponse()
    response["Accept-CH"] = "Sec-CH-UA-Model, sec-ch-ua-platform-version"
    request_client_hints(response)
    assert response["Accept-CH"] == "Sec-CH-UA-Model, sec-ch-ua-platform-version"
    response = HttpResponse()
    response["Accept-CH"] = "Sec-CH-UA-Model"
    request_client_hints(response)
    assert response["Accept-CH"] == "Sec-CH-UA-Model, Sec-CH-UA-Platform-Version"
