"""Static segments: materializing a segment's members as ``Membership`` rows.

A rebuild *compiles* the segment: every rule whose ``to_q(now)`` is not None is pushed down to
SQL (see ``docs/tasks.md`` for which rule types do), the others are evaluated in Python on each
candidate's stored profile, through the same :class:`~personalize.engine.context.Context` and
``rule.evaluate(ctx)`` the request path uses, built by :mod:`personalize.engine.offline` (no
request: device, place, language and account come from the visitor's row).

* All rules in SQL: two set-based statements (insert the new members, delete the departed
  ones), however many visitors there are.
* Otherwise: the candidates (visitors the SQL part does not already decide) are read in chunks
  of ``PERSONALIZE_REBUILD_CHUNK_SIZE`` with keyset pagination on the primary key, and the
  membership rows of each chunk's id range are updated by difference.

The whole rebuild is one transaction: readers (the request path, exports) see the old list or
the new one, never half of each. It ends by updating ``member_count`` / ``rebuilt_at`` and bumping
the membership version, so profiles re-read their static memberships on their next load.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value

from personalize.conf import get_setting
from personalize.engine.context import Context
from personalize.engine.evaluate import evaluate_rule
from personalize.engine.offline import ROW_FIELDS, contexts_for_rows, offline_snapshot
from personalize.engine.snapshot import prepare_rules
from personalize.models import Membership, Segment, Visitor
from personalize.models.visitor import Consent
from personalize.rules.sql import NOBODY
from personalize.services.sql import pk_chunks, raw_delete
from personalize.utils import log_once

# Segments being compiled in this context: a SegmentRule loop falls back to Python.
_compiling: contextvars.ContextVar[frozenset] = contextvars.ContextVar(
    "personalize_compiling", default=frozenset()
)


class SegmentNotStatic(ValueError):
    """Only static segments have a list of members to rebuild or export."""


def ensure_static(segment: Segment) -> None:
    """Raise :class:`SegmentNotStatic` for a dynamic segment (before a rebuild or an export)."""
    if not segment.is_static:
        raise SegmentNotStatic(
            f'Segment "{segment.slug}" is dynamic: it is evaluated live and has no member '
            "list. Make it static to rebuild or export it."
        )


@dataclass
class CompiledSegment:
    """A segment split into what SQL decides and what Python evaluates.

    ``match == "all"``: members are the visitors of ``sql`` (``Q()`` = everyone) on which every
    Python rule holds. ``match == "any"``: members are the visitors of ``sql`` plus those on
    which any Python rule holds.
    """

    segment: Segment
    match: str
    sql: Q
    python: list = field(default_factory=list)

    @property
    def in_sql(self) -> bool:
        """Whether the database alone decides membership."""
        return not self.python


@dataclass
class RebuildResult:
    segment_id: int
    members: int = 0
    added: int = 0
    removed: int = 0
    evaluated: int = 0  # visitors evaluated in Python
    in_sql: bool = True
    seconds: float = 0.0


def rule_q(rule, now: dt.datetime) -> Q | None:
    """``rule.to_q(now)`` with ``negate`` applied; None if it must run in Python."""
    if rule.unreadable_fields():
        return NOBODY  # as on the request path: nobody, negated or not
    try:
        condition = rule.to_q(now)
    except Exception:
        log_once(
            ("to_q", rule.pk),
            "personalize: rule %s (%s) cannot be expressed in SQL; evaluating it in Python.",
            rule.pk,
            type(rule).__name__,
            exc_info=True,
        )
        return None
    if condition is None:
        return None
    return ~condition if rule.negate else condition


def compile_segment(segment: Segment, now: dt.datetime, rules: list) -> CompiledSegment:
    """Split ``rules`` (from :func:`~personalize.engine.snapshot.prepare_rules`) into SQL and
    Python parts."""
    if not rules:
        return CompiledSegment(segment, segment.match, NOBODY)  # no rules: nobody matches
    token = _compiling.set(_compiling.get() | {segment.pk})
    try:
        compiled = [(rule, rule_q(rule, now)) for rule in rules]
    finally:
        _compiling.reset(token)
    python = [rule for rule, condition in compiled if condition is None]
    parts = [condition for _rule, condition in compiled if condition is not None]
    if segment.match == Segment.Match.ANY:
        sql = NOBODY
        for part in parts:
            sql = part if sql is NOBODY else sql | part
    else:
        sql = Q()
        for part in parts:
            sql &= part
    return CompiledSegment(segment, segment.match, sql, python)


def segment_q(segment_id: int, now: dt.datetime) -> Q | None:
    """Membership of a segment as a ``Q`` over visitors (for ``SegmentRule.to_q``).

    Static: its membership rows. Dynamic: its own rules, if all of them push down. Inactive or
    missing: nobody (as the request path sees it). A loop of segments: None.
    """
    if segment_id in _compiling.get():
        return None
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None or not segment.is_active:
        return NOBODY
    if segment.is_static:
        return Q(
            Exists(Membership.objects.filter(segment_id=segment_id, visitor_id=OuterRef("pk")))
        )
    compiled = compile_segment(segment, now, prepare_rules(segment.rules.all(), None))
    return compiled.sql if compiled.in_sql else None


# -- evaluating stored visitors in Python ------------------------------------------------------
def _python_match(compiled: CompiledSegment, ctx: Context, sql_ok: bool) -> bool:
    if compiled.match == Segment.Match.ANY:
        return sql_ok or any(evaluate_rule(rule, ctx) for rule in compiled.python)
    return all(evaluate_rule(rule, ctx) for rule in compiled.python)


def iter_member_chunks(
    compiled: CompiledSegment, base, *, snapshot, now: dt.datetime, chunk_size: int
) -> Iterator[tuple[object, object, list, int]]:
    """Evaluate ``compiled`` on the visitors of ``base`` in keyset-paginated chunks.

    Yields ``(after, upto, member_ids, evaluated)`` per chunk: ``member_ids`` are the members
    with ``after < pk <= upto`` (``after`` is None for the first range, ``upto`` None for the
    last, an empty one past the last candidate, so the ranges cover every id).
    """
    candidates = base
    if compiled.match == Segment.Match.ANY:
        candidates = candidates.annotate(
            sql_ok=ExpressionWrapper(compiled.sql, output_field=BooleanField())
        )
        fields = (*ROW_FIELDS, "sql_ok")
    else:
        candidates = candidates.filter(compiled.sql)
        fields = ROW_FIELDS
    after = None
    for rows in pk_chunks(candidates, chunk_size, fields=fields):
        contexts = contexts_for_rows(rows, snapshot=snapshot, now=now)
        members = [
            row["pk"]
            for row, ctx in zip(rows, contexts, strict=True)
            if _python_match(compiled, ctx, bool(row.get("sql_ok")))
        ]
        upto = rows[-1]["pk"]
        yield after, upto, members, len(rows)
        after = upto
    yield after, None, [], 0


# -- rebuilding ------------------------------------------------------------------------------
def rebuild_segment(segment_id: int, *, now: dt.datetime | None = None) -> RebuildResult:
    """Recompute the member list of static segment ``segment_id``. Idempotent."""
    import time

    from personalize.engine.snapshot import bump_membership_version

    started = time.monotonic()
    now = now or dt.datetime.now(dt.UTC)
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=segment_id)
        ensure_static(segment)
        snapshot = offline_snapshot()
        compiled = compile_segment(segment, now, prepare_rules(segment.rules.all(), snapshot))
        result = RebuildResult(segment_id=segment.pk, in_sql=compiled.in_sql)
        # (a visitor who withdrew consent is on no list, whatever the rules say)
        live = Visitor.objects.live().exclude(consent=Consent.DENIED)
        if compiled.in_sql:
            _rebuild_in_sql(segment, live.filter(compiled.sql), now, result)
        else:
            _rebuild_in_chunks(segment, compiled, live, snapshot, now, result)
        result.members = Membership.objects.filter(segment=segment).count()
        Segment.objects.filter(pk=segment.pk).update(member_count=result.members, rebuilt_at=now)
        if result.added or result.removed:
            bump_membership_version()
    result.seconds = time.monotonic() - started
    return result


def _rebuild_in_sql(segment: Segment, members, now: dt.datetime, result: RebuildResult) -> None:
    from django.core.exceptions import EmptyResultSet

    current = Membership.objects.filter(segment=segment)
    try:
        select_sql, params = (
            members.order_by()
            .annotate(personalize_segment=Value(segment.pk), personalize_at=Value(now))
            .values_list("personalize_segment", "pk", "personalize_at")
            .query.sql_with_params()
        )
    except EmptyResultSet:  # the rules select nobody
        result.removed = raw_delete(current)
        return
    result.removed = raw_delete(current.exclude(Exists(members.filter(pk=OuterRef("visitor_id")))))
    q = connection.ops.quote_name
    meta = Membership._meta
    columns = ", ".join(
        q(meta.get_field(name).column) for name in ("segment", "visitor", "created_at")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(meta.db_table)} ({columns}) {select_sql} ON CONFLICT DO NOTHING",
            params,
        )
        result.added = max(cursor.rowcount, 0)


def _rebuild_in_chunks(segment, compiled, live, snapshot, now, result: RebuildResult) -> None:
    chunk_size = max(1, int(get_setting("REBUILD_CHUNK_SIZE")))
    for after, upto, member_ids, evaluated in iter_member_chunks(
        compiled, live, snapshot=snapshot, now=now, chunk_size=chunk_size
    ):
        result.evaluated += evaluated
        in_range = Membership.objects.filter(segment=segment)
        if after is not None:
            in_range = in_range.filter(visitor_id__gt=after)
        if upto is not None:
            in_range = in_range.filter(visitor_id__lte=upto)
        existing = set(in_range.values_list("visitor_id", flat=True))
        members = set(member_ids)
        gone = existing - members
        if gone:
            result.removed += raw_delete(in_range.filter(visitor_id__in=gone))
        new = members - existing
        if new:
            Membership.objects.bulk_create(
                [Membership(segment=segment, visitor_id=vid, created_at=now) for vid in new],
                ignore_conflicts=True,
            )
            result.added += len(new)


def count_members(segment: Segment, base, *, snapshot, now: dt.datetime) -> int:
    """How many visitors of ``base`` are in ``segment`` as evaluated now (stats).

    The rules are those ``snapshot`` loaded and prepared for the segment (no query per
    segment); a segment the snapshot does not hold has its rules loaded here.
    """
    if segment.is_static:
        return base.filter(
            Exists(Membership.objects.filter(segment=segment, visitor_id=OuterRef("pk")))
        ).count()
    loaded = snapshot.segments.get(segment.slug) if snapshot is not None else None
    if loaded is not None and loaded.id == segment.pk:
        rules = loaded.rules
    else:
        rules = prepare_rules(segment.rules.all(), snapshot)
    compiled = compile_segment(segment, now, rules)
    if compiled.in_sql:
        return base.filter(compiled.sql).count()
    chunk_size = max(1, int(get_setting("REBUILD_CHUNK_SIZE")))
    return sum(
        len(members)
        for _after, _upto, members, _n in iter_member_chunks(
            compiled, base, snapshot=snapshot, now=now, chunk_size=chunk_size
        )
    )
