"""Geographic rules: country, region, city."""

from personalize.rules import LocationRule
from personalize.tracking.geo import Geo
from tests.rules.conftest import both, field_errors, make_ctx


def located(**geo):
    return make_ctx(geo=Geo(**geo))


def test_location_rule_countries_regions_cities():
    london = located(country="GB", region="ENG", city="London")
    assert LocationRule(countries="GB, IE").evaluate(london)
    assert LocationRule(countries="GB", regions="ENG, SCT").evaluate(london)
    assert LocationRule(cities="london").evaluate(london)  # names ignore case
    assert not LocationRule(countries="GB", regions="SCT").evaluate(london)  # every list counts
    assert both(LocationRule(countries="US"), london) == (False, True)


def test_location_rule_unknown_location_never_matches():
    unknown = make_ctx()
    assert both(LocationRule(countries="GB"), unknown) == (False, True)
    assert not LocationRule(cities="London").evaluate(located(country="GB"))


def test_location_rule_clean_and_describe():
    rule = LocationRule(countries="gb, ie")
    assert field_errors(rule) == {}
    assert rule.countries == "GB, IE"
    assert field_errors(LocationRule(countries="GBR, X1")) == {
        "countries": ["Not ISO country codes: GBR, X1."]
    }
    # docs/admin.md: "a country code that is not one" is a form error, not a rule that
    # silently matches nobody (two letters are not enough: no visitor is ever in "UK")
    assert field_errors(LocationRule(countries="GB, UK, QQ")) == {
        "countries": ["Not ISO country codes: UK, QQ. Did you mean: UK → GB?"]
    }
    assert field_errors(LocationRule(countries="xk, fr")) == {}
    assert field_errors(LocationRule()) == {
        "__all__": ["Enter at least one country, region or city."]
    }
    assert LocationRule(countries="GB", cities="London, Leeds").describe() == (
        "Visits from a place where country is GB and city is London or Leeds"
    )
