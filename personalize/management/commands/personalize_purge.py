"""``python manage.py personalize_purge``: delete what is past the retention periods."""

from django.core.management.base import BaseCommand

from personalize.services import retention


class Command(BaseCommand):
    help = (
        "Delete events and idle anonymous visitors older than PERSONALIZE_RETENTION_DAYS, and "
        "statistics older than PERSONALIZE_STATS_RETENTION_DAYS (what the purge task does)."
    )

    def handle(self, *args, **options):
        result = retention.purge()
        self.stdout.write(
            f"Deleted {result.events} events, {result.visitors} visitors, "
            f"{result.tombstones} erasure tombstones and {result.stats} statistics rows; "
            f"cleared {result.profiles_cleared} idle profiles."
        )
