"""``python manage.py personalize_aggregate_stats [--date YYYY-MM-DD] [--days N]``."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from personalize.services import stats


class Command(BaseCommand):
    help = (
        "Recompute daily statistics (visitors per segment; impressions, clicks and conversions "
        "per variant). Default: yesterday and today. Recomputing a day replaces it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The (last) day to aggregate, YYYY-MM-DD.")
        parser.add_argument(
            "--days", type=int, default=None, help="Aggregate this many days up to --date."
        )

    def handle(self, *args, date=None, days=None, **options):
        if date:
            try:
                last = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD; got {date!r}.") from None
        else:
            last = stats.today()
        if days is None:
            days = 1 if date else 2
        if not 1 <= days <= 3660:
            raise CommandError("--days must be between 1 and 3660.")
        if not (stats.EARLIEST + dt.timedelta(days=days - 1) <= last <= stats.LATEST):
            raise CommandError(
                f"The days to aggregate go from {stats.EARLIEST} to {stats.LATEST}; "
                f"{days} days up to {last} do not."
            )
        for offset in range(days - 1, -1, -1):
            result = stats.aggregate_day(last - dt.timedelta(days=offset))
            self.stdout.write(
                f"{result.date}: {result.segments} segments, {result.variants} variants"
            )
