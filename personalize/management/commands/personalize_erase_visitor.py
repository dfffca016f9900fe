"""``python manage.py personalize_erase_visitor <visitor id | e-mail>``: erase a visitor."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from personalize.models import Visitor
from personalize.services import privacy


class Command(BaseCommand):
    help = (
        "Erase a visitor for good: profile, events, memberships and cached state, leaving a "
        "tombstone so that queued events cannot bring it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("visitor", help="A visitor id (32 hex digits or a UUID) or e-mail.")

    def handle(self, *args, visitor, **options):
        if "@" in visitor:
            found = Visitor.objects.filter(email__iexact=visitor.strip()).first()
            if found is None:
                raise CommandError(f"No visitor with e-mail {visitor!r}.")
            visitor_id = found.pk
        else:
            try:
                visitor_id = uuid.UUID(visitor.strip())
            except ValueError:
                raise CommandError(
                    f"{visitor!r} is neither a visitor id (32 hex digits) nor an e-mail address."
                ) from None
        if privacy.erase_visitor(visitor_id):
            self.stdout.write(f"Erased visitor {visitor_id.hex}.")
        else:
            self.stdout.write(
                f"Nothing stored for visitor {visitor_id.hex}; a tombstone now keeps late "
                "events from creating it."
            )
