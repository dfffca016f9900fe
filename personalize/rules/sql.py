"""Building blocks for ``Rule.to_q(now)``: rule conditions as SQL over stored data.

A rule's ``to_q`` returns a ``Q`` over :class:`~personalize.models.Visitor` that selects the
visitors satisfying the condition (``negate`` not applied), or ``None`` when the condition
cannot be expressed in SQL with the same meaning. Every ``Q`` built here is two-valued (never
SQL NULL), so negating it selects exactly the other visitors.

Stored data versus the live profile: offline, a rule reads the ``Event`` table (everything kept
under ``PERSONALIZE_RETENTION_DAYS``) and the visitor's row (exact counters, last device and
place), where the live profile keeps a bounded recent history. "This visit" means the visitor's
most recent visit, as recorded on its latest stored page view.
"""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal

from django.db import NotSupportedError, connection
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models import lookups as lk
from django.db.models.functions import Cast, Coalesce, Left, Right, StrIndex

from personalize.profile import DAY, day_of
from personalize.rules.matching import (
    NUMBER_TEXT,
    NumberOperator,
    TextOperator,
    glob_regex,
    split_list,
    to_number,
)

_TEXT_LOOKUPS = {  # operator -> (case-sensitive lookup, case-insensitive lookup)
    TextOperator.EQUALS: (lk.Exact, lk.IExact),
    TextOperator.CONTAINS: (lk.Contains, lk.IContains),
    TextOperator.STARTS_WITH: (lk.StartsWith, lk.IStartsWith),
    TextOperator.ENDS_WITH: (lk.EndsWith, lk.IEndsWith),
    TextOperator.GLOB: (lk.Regex, lk.IRegex),
}

_SUBSTRING = {
    TextOperator.STARTS_WITH: lambda expr, p: lk.Exact(Left(expr, len(p)), p),
    TextOperator.ENDS_WITH: lambda expr, p: lk.Exact(Right(expr, len(p)), p),
    TextOperator.CONTAINS: lambda expr, p: lk.GreaterThan(StrIndex(expr, Value(p)), 0),
}

#: Selects no visitor (and its negation, every visitor).
NOBODY = Q(pk__in=[])
#: Selects every visitor (and its negation, none). ``Q()`` would not do: negated, it still
#: selects everyone.
EVERYONE = ~NOBODY


def window_start(now: dt.datetime, within_days: int | None) -> dt.datetime | None:
    """Start of the last ``within_days`` calendar days (UTC), today included: the window of
    :meth:`personalize.profile.Profile.page_count` (days after ``today - within_days``)."""
    if not within_days:
        return None
    since_day = day_of(now.timestamp()) - int(within_days) + 1
    return dt.datetime.fromtimestamp(since_day * DAY, dt.UTC)


def text_q(expression, operator: str, pattern: str, *, case_sensitive: bool) -> Q | None:
    """``expression`` (a field name or an expression) compared like
    :func:`~personalize.rules.matching.match_text`, where ``""`` counts as missing and never
    matches. None for regular expressions: Python's dialect and the database's differ, so
    those rules are evaluated in Python."""
    if isinstance(expression, str):
        expression = F(expression)
    present = ~Q(lk.Exact(expression, ""))
    if operator == TextOperator.EXISTS:
        return present
    if operator == TextOperator.IN:
        items = split_list(pattern)
        if not items:
            return NOBODY
        if case_sensitive:
            return Q(lk.In(expression, items)) & present
        any_item = Q()
        for item in items:
            any_item |= Q(lk.IExact(expression, item))
        return any_item & present
    if case_sensitive and operator in _SUBSTRING:
        # LIKE ignores case on SQLite: compare substrings, which every database does exactly.
        return Q(_SUBSTRING[operator](expression, pattern)) & present
    lookups = _TEXT_LOOKUPS.get(operator)
    if lookups is None:
        return None
    lookup = lookups[0] if case_sensitive else lookups[1]
    value = glob_regex(pattern) if operator == TextOperator.GLOB else pattern
    return Q(lookup(expression, value)) & present


def number_q(expression, operator: str, expected) -> Q:
    """``expression`` (NULL: not a number) compared like
    :func:`~personalize.rules.matching.compare_number`: NULL never matches, and "exactly"
    allows the same 1e-9 of rounding."""
    expected = to_number(expected)
    if expected is None:
        return NOBODY
    if operator == NumberOperator.EQ:
        compared = Q(lk.GreaterThan(expression, expected - 1e-9)) & Q(
            lk.LessThan(expression, expected + 1e-9)
        )
    else:
        compared = compare_q(expression, operator, expected)
    return Q(lk.IsNull(expression, False)) & compared


#: Databases whose JSON functions :class:`TraitValue` knows.
JSON_VENDORS = ("postgresql", "sqlite")


def json_supported() -> bool:
    return connection.vendor in JSON_VENDORS


class TraitValue(Func):
    """A visitor trait (``Visitor.traits[key]``) read the way ``TraitRule`` reads it in Python.

    As text (``number=False``): a string as it is, ``true``/``false`` for booleans, whole
    numbers without a decimal point (``42.0`` reads ``"42"``) and other numbers as Python
    writes them; ``""`` when missing or not a scalar. As a number (``number=True``): a JSON
    number, or a string matching :data:`~personalize.rules.matching.NUMBER_TEXT`; NULL
    otherwise, booleans included.

    One difference remains on PostgreSQL, whose ``jsonb`` rewrites numbers: a fraction that
    Python writes with an exponent (``1.5e-05``) reads as ``0.000015`` in SQL, as text only.
    """

    _TEXT = {
        "sqlite": (
            "CASE json_type({c}, {k}) WHEN 'text' THEN json_extract({c}, {k}) "
            "WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
            "WHEN 'integer' THEN ({c} -> {k}) "
            "WHEN 'real' THEN CASE WHEN json_extract({c}, {k}) = "
            "CAST(json_extract({c}, {k}) AS INTEGER) "
            "THEN CAST(CAST(json_extract({c}, {k}) AS INTEGER) AS TEXT) ELSE ({c} -> {k}) END "
            "ELSE '' END"
        ),
        "postgresql": (
            "CASE jsonb_typeof({c} -> {k}) WHEN 'string' THEN {c} ->> {k} "
            "WHEN 'boolean' THEN {c} ->> {k} "
            "WHEN 'number' THEN CASE WHEN ({c} ->> {k})::numeric = trunc(({c} ->> {k})::numeric) "
            "THEN trunc(({c} ->> {k})::numeric)::text ELSE {c} ->> {k} END "
            "ELSE '' END"
        ),
    }
    _NUMBER = {
        "sqlite": (
            "CASE json_type({c}, {k}) WHEN 'integer' THEN CAST(json_extract({c}, {k}) AS REAL) "
            "WHEN 'real' THEN json_extract({c}, {k}) "
            "WHEN 'text' THEN CASE WHEN json_extract({c}, {k}) REGEXP {n} "
            "THEN CAST(json_extract({c}, {k}) AS REAL) END END"
        ),
        "postgresql": (
            "CASE jsonb_typeof({c} -> {k}) WHEN 'number' THEN ({c} ->> {k})::float8 "
            "WHEN 'string' THEN CASE WHEN ({c} ->> {k}) ~ {n} "
            "THEN ({c} ->> {k})::float8 END END"
        ),
    }

    def __init__(self, key: str, *, number: bool = False):
        self.key = key
        self.number = number
        super().__init__(F("traits"), output_field=FloatField() if number else TextField())

    def as_sql(self, compiler, connection, **extra):
        templates = self._NUMBER if self.number else self._TEXT
        template = templates.get(connection.vendor)
        if template is None:
            raise NotSupportedError(f"Traits cannot be compared in SQL on {connection.vendor}.")
        column, params = compiler.compile(self.source_expressions[0])
        key = f'$."{self.key}"' if connection.vendor == "sqlite" else self.key
        sql_parts, sql_params = [], []
        for literal, name, _spec, _conv in _FORMATTER.parse(template):
            sql_parts.append(literal)
            if name == "c":
                sql_parts.append(column)
                sql_params.extend(params)
            elif name == "k":
                sql_parts.append("%s")
                sql_params.append(key)
            elif name == "n":
                sql_parts.append("%s")
                sql_params.append(NUMBER_TEXT)
        return "(" + "".join(sql_parts) + ")", tuple(sql_params)


_FORMATTER = string.Formatter()


def _events(name: str, since: dt.datetime | None, where: Q | None) -> Q:
    condition = Q(name=name)
    if since is not None:
        condition &= Q(timestamp__gte=since)
    if where is not None:
        condition &= where
    return condition


def count_q(name: str, operator: str, expected, *, since=None, where: Q | None = None) -> Q:
    """Visitors whose number of ``name`` events (matching ``where``, from ``since``) compares
    to ``expected``; a visitor without any such event counts 0."""
    from personalize.models import Event

    condition = _events(name, since, where)
    expected = Decimal(str(expected))
    at_least_one = (operator == NumberOperator.GTE and 0 < expected <= 1) or (
        operator == NumberOperator.GT and 0 <= expected < 1
    )
    if at_least_one:  # a semi-join, the cheapest form
        return Q(Exists(Event.objects.filter(condition, visitor_id=OuterRef("pk"))))
    # Compared as floats: an editor's "at least 1.5 times" must not round to 1.
    count = _per_visitor(condition, Cast(Count("pk"), FloatField()), FloatField())
    return compare_q(Coalesce(count, Value(0.0)), operator, float(expected))


def sum_q(name: str, operator: str, expected, *, since=None) -> Q:
    """Visitors whose ``name`` event values add up to a total that compares (no event: 0)."""
    total = _per_visitor(_events(name, since, None), _float_sum(), FloatField())
    return compare_q(Coalesce(total, Value(0.0)), operator, float(expected))


def average_q(name: str, operator: str, expected, *, since=None) -> Q:
    """Average as the profile computes it, total over number of events; no event: no match."""
    average = _float_sum() / Cast(Count("pk"), FloatField())
    value = _per_visitor(_events(name, since, None), average, FloatField())
    # A visitor without the event has no average (NULL): compared as -inf never matches,
    # and negating it matches, like the Python evaluation.
    has_value = Q(lk.IsNull(value, False))
    return has_value & compare_q(Coalesce(value, Value(0.0)), operator, float(expected))


def _float_sum():
    return Coalesce(Cast(Sum("value"), FloatField()), Value(0.0))


def _per_visitor(events: Q, measure, output_field):
    """A correlated subquery: ``measure`` over the outer visitor's events (NULL if none)."""
    from personalize.models import Event

    grouped = (
        Event.objects.filter(events, visitor_id=OuterRef("pk"))
        .order_by()
        .values("visitor_id")
        .annotate(measure=measure)
        .values("measure")
    )
    return Subquery(grouped, output_field=output_field)


def compare_q(expression, operator: str, expected) -> Q:
    """``expression`` compared to ``expected`` by a :class:`NumberOperator`, exactly."""
    lookup = {
        NumberOperator.GTE: lk.GreaterThanOrEqual,
        NumberOperator.GT: lk.GreaterThan,
        NumberOperator.LTE: lk.LessThanOrEqual,
        NumberOperator.LT: lk.LessThan,
        NumberOperator.EQ: lk.Exact,
    }[operator]
    return Q(lookup(expression, expected))


def latest_page_view(column: str, *, first: bool = False):
    """``column`` of the visitor's latest (``first``: earliest) stored page view, else ``""``."""
    from personalize.models import Event

    order = ("timestamp", "pk") if first else ("-timestamp", "-pk")
    latest = (
        Event.objects.filter(visitor_id=OuterRef("pk"), name=Event.PAGE_VIEW)
        .order_by(*order)
        .values(column)[:1]
    )
    return Coalesce(Subquery(latest), Value(""))
