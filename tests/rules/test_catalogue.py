"""The rule catalogue as a whole: every type is exported, editable, described and safe."""

import pytest

import personalize.models
import personalize.rules
from personalize.engine.evaluate import evaluate_rule
from personalize.models import Rule, Segment
from personalize.rules.base import prefetch_rules
from tests.rules.conftest import make_ctx

CATALOGUE = {
    "acquisition": {
        "ReferrerRule",
        "UTMRule",
        "QueryParamRule",
        "LandingPageRule",
        "SearchTermRule",
    },
    "behavioral": {"PageVisitRule", "VisitCountRule", "RecencyRule", "EventRule"},
    "demographic": {"TraitRule", "UserRule"},
    "geographic": {"LocationRule"},
    "psychographic": {"InterestRule", "IntentRule"},
    "technographic": {"DeviceRule", "BrowserRule", "OSRule", "LanguageRule"},
    "other": {
        "TimeOfDayRule",
        "DayOfWeekRule",
        "DateRangeRule",
        "SegmentRule",
        "SampleRule",
    },
}
ALL = set().union(*CATALOGUE.values())


def test_every_rule_type_is_exported_and_discovered():
    for name in ALL:
        assert getattr(personalize.rules, name) is getattr(personalize.models, name)
        assert name in personalize.rules.__all__
        assert name in personalize.models.__all__
    assert {klass.__name__ for klass in Rule.rule_types()} == ALL


def test_every_rule_type_has_a_category_and_a_negate_field():
    for klass in Rule.rule_types():
        assert klass.__name__ in CATALOGUE[klass.category], klass
        assert klass._meta.get_field("negate").default is False


@pytest.mark.parametrize("klass", Rule.rule_types(), ids=lambda k: k.__name__)
def test_a_blank_rule_prints_and_fails_safely(klass):
    rule = klass()
    assert str(rule)  # never raises, even half-filled in the admin
    result = evaluate_rule(rule, make_ctx())
    assert result is False or result is True


@pytest.mark.parametrize("klass", Rule.rule_types(), ids=lambda k: k.__name__)
def test_every_rule_type_implements_the_contract_by_its_names(klass):
    assert klass.evaluate_condition is not Rule.evaluate_condition
    assert klass.describe_condition is not Rule.describe_condition
    assert not hasattr(klass, "test")
    assert not hasattr(klass, "prepare")


def test_evaluate_prepares_a_rule_once_for_the_context_snapshot(monkeypatch):
    from types import SimpleNamespace

    from personalize.rules import SegmentRule

    calls = []
    prepare_for = SegmentRule.prepare_for

    def counting(self, snapshot):
        calls.append(snapshot)
        prepare_for(self, snapshot)

    monkeypatch.setattr(SegmentRule, "prepare_for", counting)
    snapshot = SimpleNamespace(segment_slugs={7: "fans"}, segments={})
    rule = SegmentRule(other_segment_id=7)
    ctx = make_ctx(snapshot=snapshot)
    ctx.segment_results["fans"] = True
    assert rule.evaluate(ctx)
    assert rule.evaluate(ctx)
    assert calls == [snapshot]
    other = make_ctx(snapshot=SimpleNamespace(segment_slugs={}, segments={}))
    assert not rule.evaluate(other)  # another snapshot: prepared again, for that one
    assert len(calls) == 2


@pytest.mark.django_db
def test_the_segment_admin_offers_every_rule_type(admin_client):
    segment = Segment.objects.create(name="Everyone", slug="everyone")
    response = admin_client.get(f"/admin/personalize/segment/{segment.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    for klass in Rule.rule_types():
        assert str(klass._meta.verbose_name) in html, klass
    add = admin_client.get("/admin/personalize/segment/add/")
    assert add.status_code == 200


def valid_rules(intent):
    from personalize import rules

    return [
        (
            rules.LandingPageRule,
            {"path_operator": "starts_with", "path": "/guide/", "scope": "first"},
        ),
        (rules.SearchTermRule, {"where": "any", "operator": "contains", "value": "cheap"}),
        (rules.RecencyRule, {"operator": "gte", "days": "30"}),
        (rules.TraitRule, {"key": "age", "operator": "gte", "value": "18"}),
        (rules.UserRule, {"condition": "staff", "groups": ""}),
        (
            rules.BrowserRule,
            {"browsers": ["Chrome", "Safari"], "version_operator": "", "version": ""},
        ),
        (rules.OSRule, {"systems": ["iOS"], "version_operator": "lt", "version": "18"}),
        (rules.LanguageRule, {"languages": "en, fr", "first_choice_only": True}),
        (rules.TimeOfDayRule, {"start": "22:00", "end": "02:00", "time_zone": "Europe/London"}),
        (rules.DayOfWeekRule, {"days": ["sat", "sun"], "time_zone": "America/New_York"}),
        (
            rules.DateRangeRule,
            {
                "start_date": "2025-11-28",
                "start_time": "",
                "end_date": "2025-12-01",
                "end_time": "",
                "time_zone": "UTC",
            },
        ),
        (rules.InterestRule, {"topic": "golf", "operator": "gte", "score": "3"}),
        (
            rules.IntentRule,
            {"intent": intent.pk, "condition": "active", "operator": "gte", "score": ""},
        ),
        (rules.SampleRule, {"percentage": "10", "salt": "spring"}),
    ]


@pytest.mark.django_db
def test_every_new_rule_type_saves_through_the_admin(admin_client):
    from personalize.models import Intent
    from tests.rules.conftest import form_errors, segment_admin_post

    intent = Intent.objects.create(slug="deal-seeking", name="Deal seeking")
    segment = Segment.objects.create(name="Everything", slug="everything")
    rules = valid_rules(intent)
    response = segment_admin_post(admin_client, segment, rules)
    assert response.status_code == 302, form_errors(response)
    saved = list(segment.rules.all())
    assert [type(rule) for rule in saved] == [model for model, _ in rules]
    described = segment.describe()
    assert "(Visits between 22:00 and 02:00 (Europe/London time))" in described
    assert "(Is in a stable random 10% sample of visitors)" in described


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("index", "changes", "message"),
    [
        (8, {"time_zone": "Europe/Atlantis"}, "Unknown time zone Europe/Atlantis"),
        (8, {"end": "22:00"}, "The window would be empty"),
        (9, {"days": []}, "Choose at least one day."),
        (10, {"end_date": "2025-11-01"}, "The end must come after the start."),
        (3, {"value": "eighteen"}, "Enter a number to compare with."),
        (12, {"condition": "score"}, "Enter the score to compare with."),
        (7, {"languages": "english"}, "Use language codes such as en, fr or pt-br"),
        (1, {"operator": "regex", "value": "(("}, "Not a valid regular expression"),
    ],
)
def test_bad_new_rules_show_field_errors_in_the_admin(admin_client, index, changes, message):
    from personalize.models import Intent
    from tests.rules.conftest import form_errors, segment_admin_post

    intent = Intent.objects.create(slug="deal-seeking", name="Deal seeking")
    segment = Segment.objects.create(name="Everything", slug="everything")
    model, fields = valid_rules(intent)[index]
    response = segment_admin_post(admin_client, segment, [(model, {**fields, **changes})])
    assert response.status_code == 200
    assert any(message in error for error in form_errors(response)), form_errors(response)
    assert not segment.rules.exists()


@pytest.mark.django_db
def test_a_rule_added_with_all_its_defaults_is_kept(admin_client):
    from personalize.rules import RecencyRule, VisitCountRule
    from tests.rules.conftest import segment_admin_post

    segment = Segment.objects.create(name="Returning", slug="returning")
    defaults = [
        (VisitCountRule, {"operator": "gte", "count": "2"}),
        (RecencyRule, {"operator": "gte", "days": "30"}),
    ]
    response = segment_admin_post(admin_client, segment, defaults)
    assert response.status_code == 302
    assert [type(rule) for rule in segment.rules.all()] == [VisitCountRule, RecencyRule]


def _segments_with_rules_of_every_relation(count):
    from personalize.models import Intent
    from personalize.rules import DeviceRule, IntentRule, SegmentRule, UTMRule

    intent = Intent.objects.create(slug=f"deals-{count}", name="Deals")
    target = Segment.objects.create(name=f"Target {count}", slug=f"target-{count}")
    for index in range(count):
        segment = Segment.objects.create(name=f"S{count}-{index}", slug=f"s{count}-{index}")
        SegmentRule.objects.create(segment=segment, other_segment=target)
        IntentRule.objects.create(segment=segment, intent=intent)
        UTMRule.objects.create(segment=segment, parameter="utm_medium", value="email")
        DeviceRule.objects.create(segment=segment, device_types=["mobile"])


@pytest.mark.django_db
def test_listing_segments_with_their_rules_in_words_costs_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    _segments_with_rules_of_every_relation(1)
    prefetch_rules(Segment.objects.all())  # warm: rule content types are cached
    # segments, rules, one query per rule type (4), other segments, intents
    for count in (2, 12):
        _segments_with_rules_of_every_relation(count)
        with django_assert_num_queries(8):
            described = {
                segment.slug: segment.describe_rules()
                for segment in prefetch_rules(Segment.objects.all())
            }
    assert described["s12-0"] == [
        'Is a member of segment "Target 12"',
        'Has the intent "Deals"',
        'Campaign parameter utm_medium is "email"',
        "Uses a mobile device",
    ]
    assert described["target-2"] == []
    assert Segment.objects.get(slug="target-2").describe() == "No rules: nobody matches."


@pytest.mark.django_db
def test_the_admin_list_words_any_number_of_segments_in_the_same_queries(admin_client):
    """The staff API's list and detail are held to the same in tests/api/test_staff.py."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for count in (1, 2, 12):
        _segments_with_rules_of_every_relation(count)
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/admin/personalize/segment/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[2]  # the first request warmed the rule content types
