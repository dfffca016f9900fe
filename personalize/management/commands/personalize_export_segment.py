"""``python manage.py personalize_export_segment <slug> --format csv|json [--output FILE]``.

Audited like the admin's and the API's exports: an ``ExportAudit`` record with no user and the
page ``all (<format>, command)``, and a line on the ``personalize.audit`` logger.
"""

import contextlib
import functools

from django.core.management.base import BaseCommand, CommandError

from personalize.models import Segment
from personalize.services import export
from personalize.services.segments import SegmentNotStatic


class Command(BaseCommand):
    help = (
        "Export the members of a static segment (id, e-mail, dates, traits) as CSV or JSON, "
        "e.g. for an e-mail campaign. CSV cells are neutralized against spreadsheet formulas."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Slug of a static segment.")
        parser.add_argument("--format", choices=export.FORMATS, default="csv")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, slug, format="csv", output=None, **options):
        segment = Segment.objects.filter(slug=slug).first()
        if segment is None:
            raise CommandError(f"No segment with slug {slug!r}.")
        try:
            chunks = export.export(segment, format)
            first = next(chunks)
        except SegmentNotStatic as exc:
            raise CommandError(str(exc)) from exc
        with contextlib.ExitStack() as stack:
            if output:
                newline = "" if format == "csv" else None
                try:
                    handle = stack.enter_context(
                        open(output, "w", encoding="utf-8", newline=newline)
                    )
                except OSError as exc:  # a missing folder, a folder, no permission...
                    raise CommandError(f"Cannot write {output}: {exc.strerror}.") from exc
                write = handle.write
            else:
                write = functools.partial(self.stdout.write, ending="")
            export.record_list_export(None, segment, format, via="command")
            write(first)
            for chunk in chunks:
                write(chunk)
        if output:
            self.stderr.write(f"Wrote {output}.")
