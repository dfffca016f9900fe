"""Bounded text and number matching shared by rules, intent signals and topic mappings.

Editors pick a structured operator (equals, starts with, glob, ...) rather than writing raw
regular expressions. A regular expression is accepted where an operator says so, validated when
saved (length, syntax, nested quantifiers) and only ever run on input truncated to
:data:`MAX_SUBJECT`, so a bad pattern cannot stall a request.
"""

from __future__ import annotations

import functools
import operator as _operator
import re
import re._parser as _re_parser

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

MAX_PATTERN = 200
MAX_SUBJECT = 500
MAX_LIST_ITEMS = 100

MAX_TOPIC = 64

#: Text that reads as a number: "34", " 3.5 ", "-.5", "1e3". Python's ``re`` and PostgreSQL
#: read it alike, so static segments select numeric text in SQL exactly as rules read it
#: here; digits and exponent are bounded so the number always fits a double.
NUMBER_TEXT = (
    r"^[ \t\n\r]*[+-]?(?:[0-9]{1,15}(?:\.[0-9]{0,15})?|\.[0-9]{1,15})(?:[eE][+-]?[0-9]{1,2})?"
    r"[ \t\n\r]*$"
)
_NUMBER_TEXT = re.compile(NUMBER_TEXT)


class TextOperator(models.TextChoices):
    EQUALS = "equals", _("is")
    CONTAINS = "contains", _("contains")
    STARTS_WITH = "starts_with", _("starts with")
    ENDS_WITH = "ends_with", _("ends with")
    IN = "in", _("is one of (comma-separated)")
    GLOB = "glob", _("matches wildcard (* and ?)")
    REGEX = "regex", _("matches regular expression")
    EXISTS = "exists", _("is present")


class NumberOperator(models.TextChoices):
    GTE = "gte", _("at least")
    GT = "gt", _("more than")
    LTE = "lte", _("at most")
    LT = "lt", _("less than")
    EQ = "eq", _("exactly")


_NUMBER_WORDS = {
    NumberOperator.GTE: "at least",
    NumberOperator.GT: "more than",
    NumberOperator.LTE: "at most",
    NumberOperator.LT: "less than",
    NumberOperator.EQ: "exactly",
}

# A group that is itself repeated and contains a repeat: (a+)+, (a*)*, (a|aa)+ ... the classic
# shapes of catastrophic backtracking. (A quick first look; see _backtracking for the parse.)
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")
_REPEATS = (_re_parser.MAX_REPEAT, _re_parser.MIN_REPEAT)
_NESTED = _("Nested repetition such as (a+)+ can take forever to match; simplify the pattern.")
_CHOICE = _("A repeated choice such as (a|ab)* can take forever to match; simplify the pattern.")


@functools.lru_cache(maxsize=1024)
def topic_slug(text) -> str:
    """The topic of interest ``text`` names, as stored, counted and compared everywhere
    (``{% interest %}``, topic mappings, ``InterestRule``): lowercase words joined by hyphens,
    "Short Game!" → "short-game". "" when nothing usable is left or the result is longer than
    :data:`MAX_TOPIC` characters: not a topic."""
    slug = slugify(str(text), allow_unicode=True)
    return slug if len(slug) <= MAX_TOPIC else ""


def split_list(value: str) -> list[str]:
    """Split a comma- or newline-separated editor list into clean items."""
    items = [item.strip() for item in re.split(r"[,\n]", value or "")]
    return [item for item in items if item][:MAX_LIST_ITEMS]


def validate_regex(pattern: str) -> None:
    if len(pattern) > MAX_PATTERN:
        raise ValidationError(
            _("Keep regular expressions under %(max)d characters."), params={"max": MAX_PATTERN}
        )
    if _NESTED_QUANTIFIER.search(pattern):
        raise ValidationError(_NESTED)
    try:
        re.compile(pattern)
    except (re.error, OverflowError) as exc:  # OverflowError: a repeat count like a{9999999999}
        raise ValidationError(
            _("Not a valid regular expression: %(error)s"), params={"error": exc}
        ) from exc
    problem = _backtracking(_re_parser.parse(pattern))
    if problem is not None:
        raise ValidationError(problem)


def _backtracking(items):
    """The message for the first part of a parsed pattern (``re._parser``'s tree) that repeats,
    more than once, something that can match the same text in more than one way: a part of
    variable length (``((a+))+``, ``(a?){25}``) or a choice (``(a|aa)*``). Python's ``re``
    tries every way on a failing match: time doubles with each character. None when there is
    no such part. Atomic groups and possessive repeats never retry, so they are not counted."""
    for op, av in items:
        if op in _REPEATS:
            _low, high, body = av
            if high > 1:
                inner = _ambiguity(body)
                if inner is not None:
                    return inner
            found = _backtracking(body)
        else:
            found = None
            for child in _children(op, av, atomic=True):
                found = _backtracking(child)
                if found is not None:
                    break
        if found is not None:
            return found
    return None


def _ambiguity(items):
    """``_NESTED`` when ``items`` holds a repeat of variable length, ``_CHOICE`` when it holds
    a choice between alternatives, else None (looking into groups, not atomic ones)."""
    choice = None
    for op, av in items:
        if op in _REPEATS:
            low, high, _body = av
            if low != high:
                return _NESTED
        elif op is _re_parser.BRANCH:
            choice = _CHOICE
        for child in _children(op, av):
            found = _ambiguity(child)
            if found is _NESTED:
                return found
            choice = choice or found
    return choice


def _children(op, av, *, atomic: bool = False):
    """The sub-patterns of one node of a parsed pattern; with ``atomic``, also the bodies of
    atomic groups and possessive repeats (they never retry as a whole, but what they hold can
    backtrack inside)."""
    if atomic and op is _re_parser.ATOMIC_GROUP:
        return [av]
    if atomic and op is _re_parser.POSSESSIVE_REPEAT:
        return [av[2]]
    if op is _re_parser.SUBPATTERN:
        return [av[3]]
    if op in _REPEATS:
        return [av[2]]
    if op is _re_parser.BRANCH:
        return av[1]
    if op in (_re_parser.ASSERT, _re_parser.ASSERT_NOT):
        return [av[1]]
    if op is _re_parser.GROUPREF_EXISTS:
        return [part for part in av[1:] if part is not None]
    return []  # literals, sets, anchors...


def validate_pattern(operator: str, pattern: str, *, field: str) -> None:
    """Raise a ValidationError on ``field``, the model field holding ``pattern``, when the
    pattern cannot be used with ``operator``; called from ``clean()``, the admin form and
    the API then show the message next to that field."""
    try:
        _check_pattern(operator, pattern)
    except ValidationError as exc:
        raise ValidationError({field: exc}) from None


def _check_pattern(operator: str, pattern: str) -> None:
    if operator == TextOperator.EXISTS:
        return
    if not pattern:
        raise ValidationError(_("Enter a value to compare with."))
    if len(pattern) > MAX_PATTERN and operator != TextOperator.IN:
        raise ValidationError(
            _("Keep patterns under %(max)d characters."), params={"max": MAX_PATTERN}
        )
    if operator == TextOperator.REGEX:
        validate_regex(pattern)
    if "\x00" in pattern:
        raise ValidationError(_("Patterns cannot contain NUL characters."))


def glob_regex(pattern: str) -> str:
    """A wildcard pattern (``*``, ``?``) as an anchored regular expression that Python's ``re``
    and PostgreSQL read alike (static segments run it in SQL): every character but letters,
    digits and ``_`` is escaped."""
    parts = []
    for char in pattern:
        if char == "*":
            if not parts or parts[-1] != ".*":
                parts.append(".*")
        elif char == "?":
            parts.append(".")
        elif char.isalnum() or char == "_":
            parts.append(char)
        else:
            parts.append("\\" + char)
    return "^" + "".join(parts) + "$"


@functools.lru_cache(maxsize=2048)
def text_matcher(operator: str, pattern: str, case_sensitive: bool = False):
    """``subject -> bool`` answering :func:`match_text` for one operator and pattern.

    Built once per (operator, pattern, case) and kept: rules and signals compare on every
    request, often against many subjects (a page rule against every path of a profile), so
    the operator is dispatched and the pattern compiled here rather than on each comparison.
    Raises like :func:`match_text` for a pattern or operator it cannot use.
    """
    if operator == TextOperator.EXISTS:
        return _is_present
    flags = 0 if case_sensitive else re.IGNORECASE
    if operator == TextOperator.REGEX:
        validate_regex(pattern)
        search = re.compile(pattern, flags).search
        return lambda subject: subject is not None and search(_subject(subject)) is not None
    if operator == TextOperator.GLOB:
        fullmatch = re.compile(glob_regex(pattern), flags | re.DOTALL).fullmatch
        return lambda subject: subject is not None and fullmatch(_subject(subject)) is not None
    if operator == TextOperator.IN:
        items = split_list(pattern)
        expected = frozenset(items if case_sensitive else (item.casefold() for item in items))
    elif operator in _PLAIN_TEXT:
        expected = pattern if case_sensitive else pattern.casefold()
    else:
        raise ValueError(f"Unknown text operator {operator!r}")
    # ``check(text)``: bound in C for "is" and "is one of" (``expected.__eq__``,
    # ``frozenset.__contains__``), and ``_subject`` written out: these run for every rule and
    # every subject on every request.
    if operator == TextOperator.EQUALS:
        check = expected.__eq__
    elif operator == TextOperator.IN:
        check = expected.__contains__
    elif operator == TextOperator.CONTAINS:
        check = lambda text: expected in text  # noqa: E731
    elif operator == TextOperator.STARTS_WITH:
        check = lambda text: text.startswith(expected)  # noqa: E731
    else:
        check = lambda text: text.endswith(expected)  # noqa: E731
    if case_sensitive:
        return lambda subject: (
            subject is not None
            and check((subject if type(subject) is str else str(subject))[:MAX_SUBJECT])
        )
    return lambda subject: (
        subject is not None
        and check((subject if type(subject) is str else str(subject))[:MAX_SUBJECT].casefold())
    )


def usable_text_matcher(operator: str, pattern: str, case_sensitive: bool = False):
    """:func:`text_matcher`, or None when it cannot use ``operator`` and ``pattern`` (an invalid
    pattern stored around validation): a rule then keeps its ``evaluate_condition``, which
    answers False for a missing subject and raises (is logged, does not match) for another."""
    try:
        return text_matcher(operator, pattern, case_sensitive)
    except Exception:
        return None


def _subject(value) -> str:
    return (value if type(value) is str else str(value))[:MAX_SUBJECT]


def _is_present(subject) -> bool:
    return subject is not None and _subject(subject) != ""


#: The operators compared as plain text (see :func:`text_matcher`).
_PLAIN_TEXT = frozenset(
    {
        TextOperator.EQUALS,
        TextOperator.CONTAINS,
        TextOperator.STARTS_WITH,
        TextOperator.ENDS_WITH,
    }
)


def match_text(operator: str, subject: str | None, pattern: str, *, case_sensitive=False) -> bool:
    """Compare ``subject`` with ``pattern`` under ``operator``; missing subject never matches."""
    if subject is None:
        return False
    return text_matcher(operator, pattern, case_sensitive)(subject)


def describe_text(operator: str, pattern: str) -> str:
    if operator == TextOperator.EXISTS:
        return "is present"
    label = {
        TextOperator.EQUALS: "is",
        TextOperator.CONTAINS: "contains",
        TextOperator.STARTS_WITH: "starts with",
        TextOperator.ENDS_WITH: "ends with",
        TextOperator.IN: "is one of",
        TextOperator.GLOB: "matches",
        TextOperator.REGEX: "matches the expression",
    }.get(operator, operator)
    if operator == TextOperator.IN:
        return f"{label} {', '.join(split_list(pattern))}"
    return f'{label} "{pattern}"'


def to_number(value) -> float | None:
    """``value`` as a number: ints and floats as they are, text when it matches
    :data:`NUMBER_TEXT`; None for anything else (booleans included)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    if not _NUMBER_TEXT.match(text):
        return None
    return float(text)


def compare_number(operator: str, actual, expected) -> bool:
    actual, expected = to_number(actual), to_number(expected)
    if actual is None or expected is None:
        return False
    if operator == NumberOperator.EQ:
        return abs(actual - expected) < 1e-9
    try:
        reversed_test = _REVERSED[operator]
    except KeyError:
        raise ValueError(f"Unknown number operator {operator!r}") from None
    return reversed_test(expected, actual)


def number_matcher(operator: str, expected):
    """``actual -> bool`` answering :func:`compare_number` for ``operator`` and ``expected``,
    where ``actual`` is already a number (an int or a float, not a bool): for rules that compare
    a count on every request. Raises like :func:`compare_number` for an unknown operator."""
    expected = to_number(expected)
    if expected is None:
        return _nothing
    if operator not in _NUMBER_TESTS:
        raise ValueError(f"Unknown number operator {operator!r}")
    if operator == NumberOperator.EQ:
        return lambda actual: abs(actual - expected) < 1e-9
    # ``expected <= actual`` is ``actual >= expected``: the comparison, bound in C.
    return functools.partial(_REVERSED[operator], expected)


def _nothing(_value) -> bool:
    return False


#: Each ordering operator as a test of ``(expected, actual)``: ``expected <= actual`` is
#: ``actual >= expected``.
_REVERSED = {
    NumberOperator.GTE: _operator.le,
    NumberOperator.GT: _operator.lt,
    NumberOperator.LTE: _operator.ge,
    NumberOperator.LT: _operator.gt,
}
_NUMBER_TESTS = {*_REVERSED, NumberOperator.EQ}


def describe_number(operator: str, expected) -> str:
    number = to_number(expected)
    shown = f"{number:g}" if number is not None else str(expected)
    return f"{_NUMBER_WORDS.get(operator, operator)} {shown}"
