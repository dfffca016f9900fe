"""Acquisition rules: referrer, campaign (UTM), query parameter, landing page, search term."""

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from personalize.rules import LandingPageRule, QueryParamRule, ReferrerRule, SearchTermRule, UTMRule
from personalize.tracking.referrer import Source, classify
from tests.rules.conftest import both, field_errors, make_ctx, make_profile


def visit_from(referrer="", query=None, *, first=None):
    """A context whose current visit arrived from ``referrer`` (and ``first`` visit from ...)."""
    source = classify(referrer, query or {}, request_host="fairway.test")
    profile = make_profile(source=source.as_dict())
    if first is not None:
        profile.first_source = classify(first, {}, request_host="fairway.test").as_dict()
    return make_ctx(profile)


# -- ReferrerRule ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("referrer", "medium"),
    [
        ("https://www.google.com/", "search"),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Ffairway.test%2F", "social"),
        ("https://chatgpt.com/", "chatbot"),
        ("https://www.golfdigest.com/best-clubs", "referral"),
        ("", "direct"),
    ],
)
def test_referrer_rule_matches_the_medium_of_the_visit(referrer, medium):
    ctx = visit_from(referrer)
    assert ReferrerRule(medium=medium).evaluate(ctx)
    others = [m for m in ("search", "social", "chatbot", "referral", "direct") if m != medium]
    assert not any(ReferrerRule(medium=m).evaluate(ctx) for m in others)


def test_referrer_rule_source_and_host():
    ctx = visit_from("https://news.golfdigest.com/article")
    assert ReferrerRule(host_operator="ends_with", host="golfdigest.com").evaluate(ctx)
    assert not ReferrerRule(host_operator="is", host="golfdigest.com").evaluate(ctx)
    assert ReferrerRule(host_operator="is", host="news.golfdigest.com").evaluate(ctx)
    # "ends with" is on whole labels: notgolfdigest.com is another site
    other = visit_from("https://notgolfdigest.com/")
    assert not ReferrerRule(host_operator="ends_with", host="golfdigest.com").evaluate(other)
    google = visit_from("https://www.google.co.uk/")
    assert ReferrerRule(medium="search", source_name="google").evaluate(google)
    assert not ReferrerRule(medium="search", source_name="bing").evaluate(google)


def test_referrer_rule_first_visit_scope_and_fallback():
    ctx = visit_from("https://www.google.com/", first="https://www.facebook.com/")
    assert ReferrerRule(medium="search").evaluate(ctx)
    assert ReferrerRule(medium="social", scope="first").evaluate(ctx)
    assert not ReferrerRule(medium="search", scope="first").evaluate(ctx)
    # no first source recorded (older profile): the current visit is the first one we know
    assert ReferrerRule(medium="search", scope="first").evaluate(visit_from("https://bing.com/"))


def test_referrer_rule_missing_source_is_direct_and_negation_flips():
    ctx = make_ctx()  # a profile with no source recorded at all
    assert both(ReferrerRule(medium="direct"), ctx) == (True, False)
    assert both(ReferrerRule(medium="social"), ctx) == (False, True)


def test_referrer_rule_clean_and_describe():
    assert field_errors(ReferrerRule()) == {
        "__all__": ["Choose a medium, a source or a referring host."]
    }
    assert "host" in field_errors(ReferrerRule(host="golfdigest.com"))
    assert "host" in field_errors(ReferrerRule(host_operator="is", host="golfdigest.com/path"))
    rule = ReferrerRule(host_operator="is", host=" WWW.GolfDigest.com ", source_name=" Google ")
    assert field_errors(rule) == {}
    assert (rule.host, rule.source_name) == ("golfdigest.com", "google")
    assert ReferrerRule(medium="social").describe() == "Arrived from a social network"
    assert ReferrerRule(medium="search", scope="first", negate=True).describe() == (
        "NOT arrived from a search engine on their first visit"
    )
    assert ReferrerRule(host_operator="ends_with", host="golf.com").describe() == (
        'Referring host is or ends with "golf.com"'
    )


# -- UTMRule --------------------------------------------------------------------------------
def test_utm_rule_compares_case_insensitively_and_missing_never_matches():
    ctx = visit_from("", {"utm_medium": "Email", "utm_campaign": "spring-sale"})
    assert UTMRule(parameter="utm_medium", operator="equals", value="email").evaluate(ctx)
    assert UTMRule(parameter="utm_campaign", operator="contains", value="SALE").evaluate(ctx)
    assert UTMRule(parameter="utm_campaign", operator="glob", value="spring-*").evaluate(ctx)
    assert UTMRule(parameter="utm_campaign", operator="in", value="autumn, spring-sale").evaluate(
        ctx
    )
    missing = UTMRule(parameter="utm_source", operator="exists")
    assert both(missing, ctx) == (False, True)
    assert both(UTMRule(parameter="utm_medium", value="email"), make_ctx()) == (False, True)


def test_utm_rule_first_visit_scope():
    profile = make_profile(
        source=Source(medium="direct").as_dict(),
        first_source=Source(medium="email", utm={"utm_medium": "email"}).as_dict(),
    )
    rule = UTMRule(parameter="utm_medium", value="email", scope="first")
    assert rule.evaluate(make_ctx(profile))
    rule.scope = "visit"
    assert not rule.evaluate(make_ctx(profile))


def test_utm_rule_clean_and_describe():
    assert "value" in field_errors(UTMRule(operator="equals", value=""))
    assert "value" in field_errors(UTMRule(operator="regex", value="(unclosed"))
    assert "value" in field_errors(UTMRule(operator="regex", value="(a+)+$"))
    assert "value" in field_errors(UTMRule(operator="contains", value="x" * 201))
    assert field_errors(UTMRule(operator="exists", value="")) == {}
    assert UTMRule(parameter="utm_medium", value="email").describe() == (
        'Campaign parameter utm_medium is "email"'
    )


# -- QueryParamRule -------------------------------------------------------------------------
def test_query_param_rule_reads_the_current_page():
    ctx = make_ctx(query={"sort": "price_asc", "ref": ""})
    assert QueryParamRule(parameter="sort", operator="starts_with", value="price").evaluate(ctx)
    assert not QueryParamRule(parameter="sort", value="price").evaluate(ctx)
    assert not QueryParamRule(parameter="ref", operator="exists").evaluate(ctx)  # empty value
    assert both(QueryParamRule(parameter="page", operator="exists"), ctx) == (False, True)
    assert not QueryParamRule(parameter="sort", operator="exists").evaluate(make_ctx())


def test_query_param_rule_clean_and_describe():
    assert "parameter" in field_errors(QueryParamRule(parameter="  ", value="x"))
    assert "value" in field_errors(QueryParamRule(parameter="sort", value=""))
    assert QueryParamRule(parameter="sort", operator="exists").describe() == (
        "The page's ?sort parameter is present"
    )


# -- LandingPageRule ------------------------------------------------------------------------
def test_landing_page_rule_visit_and_first_visit():
    profile = make_profile(landing="/deals/", first_landing="/guide/")
    ctx = make_ctx(profile)
    assert LandingPageRule(path_operator="starts_with", path="/deals/").evaluate(ctx)
    assert not LandingPageRule(path_operator="starts_with", path="/guide/").evaluate(ctx)
    assert LandingPageRule(path_operator="equals", path="/guide/", scope="first").evaluate(ctx)
    # paths are case-sensitive, like URLs
    assert not LandingPageRule(path_operator="equals", path="/DEALS/").evaluate(ctx)


def test_landing_page_rule_without_landing_page():
    rule = LandingPageRule(path_operator="glob", path="*")
    assert both(rule, make_ctx()) == (False, True)
    # no first landing recorded (older profile): the current landing page is the first we know
    only_visit = make_ctx(make_profile(landing="/clubs/"))
    assert LandingPageRule(path_operator="equals", path="/clubs/", scope="first").evaluate(
        only_visit
    )


def test_landing_page_rule_clean_and_describe():
    assert "path" in field_errors(LandingPageRule(path_operator="equals", path=""))
    assert "path" in field_errors(LandingPageRule(path_operator="regex", path="[a-"))
    rule = LandingPageRule(path_operator="starts_with", path="/guide/", scope="first")
    assert (
        rule.describe() == 'Landed on a page whose path starts with "/guide/" on their first visit'
    )


# -- SearchTermRule -------------------------------------------------------------------------
def test_search_term_rule_engine_term_and_site_search():
    engine = visit_from("https://duckduckgo.com/?q=Cheap+golf+clubs")
    assert engine.source.term == "cheap golf clubs"
    assert SearchTermRule(value="cheap").evaluate(engine)
    assert SearchTermRule(where="engine", value="cheap").evaluate(engine)
    assert not SearchTermRule(where="site", value="cheap").evaluate(engine)

    site = make_ctx(query={"q": "Discount driver"})
    assert SearchTermRule(value="discount").evaluate(site)
    assert SearchTermRule(where="site", value="discount").evaluate(site)
    assert not SearchTermRule(where="engine", value="discount").evaluate(site)


def test_search_term_rule_remembers_the_last_site_search_of_the_visit():
    ctx = make_ctx(make_profile(site_search="junior set"))
    assert SearchTermRule(where="site", value="junior").evaluate(ctx)
    assert not SearchTermRule(where="engine", value="junior").evaluate(ctx)


@override_settings(PERSONALIZE_SITE_SEARCH_PARAM="s")
def test_search_term_rule_site_search_parameter_is_a_setting():
    assert SearchTermRule(value="putter").evaluate(make_ctx(query={"s": "putter"}))
    assert not SearchTermRule(value="putter").evaluate(make_ctx(query={"q": "putter"}))


def test_search_term_rule_nothing_searched():
    assert both(SearchTermRule(value="cheap"), make_ctx()) == (False, True)
    assert not SearchTermRule(operator="exists").evaluate(make_ctx())


def test_search_term_rule_clean_and_describe():
    assert "value" in field_errors(SearchTermRule(operator="contains", value=""))
    assert SearchTermRule(operator="in", value="cheap, discount").describe() == (
        "Searched on a search engine or this site, and the search is one of cheap, discount"
    )
    assert SearchTermRule(where="site", value="sale").describe() == (
        'Searched on this site, and the search contains "sale"'
    )


@given(st.text(max_size=600), st.sampled_from(["contains", "equals", "glob", "regex", "in"]))
def test_search_term_rule_never_raises_on_any_term(term, operator):
    rule = SearchTermRule(operator=operator, value=r"\bcheap\b" if operator == "regex" else "a*")
    result = rule.evaluate(make_ctx(make_profile(site_search=term[:100])))
    assert isinstance(result, bool)
