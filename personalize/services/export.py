"""Exporting a static segment's members (for e-mail campaigns): CSV and JSON, streamed.

Members are read in keyset-paginated chunks, so a list of a million visitors streams in
constant memory. CSV cells that a spreadsheet would read as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return) get a leading ``'``.

Member lists hold e-mail addresses and traits: people may take them out of the site only with
:data:`EXPORT_PERMISSION`, and every export (an admin download, a page of the API's member list,
a run of the ``personalize_export_segment`` command) is recorded by :func:`record_export`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from collections.abc import Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from personalize.models import ExportAudit, Membership, Segment, Visitor
from personalize.services.segments import ensure_static
from personalize.services.sql import pk_chunks

#: The permission to take a segment's member list out of the site ("Can export segment
#: members"). Editing or viewing segments does not grant it.
EXPORT_PERMISSION = "personalize.export_segment"

audit_logger = logging.getLogger("personalize.audit")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FIXED_COLUMNS = ("id", "email", "first_seen", "last_seen", "visits", "country")
CHUNK = 2_000
FORMATS = ("csv", "json")


def neutralize(value):
    """A CSV cell that a spreadsheet will not evaluate as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def members(segment: Segment, *, chunk: int = CHUNK) -> Iterator[dict]:
    """The members of ``segment``, ordered by id, one dict each."""
    ensure_static(segment)
    listed = Visitor.objects.filter(memberships__segment=segment)
    fields = ("email", "first_seen", "last_seen", "visit_count", "country", "traits")
    for rows in pk_chunks(listed, chunk, fields=fields):
        for row in rows:
            yield {
                "id": row["pk"].hex,
                "email": row["email"] or "",
                "first_seen": row["first_seen"],
                "last_seen": row["last_seen"],
                "visits": row["visit_count"],
                "country": row["country"],
                "traits": row["traits"] if isinstance(row["traits"], dict) else {},
            }


def trait_columns(segment: Segment) -> list[str]:
    keys: set[str] = set()
    for member in members(segment):
        keys.update(str(key) for key in member["traits"])
    return sorted(keys)


def _cell(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return neutralize(value)


def iter_csv(segment: Segment) -> Iterator[str]:
    """The CSV export, a line at a time: fixed columns, then one column per trait."""
    ensure_static(segment)
    traits = trait_columns(segment)
    header = list(FIXED_COLUMNS) + [
        f"trait_{key}" if key in FIXED_COLUMNS else key for key in traits
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        writer.writerow([_cell(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(header)
    for member in members(segment):
        yield line(
            [member[column] for column in FIXED_COLUMNS]
            + [member["traits"].get(key) for key in traits]
        )


def iter_json(segment: Segment) -> Iterator[str]:
    """The JSON export: ``{"segment": ..., "exported_at": ..., "members": [...]}``."""
    ensure_static(segment)
    head = {"segment": segment.slug, "name": segment.name, "exported_at": timezone.now()}
    yield json.dumps(head, cls=DjangoJSONEncoder)[:-1] + ', "members": ['
    first = True
    for member in members(segment):
        yield ("" if first else ", ") + json.dumps(member, cls=DjangoJSONEncoder)
        first = False
    yield "]}\n"


def export(segment: Segment, fmt: str) -> Iterator[str]:
    if fmt == "csv":
        return iter_csv(segment)
    if fmt == "json":
        return iter_json(segment)
    raise ValueError(f"Unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}.")


def record_export(user, segment: Segment, rows: int, *, page: str = "") -> ExportAudit:
    """Record that ``user`` exported ``rows`` members of ``segment``: an :class:`ExportAudit`
    row, kept when the user is deleted, and a line on the ``personalize.audit`` logger.

    ``user`` is None for an export that no user of the site made (the management command):
    the record then has no user and an empty user name. ``page`` says which part of the list
    went and how (the API's cursor, empty for its first page; ``all (csv, admin)``...).
    """
    field = ExportAudit._meta.get_field
    username = user.get_username() if user is not None else ""
    audit = ExportAudit.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=username[: field("username").max_length],
        segment=segment,
        segment_slug=segment.slug,
        rows=rows,
        page=page[: field("page").max_length],
    )
    audit_logger.info(
        "%s exported %d members of segment %s (page %s)",
        audit.actor,
        rows,
        segment.slug,
        page or "first",
    )
    return audit


def record_list_export(user, segment: Segment, fmt: str, *, via: str) -> ExportAudit:
    """:func:`record_export` for the whole member list of ``segment`` as ``fmt``, taken out
    through ``via`` (``"admin"``, ``"command"``): the page reads e.g. ``all (csv, admin)``."""
    rows = Membership.objects.filter(segment=segment).count()
    return record_export(user, segment, rows, page=f"all ({fmt}, {via})")
