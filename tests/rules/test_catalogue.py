"""The rule catalogue as a whole: every type is exported, editable, described and safe."""

import pytest

import personalize.models
import personalize.rules
from personalize.engine.evaluate import evaluate_rule
from personalize.models import Rule, Segment
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
