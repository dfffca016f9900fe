"""Every rule type through the segment's add form, as a superuser and as an editor: a valid rule
is saved and described in words, an invalid one is an error on the field at fault (never a
500, never a saved segment)."""

import pytest

from personalize import models as pm
from personalize.models import Rule, Segment
from tests.admin.test_admin import add_segment, rule_errors, rule_form
from tests.admin.test_editor import editor_permissions

pytestmark = pytest.mark.django_db

#: rule type -> (valid fields, words in its description, invalid fields, field at fault)
CASES = {
    "EventRule": (
        {"event": "purchase", "aggregate": "sum", "operator": "gte", "value": "500"},
        "purchase",
        {"event": "purchase", "aggregate": "count", "operator": "gte", "value": "lots"},
        "value",
    ),
    "PageVisitRule": (
        {"path_operator": "starts_with", "path": "/clubs/", "count_operator": "gte", "count": "2"},
        "/clubs/",
        {"path_operator": "regex", "path": "(a+)+$", "count_operator": "gte", "count": "1"},
        "path",
    ),
    "RecencyRule": ({"operator": "lte", "days": "7"}, "7", {"operator": "lte", "days": ""}, "days"),
    "VisitCountRule": (
        {"operator": "gte", "count": "3"},
        "3",
        {"operator": "gte", "count": "-1"},
        "count",
    ),
    "TraitRule": (
        {"key": "plan", "operator": "equals", "value": "gold"},
        "gold",
        {"key": "1 bad key", "operator": "equals", "value": "gold"},
        "key",
    ),
    "UserRule": (
        {"condition": "staff", "groups": ""},
        "staff",
        {"condition": "group", "groups": ""},
        "groups",
    ),
    "LocationRule": (
        {"countries": "gb, ie", "regions": "", "cities": ""},
        "GB",
        {"countries": "England", "regions": "", "cities": ""},
        "countries",
    ),
    "IntentRule": (
        {"intent": "INTENT", "condition": "active", "operator": "gte", "score": ""},
        "Deal seeking",
        {"intent": "", "condition": "active", "operator": "gte", "score": ""},
        "intent",
    ),
    "InterestRule": (
        {"topic": "golf", "operator": "gte", "score": "3"},
        "golf",
        {"topic": "golf", "operator": "gte", "score": "many"},
        "score",
    ),
    "BrowserRule": (
        {"browsers": ["Firefox"], "version_operator": "gte", "version": "120"},
        "Firefox",
        {"browsers": ["Firefox"], "version_operator": "gte", "version": ""},
        "version",
    ),
    "DeviceRule": ({"device_types": ["tablet"]}, "tablet", {}, "device_types"),
    "LanguageRule": (
        {"languages": "fr, pt-br", "first_choice_only": "on"},
        "fr",
        {"languages": "not a language!"},
        "languages",
    ),
    "OSRule": (
        {"systems": ["Android"], "version_operator": "", "version": ""},
        "Android",
        {"systems": [], "version_operator": "", "version": ""},
        "systems",
    ),
    "UTMRule": (
        {"parameter": "utm_campaign", "operator": "contains", "value": "sale", "scope": "visit"},
        "sale",
        {"parameter": "utm_campaign", "operator": "regex", "value": "[", "scope": "visit"},
        "value",
    ),
    "LandingPageRule": (
        {"path_operator": "equals", "path": "/deals/", "scope": "first"},
        "/deals/",
        {"path_operator": "equals", "path": "", "scope": "first"},
        "path",
    ),
    "QueryParamRule": (
        {"parameter": "ref", "operator": "equals", "value": "partner"},
        "partner",
        {"parameter": "", "operator": "equals", "value": "partner"},
        "parameter",
    ),
    "ReferrerRule": (
        {"medium": "social", "source_name": "", "host_operator": "", "host": "", "scope": "visit"},
        "social",
        {"medium": "", "source_name": "", "host_operator": "is", "host": "", "scope": "visit"},
        "host",
    ),
    "SearchTermRule": (
        {"where": "any", "operator": "contains", "value": "cheap"},
        "cheap",
        {"where": "any", "operator": "regex", "value": "(x*)*y"},
        "value",
    ),
    "DateRangeRule": (
        {"start_date": "2026-12-01", "end_date": "2026-12-24", "time_zone": "Europe/London"},
        "2026",
        {"start_date": "2026-12-24", "end_date": "2026-12-01", "time_zone": "Europe/London"},
        "end_date",
    ),
    "DayOfWeekRule": (
        {"days": ["sat", "sun"], "time_zone": "Europe/London"},
        "Europe/London",
        {"days": ["sat"], "time_zone": "Europe/Atlantis"},
        "time_zone",
    ),
    "SampleRule": (
        {"percentage": "10", "salt": "spring"},
        "10",
        {"percentage": "101", "salt": "spring"},
        "percentage",
    ),
    "SegmentRule": ({"other_segment": "OTHER"}, "Golfers", {"other_segment": ""}, "other_segment"),
    "TimeOfDayRule": (
        {"start": "22:00", "end": "06:00", "time_zone": "UTC"},
        "22:00",
        {"start": "09:00", "end": "09:00", "time_zone": "UTC"},
        "end",
    ),
}


@pytest.fixture(params=["superuser", "editor"])
def staff(request, client, django_user_model):
    """A superuser, and an editor with view/add/change on segments, slots and variants only."""
    if request.param == "superuser":
        user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    else:
        user = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
        user.user_permissions.set(editor_permissions("view", "add", "change"))
    client.force_login(user)
    return client


def test_every_rule_type_is_covered():
    assert {model.__name__ for model in Rule.rule_types()} == set(CASES)


def add_with_rule(client, name, fields):
    """Posts the segment add form with one rule of this type; "INTENT" and "OTHER" in the fields
    stand for an intent and another segment, made here."""
    intent = pm.Intent.objects.get_or_create(slug="deal-seeking", defaults={"name": "Deal seeking"})
    other = pm.Segment.objects.get_or_create(slug="golfers", defaults={"name": "Golfers"})
    replace = {"INTENT": intent[0].pk, "OTHER": other[0].pk}
    filled = {
        field: replace.get(value, value) if isinstance(value, str) else value
        for field, value in fields.items()
    }
    return add_segment(client, rule_form(0, getattr(pm, name), **filled))


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_valid_rule_is_saved_and_described(staff, name):
    fields, words, _invalid, _field = CASES[name]
    response = add_with_rule(staff, name, fields)
    assert response.status_code == 302, response.context["errors"]
    (rule,) = Segment.objects.get(slug="phone-readers").rules.all()
    assert type(rule) is getattr(pm, name)
    assert words in rule.describe()
    listing = staff.get("/admin/personalize/segment/").content.decode()
    assert words in listing


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_invalid_rule_is_an_error_on_its_field(staff, name):
    _fields, _words, invalid, field = CASES[name]
    response = add_with_rule(staff, name, invalid)
    errors = rule_errors(response)
    assert field in errors, errors
    assert len(errors[field]) == 1, errors
    assert f'id="id_rules-0-{field}_error"' in response.content.decode()
    assert not Segment.objects.filter(slug="phone-readers").exists()
