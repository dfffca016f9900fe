"""``python manage.py personalize_starter_intents [--reset]``: install the starter intents."""

from django.core.management.base import BaseCommand

from personalize.services.starter import STARTER_INTENTS, install_starter_intents


class Command(BaseCommand):
    help = (
        "Install the starter intents (inspiration, deal-seeking, decided-with-concerns) with "
        "their signals. Existing intents are left as edited unless --reset is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Restore the shipped definitions of the starter intents and their signals.",
        )

    def handle(self, *args, reset=False, **options):
        result = install_starter_intents(reset=reset)
        for label, slugs in (
            ("Created", result.created),
            ("Restored", result.reset),
            ("Kept as edited", result.kept),
        ):
            if slugs:
                self.stdout.write(f"{label}: {', '.join(slugs)}")
        self.stdout.write(
            self.style.SUCCESS(f"{len(STARTER_INTENTS)} starter intents are installed.")
        )
