"""``python manage.py personalize_flush_events``: drain the event buffer now, without Celery."""

from django.core.management.base import BaseCommand, CommandError

from personalize.services import buffer


class Command(BaseCommand):
    help = (
        "Move buffered events from Redis into the database (what the flush task does). "
        "Runs until the buffer is empty unless --max-seconds is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-seconds", type=float, default=None, help="Stop after this many seconds."
        )
        parser.add_argument(
            "--status", action="store_true", help="Only show what the buffer holds."
        )

    def handle(self, *args, max_seconds=None, status=False, **options):
        if max_seconds is not None and not max_seconds > 0:  # (NaN too)
            raise CommandError("--max-seconds must be a positive number.")
        try:
            if status:
                for name, value in buffer.status().items():
                    self.stdout.write(f"{name}: {value}")
                return
            result = buffer.drain(max_seconds=max_seconds)
        except buffer.BufferNotConfigured as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:  # Redis down: say so plainly, no traceback
            raise CommandError(f"Cannot reach the event buffer: {exc}") from exc
        self.stdout.write(
            f"Stored {result.events} events from {result.batches} batches "
            f"({result.duplicates} already stored, {result.skipped} skipped, "
            f"{result.dead} dead, {result.recovered} re-queued from expired leases)."
        )
