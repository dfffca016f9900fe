import json

import pytest
from django.test import Client

from personalize.api.serializers.rules import rule_type_name, serializer_for
from personalize.models import (
    Intent,
    IntentSignal,
    PageVisitRule,
    Rule,
    Segment,
    SegmentRule,
    Variant,
)

API = "/personalize/api"
pytestmark = pytest.mark.django_db


def send(client, method, url, data=None):
    body = json.dumps(data) if data is not None else ""
    return client.generic(method, url, body, content_type="application/json")


def segment_body(**overrides):
    return {
        "name": "Club browsers",
        "slug": "club-browsers",
        "category": "behavioral",
        "match": "any",
        "rules": [
            {"type": "pagevisitrule", "path_operator": "starts_with", "path": "/clubs/"},
            {"type": "devicerule", "device_types": ["mobile", "tablet"], "negate": True},
            {"type": "segmentrule", "other_segment": "golfers"},
        ],
        **overrides,
    }


def test_create_a_segment_with_rules(demo, staff_client):
    response = send(staff_client, "POST", f"{API}/segments/", segment_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert [rule["type"] for rule in body["rules"]] == [
        "pagevisitrule",
        "devicerule",
        "segmentrule",
    ]
    assert body["rules"][2]["other_segment"] == "golfers"
    assert body["rules"][1]["description"].startswith("NOT uses a mobile or tablet")
    assert "or" in body["definition"]
    segment = Segment.objects.get(slug="club-browsers")
    rules = list(segment.rules.all())
    assert [type(rule) for rule in rules] == [
        PageVisitRule,
        type(rules[1]),
        SegmentRule,
    ]
    assert [rule.sort_order for rule in rules] == [0, 1, 2]


def test_a_rule_type_may_be_named_as_its_class(demo, staff_client):
    rules = [{"type": "DeviceRule", "device_types": ["mobile"]}, {"type": "UTMRule", "value": "x"}]
    response = send(staff_client, "POST", f"{API}/segments/", segment_body(rules=rules))
    assert response.status_code == 201, response.content
    assert [rule["type"] for rule in response.json()["rules"]] == ["devicerule", "utmrule"]


@pytest.mark.parametrize("name", ["Device Rule", "", 7, None, "devicerule ", ["devicerule"]])
def test_an_unknown_rule_type_is_a_field_error(demo, staff_client, name):
    body = segment_body(rules=[{"type": name, "device_types": ["mobile"]}])
    response = send(staff_client, "POST", f"{API}/segments/", body)
    assert response.status_code == 400
    assert "Choose a rule type" in response.json()["fields"]["rules"]["0"]["type"][0]


def test_read_list_and_filter(demo, staff_client):
    listing = staff_client.get(f"{API}/segments/").json()
    assert listing["count"] == Segment.objects.count()
    slugs = [segment["slug"] for segment in listing["results"]]
    assert "golfers" in slugs
    golfers = staff_client.get(f"{API}/segments/golfers/").json()
    assert {rule["type"] for rule in golfers["rules"]} == {"pagevisitrule"}


def test_update_rules_in_place_add_and_remove(demo, staff_client):
    created = send(staff_client, "POST", f"{API}/segments/", segment_body()).json()
    first, _second, third = created["rules"]
    update = {
        "rules": [
            {**third},
            {**first, "path": "/clubs/beginner-set/"},
            {"type": "visitcountrule", "operator": "gte", "count": 3},
        ]
    }
    for rule in update["rules"]:
        rule.pop("description", None)
    response = send(staff_client, "PATCH", f"{API}/segments/club-browsers/", update)
    assert response.status_code == 200, response.content
    rules = response.json()["rules"]
    assert [rule["type"] for rule in rules] == ["segmentrule", "pagevisitrule", "visitcountrule"]
    assert rules[0]["id"] == third["id"]
    assert rules[1]["id"] == first["id"]
    assert PageVisitRule.objects.get(pk=first["id"]).path == "/clubs/beginner-set/"
    assert Rule.objects.filter(segment__slug="club-browsers").count() == 3


def test_patch_without_rules_keeps_them(demo, staff_client):
    send(staff_client, "POST", f"{API}/segments/", segment_body())
    response = send(staff_client, "PATCH", f"{API}/segments/club-browsers/", {"name": "Renamed"})
    assert response.status_code == 200
    assert len(response.json()["rules"]) == 3


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"type": "nosuchrule"}, "type"),
        ({"path": "/x/"}, "type"),
        ({"type": "pagevisitrule", "path_operator": "regex", "path": "(unclosed"}, "path"),
        ({"type": "utmrule", "operator": "regex", "value": "a{4294967295}"}, "value"),
        ({"type": "daterangerule", "end_date": "9999-12-31", "time_zone": "UTC"}, "end_date"),
        ({"type": "pagevisitrule", "path": "/x/", "count": -1}, "count"),
        ({"type": "devicerule", "device_types": ["toaster"]}, "device_types"),
        ({"type": "devicerule", "device_types": []}, "device_types"),
        ({"type": "referrerrule"}, "non_field_errors"),
        ({"type": "referrerrule", "host": "a b.com", "host_operator": "is"}, "host"),
        ({"type": "segmentrule", "other_segment": "no-such-segment"}, "other_segment"),
        ({"type": "locationrule", "countries": "Britain"}, "countries"),
        ({"type": "pagevisitrule", "path": "/x/", "colour": "red"}, "colour"),
        ({"type": "pagevisitrule", "path": "/x/", "segment": "golfers"}, "segment"),
    ],
)
def test_rule_errors_are_reported_per_rule_and_field(demo, staff_client, rule, field):
    body = segment_body(rules=[{"type": "visitcountrule", "count": 2}, rule])
    response = send(staff_client, "POST", f"{API}/segments/", body)
    assert response.status_code == 400, response.content
    errors = response.json()["fields"]["rules"]
    assert list(errors) == ["1"]
    assert field in errors["1"]
    assert not Segment.objects.filter(slug="club-browsers").exists()


def test_segment_rule_cycles_are_refused(demo, staff_client):
    send(
        staff_client,
        "POST",
        f"{API}/segments/",
        segment_body(rules=[{"type": "segmentrule", "other_segment": "golfers"}]),
    )
    cycle = {"rules": [{"type": "segmentrule", "other_segment": "club-browsers"}]}
    response = send(staff_client, "PATCH", f"{API}/segments/golfers/", cycle)
    assert response.status_code == 400
    assert "cycle" in response.json()["fields"]["rules"]["0"]["other_segment"][0]
    itself = {"rules": [{"type": "segmentrule", "other_segment": "golfers"}]}
    response = send(staff_client, "PATCH", f"{API}/segments/golfers/", itself)
    assert response.status_code == 400
    assert "itself" in response.json()["fields"]["rules"]["0"]["other_segment"][0]
    assert not SegmentRule.objects.filter(segment__slug="golfers").exists()


def test_rule_ids_must_belong_and_types_cannot_change(demo, staff_client):
    golfers_rule = Segment.objects.get(slug="golfers").rules.first()
    send(staff_client, "POST", f"{API}/segments/", segment_body())
    stranger = {"rules": [{"id": golfers_rule.pk, "type": "pagevisitrule", "path": "/x/"}]}
    response = send(staff_client, "PATCH", f"{API}/segments/club-browsers/", stranger)
    assert response.status_code == 400
    assert "id" in response.json()["fields"]["rules"]["0"]
    own = Segment.objects.get(slug="club-browsers").rules.first()
    retype = {"rules": [{"id": own.pk, "type": "visitcountrule", "count": 2}]}
    response = send(staff_client, "PATCH", f"{API}/segments/club-browsers/", retype)
    assert response.status_code == 400
    assert "type" in response.json()["fields"]["rules"]["0"]
    twice = {
        "rules": [
            {"id": own.pk, "type": "pagevisitrule", "path": "/a/"},
            {"id": own.pk, "type": "pagevisitrule", "path": "/b/"},
        ]
    }
    response = send(staff_client, "PATCH", f"{API}/segments/club-browsers/", twice)
    assert response.status_code == 400
    assert "id" in response.json()["fields"]["rules"]["1"]


def test_segment_field_errors(demo, staff_client):
    response = send(
        staff_client,
        "POST",
        f"{API}/segments/",
        {"name": "", "slug": "golfers", "category": "astrology", "member_count": 5},
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert {"name", "slug", "category", "member_count"} <= set(fields)


def test_a_segment_in_use_cannot_be_deleted(demo, staff_client):
    response = staff_client.delete(f"{API}/segments/beginner-golfers/")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "protected"
    assert body["used_by"]
    assert Segment.objects.filter(slug="beginner-golfers").exists()
    assert staff_client.delete(f"{API}/segments/golfers/").status_code == 204


@pytest.mark.parametrize("slug", ["nope", "a%00b", "x" * 101, "%F0%9F%98%80"])
def test_unknown_lookups_are_json_404(demo, staff_client, slug):
    for resource in ("segments", "intents", "slots"):
        response = staff_client.get(f"{API}/{resource}/{slug}/")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("pk", ["abc", "0", "99999999999999999999999", "1.5"])
def test_unknown_variant_ids_are_json_404(demo, staff_client, pk):
    response = staff_client.get(f"{API}/variants/{pk}/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_intents_with_signals(demo, staff_client):
    body = {
        "slug": "gift-buying",
        "name": "Buying a gift",
        "threshold": 8,
        "signals": [
            {"kind": "search_term", "operator": "contains", "pattern": "gift", "points": 8},
            {"kind": "referrer_medium", "pattern": "Social, email", "points": 3},
        ],
    }
    response = send(staff_client, "POST", f"{API}/intents/", body)
    assert response.status_code == 201, response.content
    signals = {signal["kind"]: signal for signal in response.json()["signals"]}
    assert signals["referrer_medium"]["pattern"] == "social, email"  # normalized by clean()
    signals = [signals["search_term"], signals["referrer_medium"]]
    kept = signals[0]["id"]
    update = {"signals": [{**signals[0], "points": 9}]}
    update["signals"][0].pop("description")
    response = send(staff_client, "PATCH", f"{API}/intents/gift-buying/", update)
    assert response.status_code == 200
    assert [signal["id"] for signal in response.json()["signals"]] == [kept]
    assert IntentSignal.objects.get(pk=kept).points == 9
    assert IntentSignal.objects.filter(intent__slug="gift-buying").count() == 1


@pytest.mark.parametrize(
    ("signal", "field"),
    [
        ({"kind": "utm", "pattern": "sale"}, "parameter"),
        ({"kind": "referrer_medium", "pattern": "carrier-pigeon"}, "pattern"),
        ({"kind": "page_path", "operator": "regex", "pattern": "("}, "pattern"),
        ({"kind": "page_path", "pattern": "/x/", "points": 5000}, "points"),
        ({"kind": "telepathy", "pattern": "x"}, "kind"),
    ],
)
def test_signal_errors_per_field(demo, staff_client, signal, field):
    body = {"slug": "gift-buying", "name": "Gift", "signals": [signal]}
    response = send(staff_client, "POST", f"{API}/intents/", body)
    assert response.status_code == 400
    assert field in response.json()["fields"]["signals"]["0"]
    assert not Intent.objects.filter(slug="gift-buying").exists()


def test_slots_and_variants(demo, staff_client, browser):
    response = send(
        staff_client, "POST", f"{API}/slots/", {"key": "sidebar", "preview_path": "//evil.test/"}
    )
    assert response.status_code == 400
    assert "preview_path" in response.json()["fields"]
    response = send(
        staff_client,
        "POST",
        f"{API}/slots/",
        {"key": "sidebar", "name": "Sidebar", "preview_path": "/clubs/"},
    )
    assert response.status_code == 201
    assert response.json()["preview_path"] == "/clubs/"
    variant = {
        "slot": "sidebar",
        "slug": "deal-sidebar",
        "name": "Deals",
        "intent": "deal-seeking",
        "priority": 10,
        "title": "Deals!",
        "body": '<p onclick="steal()">Save <script>alert(1)</script>now</p>',
        "cta_label": "Go",
        "cta_url": "/deals/",
    }
    response = send(staff_client, "POST", f"{API}/variants/", variant)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["body"] == "<p>Save now</p>"
    assert created["segment"] is None
    slot = staff_client.get(f"{API}/slots/sidebar/").json()
    assert [v["slug"] for v in slot["variants"]] == ["deal-sidebar"]
    only = staff_client.get(f"{API}/variants/", {"slot": "sidebar"}).json()
    assert [v["slug"] for v in only["results"]] == ["deal-sidebar"]
    # the change is live for visitors at once
    query = {"slots": "sidebar", "path": "/deals/", "track": 1}
    browser.get("/personalize/api/decisions/", query, HTTP_SEC_FETCH_SITE="same-origin")
    decision = browser.get(
        "/personalize/api/decisions/", query, HTTP_SEC_FETCH_SITE="same-origin"
    ).json()
    assert decision["slots"]["sidebar"]["variant"] == "deal-sidebar"
    assert decision["slots"]["sidebar"]["body"] == "<p>Save now</p>"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "control"}, "slug"),
        ({"slug": "default"}, "non_field_errors"),
        ({"cta_url": "javascript:alert(1)"}, "cta_url"),
        ({"cta_url": "//evil.example/"}, "cta_url"),
        ({"cta_url": "https://[::1/"}, "cta_url"),  # urlsplit: ValueError
        ({"cta_url": "https://[shop]/"}, "cta_url"),
        ({"cta_url": "https://fairway.test:99999/"}, "cta_url"),  # no such port
        ({"template_name": "no/such/template.html"}, "template_name"),
        ({"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}, "ends_at"),
        ({"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z"}, "ends_at"),
        ({"weight": 0}, "weight"),
        ({"weight": 2**70}, "weight"),  # past 64 bits
        ({"priority": -(2**70)}, "priority"),
        ({"slot": "no-such-slot"}, "slot"),
        ({"segment": "no-such-segment"}, "segment"),
        ({"status": "deleted"}, "status"),
        ({"image": "x.png"}, "image"),
    ],
)
def test_variant_errors_per_field(demo, staff_client, changes, field):
    variant = {"slot": "home-hero", "slug": "new", "name": "New", **changes}
    response = send(staff_client, "POST", f"{API}/variants/", variant)
    assert response.status_code == 400, response.content
    fields = response.json()["fields"]
    if field:
        assert field in fields
    assert (
        not Variant.objects.filter(slot__key="home-hero", slug=variant["slug"])
        .exclude(slug="default")
        .exists()
        or variant["slug"] == "default"
    )


def test_anonymous_requests_are_401(demo):
    response = Client().get(f"{API}/segments/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"] == "not_authenticated"


def test_an_unknown_token_is_401_authentication_failed(demo):
    response = Client().get(f"{API}/segments/", HTTP_AUTHORIZATION="Token not-a-key")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"] == "authentication_failed"


def test_every_error_code_the_api_answers_is_in_the_docs_table():
    """docs/api.md's table of errors names each code a client can receive."""
    import pathlib
    import re

    from rest_framework import exceptions

    from personalize.api import errors, permissions

    docs = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    table = set(re.findall(r"^\| \d{3} \| (.+?) \|", docs, flags=re.M))
    documented = {code for row in table for code in re.findall(r"`([a-z_]+)`", row)}
    drf = [
        exceptions.ParseError,
        exceptions.AuthenticationFailed,
        exceptions.NotAuthenticated,
        exceptions.PermissionDenied,
        exceptions.NotFound,
        exceptions.MethodNotAllowed,
        exceptions.NotAcceptable,
        exceptions.UnsupportedMediaType,
        exceptions.Throttled,
    ]
    ours = [errors.PayloadTooLarge, errors.Conflict, errors.ServiceUnavailable]
    codes = {cls.default_code for cls in drf + ours}
    codes |= {"invalid", "protected", "dynamic_segment", permissions.SameOrigin.code}
    codes |= {"identity_not_verified", "sign_in_required"}
    assert codes - documented == set()


def test_model_permissions_are_enforced(demo, user_factory):
    reader = user_factory("reader", "view_segment")
    client = Client()
    client.force_login(reader)
    assert client.get(f"{API}/segments/").status_code == 200
    assert client.get(f"{API}/intents/").status_code == 403
    response = send(client, "POST", f"{API}/segments/", segment_body())
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert not Segment.objects.filter(slug="club-browsers").exists()


def test_browser_sessions_need_the_csrf_token(demo, superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = send(client, "POST", f"{API}/slots/", {"key": "sidebar"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    client.get("/guide/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"{API}/slots/",
        json.dumps({"key": "sidebar"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201


@pytest.mark.parametrize("model", Rule.rule_types(), ids=rule_type_name)
def test_every_rule_type_has_a_serializer(model):
    serializer = serializer_for(model)()
    editable = {
        field.name
        for field in model._meta.concrete_fields
        if field.editable
        and not field.primary_key
        and field.name not in ("segment", "sort_order", "polymorphic_ctype")
        and not (field.remote_field and field.remote_field.parent_link)
    }
    assert editable <= set(serializer.fields)
    assert serializer.fields["type"].to_representation(None) == rule_type_name(model)


def _definitions(count):
    """``count`` of each: segments whose rules point to other segments and intents, intents
    with signals, slots with variants targeting both."""
    from personalize.models import DeviceRule, IntentRule
    from tests.factories import (
        IntentFactory,
        SegmentFactory,
        SignalFactory,
        SlotFactory,
        VariantFactory,
        page_rule,
    )

    for _n in range(count):
        segment, other, intent = SegmentFactory(), SegmentFactory(), IntentFactory()
        page_rule(segment, "/clubs/")
        SegmentRule.objects.create(segment=segment, other_segment=other)
        IntentRule.objects.create(segment=segment, intent=intent)
        DeviceRule.objects.create(segment=segment, device_types=["mobile"])
        SignalFactory(intent=intent)
        slot = SlotFactory()
        VariantFactory(slot=slot, segment=segment, intent=intent)
        VariantFactory(slot=slot)


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("resource", ["segments", "intents", "slots", "variants"])
def test_lists_cost_the_same_queries_for_1_or_20_objects(staff_client, resource):
    url = f"{API}/{resource}/"
    _definitions(1)
    one = _queries(staff_client, url)
    _definitions(19)
    twenty = _queries(staff_client, url)
    assert staff_client.get(url).json()["count"] >= 20
    assert twenty == one


def test_a_segment_costs_the_same_queries_for_1_or_10_rules_pointing_elsewhere(staff_client):
    from personalize.models import IntentRule
    from tests.factories import IntentFactory, SegmentFactory

    segment = SegmentFactory(slug="many-rules")
    url = f"{API}/segments/many-rules/"

    def point(count):
        for _n in range(count):
            SegmentRule.objects.create(segment=segment, other_segment=SegmentFactory())
            IntentRule.objects.create(segment=segment, intent=IntentFactory())

    point(1)
    one = _queries(staff_client, url)
    point(9)
    assert len(staff_client.get(url).json()["rules"]) == 20
    assert _queries(staff_client, url) == one


def test_writes_are_not_wrapped_in_a_transaction_of_their_own(staff_client):
    """A slot is one INSERT: no savepoint or transaction around it (ATOMIC_REQUESTS, where a
    project turns it on, covers the request)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = send(staff_client, "POST", f"{API}/slots/", {"key": "side", "name": "Side"})
    assert response.status_code == 201
    assert not [q for q in queries if "SAVEPOINT" in q["sql"].upper()]


def _selects_of_resending(client, url, children: str) -> int:
    """SELECT statements of a PATCH that sends ``children`` back unchanged, ids included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sent = [
        {key: value for key, value in child.items() if key != "description"}
        for child in client.get(url).json()[children]
    ]
    with CaptureQueriesContext(connection) as queries:
        response = send(client, "PATCH", url, {children: sent})
    assert response.status_code == 200, response.content
    return sum(query["sql"].lstrip().upper().startswith("SELECT") for query in queries)


def test_resending_children_reads_them_once_however_many(staff_client):
    """Children sent with an id are found among those loaded with the parent, not read again
    one by one."""
    from tests.factories import IntentFactory, SegmentFactory, SignalFactory, page_rule

    segment, intent = SegmentFactory(slug="kept"), IntentFactory(slug="kept")
    page_rule(segment, "/a/")
    SignalFactory(intent=intent)
    segment_url, intent_url = f"{API}/segments/kept/", f"{API}/intents/kept/"
    one = (
        _selects_of_resending(staff_client, segment_url, "rules"),
        _selects_of_resending(staff_client, intent_url, "signals"),
    )
    for n in range(7):
        page_rule(segment, f"/b{n}/")
        SignalFactory(intent=intent)
    eight = (
        _selects_of_resending(staff_client, segment_url, "rules"),
        _selects_of_resending(staff_client, intent_url, "signals"),
    )
    assert eight == one


def test_numbers_stored_as_nan_or_infinity_read_as_null(demo, staff_client):
    """Written around validation (a float column keeps infinities, and NaN on PostgreSQL):
    the list still answers, the broken number as null."""
    from personalize.models import Intent, IntentSignal

    Intent.objects.filter(slug="deal-seeking").update(threshold=float("-inf"))
    IntentSignal.objects.filter(intent__slug="deal-seeking").update(points=float("inf"))
    response = staff_client.get(f"{API}/intents/")
    assert response.status_code == 200
    (deals,) = [intent for intent in response.json()["results"] if intent["slug"] == "deal-seeking"]
    assert deals["threshold"] is None
    assert {signal["points"] for signal in deals["signals"]} == {None}
