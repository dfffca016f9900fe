"""``python manage.py personalize_rebuild_segment <slug>... | --all``: rebuild static segments."""

from django.core.management.base import BaseCommand, CommandError

from personalize.models import Segment
from personalize.services import segments


class Command(BaseCommand):
    help = "Recompute the member lists of static segments (what the rebuild task does)."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Slugs of static segments.")
        parser.add_argument(
            "--all",
            action="store_true",
            dest="all_segments",
            help="Rebuild every active static segment.",
        )

    def handle(self, *args, slugs=(), all_segments=False, **options):
        if bool(slugs) == bool(all_segments):
            raise CommandError("Give segment slugs or --all (not both).")
        if all_segments:
            chosen = list(Segment.objects.active().static())
        else:
            found = {segment.slug: segment for segment in Segment.objects.filter(slug__in=slugs)}
            missing = [slug for slug in slugs if slug not in found]
            if missing:
                raise CommandError(f"No segment with slug {', '.join(missing)}.")
            dynamic = [slug for slug in slugs if not found[slug].is_static]
            if dynamic:
                raise CommandError(
                    f"{', '.join(dynamic)}: dynamic segments are evaluated live and have no "
                    "member list. Make them static to rebuild them."
                )
            chosen = [found[slug] for slug in slugs]
        for segment in chosen:
            result = segments.rebuild_segment(segment.pk)
            how = "in SQL" if result.in_sql else f"{result.evaluated} visitors evaluated in Python"
            self.stdout.write(
                f"{segment.slug}: {result.members} members (+{result.added} -{result.removed}, "
                f"{how}, {result.seconds:.2f}s)"
            )
        if not chosen:
            self.stdout.write("No active static segment.")
