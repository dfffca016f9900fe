"""Pattern validation: a bad pattern is an error on the field that holds it, everywhere."""

import pytest
from django.core.exceptions import ValidationError

from personalize.models import (
    IntentSignal,
    LandingPageRule,
    PageVisitRule,
    QueryParamRule,
    SearchTermRule,
    TopicMapping,
    TraitRule,
    UTMRule,
)
from personalize.rules.matching import match_text, text_matcher, validate_pattern
from tests.rules.conftest import form_errors, segment_admin_post

NESTED = "Nested repetition such as (a+)+ can take forever to match; simplify the pattern."


@pytest.mark.parametrize(
    ("operator", "pattern", "message"),
    [
        ("regex", "(a+)+$", NESTED),
        (
            "regex",
            "((",
            "Not a valid regular expression: missing ), unterminated subpattern at position 1",
        ),
        (
            "regex",
            "a{4294967295}",  # past the largest repeat count re accepts: OverflowError
            "Not a valid regular expression: the repetition number is too large",
        ),
        ("equals", "", "Enter a value to compare with."),
        ("contains", "x" * 201, "Keep patterns under 200 characters."),
        ("starts_with", "/a\x00", "Patterns cannot contain NUL characters."),
    ],
)
def test_validate_pattern_reports_on_the_named_field(operator, pattern, message):
    with pytest.raises(ValidationError) as caught:
        validate_pattern(operator, pattern, field="path")
    assert caught.value.message_dict == {"path": [message]}


CHOICE = "A repeated choice such as (a|ab)* can take forever to match; simplify the pattern."


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("((a+))+b", NESTED),  # the repeat inside a group inside the group
        ("(?:(?:a*))*b", NESTED),
        ("(a?){25}a{25}", NESTED),  # an optional part repeated a fixed number of times
        ("(x+|y)+z", NESTED),
        ("(a|a)*b", CHOICE),  # alternatives that match the same text
        ("(?:a|aa)*$", CHOICE),
        ("(golf|golfing)+!", CHOICE),
        ("(?>((a+))+)b", NESTED),  # inside an atomic group, still tried every way
    ],
)
def test_patterns_that_backtrack_exponentially_are_refused(pattern, message):
    with pytest.raises(ValidationError) as caught:
        validate_pattern("regex", pattern, field="path")
    assert caught.value.message_dict == {"path": [message]}


@pytest.mark.parametrize(
    "pattern",
    [
        r"^/clubs/[a-z0-9-]+/$",
        "(golf|tennis)",  # a choice, not repeated
        "(golf|tennis)?/",  # at most once
        "(ab){3}c",  # a fixed repeat of fixed text
        r"(\w|\d)+",  # one character either way: a character set
        "(?>a|ab)+c",  # an atomic group never retries its choice
        "(?:ab|a)++c",  # nor does a possessive repeat
        "(?P<n>x+)-(?P=n)",
    ],
)
def test_patterns_that_match_in_one_way_pass(pattern):
    validate_pattern("regex", pattern, field="path")


def test_a_stored_pattern_that_backtracks_never_runs(caplog):
    import time

    matcher_failed = False
    start = time.perf_counter()
    try:
        text_matcher("regex", "((a+))+b")("a" * 26)
    except ValidationError:
        matcher_failed = True
    assert matcher_failed  # refused when compiled for a rule, as when saved
    assert time.perf_counter() - start < 0.5


def test_a_usable_pattern_passes():
    validate_pattern("regex", r"^/clubs/\w+", field="path")
    validate_pattern("exists", "", field="value")
    validate_pattern("in", ", ".join(["x" * 30] * 20), field="value")  # lists may be long


HOLDERS = [
    (PageVisitRule(path_operator="regex"), "path"),
    (LandingPageRule(path_operator="regex"), "path"),
    (UTMRule(operator="regex"), "value"),
    (QueryParamRule(parameter="sort", operator="regex"), "value"),
    (SearchTermRule(operator="regex"), "value"),
    (TraitRule(key="company", operator="regex"), "value"),
    (IntentSignal(kind="page_path", operator="regex"), "pattern"),
    (TopicMapping(operator="regex", topics="golf"), "path"),
]


@pytest.mark.parametrize(("holder", "field"), HOLDERS, ids=lambda value: type(value).__name__)
def test_every_pattern_holder_reports_on_its_pattern_field(holder, field):
    setattr(holder, field, "(a+)+$")
    with pytest.raises(ValidationError) as caught:
        holder.clean()
    assert caught.value.message_dict == {field: [NESTED]}


@pytest.mark.django_db
@pytest.mark.parametrize(("holder", "field"), HOLDERS[:6], ids=lambda value: type(value).__name__)
def test_the_admin_shows_the_error_next_to_the_pattern_field(admin_client, holder, field):
    from personalize.models import Segment

    segment = Segment.objects.create(name="Patterns", slug="patterns")
    fields = {
        name.name: getattr(holder, name.attname)
        for name in type(holder)._meta.concrete_fields
        if name.editable
        and not name.primary_key
        and name.name not in ("segment", "sort_order")
        and getattr(holder, name.attname) not in (None, "")
    }
    fields[field] = "(a+)+$"
    response = segment_admin_post(admin_client, segment, [(type(holder), fields)])
    assert response.status_code == 200, form_errors(response)
    (formset,) = response.context["inline_admin_formsets"]
    assert formset.formset.errors[0] == {field: [NESTED]}
    assert not segment.rules.exists()


@pytest.mark.parametrize(
    ("operator", "subject", "pattern", "case_sensitive", "expected"),
    [
        ("equals", "Spring", "spring", False, True),
        ("equals", "Spring", "spring", True, False),
        ("contains", "/golf/clubs/", "CLUBS", False, True),
        ("starts_with", "/clubs/drivers", "/clubs/", True, True),
        ("starts_with", "/Clubs/drivers", "/clubs/", True, False),
        ("ends_with", "promo-2026", "2026", False, True),
        ("in", "B", "a, b, c", False, True),
        ("in", "B", "a, b, c", True, False),
        ("glob", "/clubs/x/y", "/clubs/*", True, True),
        ("glob", "/balls/", "/clubs/*", True, False),
        ("regex", "/CLUBS/7", r"^/clubs/\d$", False, True),
        ("exists", "", "", False, False),
        ("exists", "x", "", False, True),
        ("equals", 42, "42", False, True),  # not text: compared as text
        ("equals", "a" * 600, "a" * 500, True, True),  # subjects are cut to 500 characters
        ("equals", None, "x", False, False),  # missing never matches
        ("exists", None, "", False, False),
    ],
)
def test_match_text_by_operator(operator, subject, pattern, case_sensitive, expected):
    assert match_text(operator, subject, pattern, case_sensitive=case_sensitive) is expected
    matcher = text_matcher(operator, pattern, case_sensitive)
    assert matcher(subject) is expected
    assert text_matcher(operator, pattern, case_sensitive) is matcher  # built once


def test_match_text_refuses_an_unknown_operator_only_when_there_is_something_to_compare():
    assert match_text("sounds_like", None, "x") is False
    with pytest.raises(ValueError, match="Unknown text operator 'sounds_like'"):
        match_text("sounds_like", "x", "x")
    with pytest.raises(ValidationError):
        match_text("regex", "aaa", "(a+)+$")  # saved before validation existed: still refused
