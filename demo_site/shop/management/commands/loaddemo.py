"""``python manage.py loaddemo``: the Fairway Golf catalogue and personalization definitions.

Idempotent: running it again updates the demo objects to their documented state.
"""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from demo_site.shop import demo_data
from demo_site.shop.models import Article, Product
from personalize import models as pm


class Command(BaseCommand):
    help = "Load (or reset) the Fairway Golf demo: products, segments, intents, slots, variants."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-admin", action="store_true", help="Do not create the demo admin user."
        )

    @transaction.atomic
    def handle(self, *args, **options):
        for data in demo_data.PRODUCTS:
            data = dict(data)
            Product.objects.update_or_create(slug=data.pop("slug"), defaults=data)
        for data in demo_data.ARTICLES:
            data = dict(data)
            Article.objects.update_or_create(slug=data.pop("slug"), defaults=data)

        segments = {}
        for data in demo_data.SEGMENTS:
            data = dict(data)
            rules = data.pop("rules")
            segment, _ = pm.Segment.objects.update_or_create(
                slug=data.pop("slug"), defaults={**data, "is_active": True, "kind": "dynamic"}
            )
            segment.rules.all().delete()
            for position, (rule_type, fields) in enumerate(rules):
                model = getattr(pm, rule_type)
                rule = model(segment=segment, sort_order=position, **fields)
                rule.full_clean()
                rule.save()
            segments[segment.slug] = segment

        # The demo uses the starter intents as shipped (the command is their single source).
        call_command("personalize_starter_intents", reset=True, stdout=StringIO())
        intents = {intent.slug: intent for intent in pm.Intent.objects.all()}

        for data in demo_data.SLOTS:
            data = dict(data)
            variants = data.pop("variants")
            slot, _ = pm.Slot.objects.update_or_create(key=data.pop("key"), defaults=data)
            for fields in variants:
                fields = dict(fields)
                fields["segment"] = segments.get(fields.pop("segment", None))
                fields["intent"] = intents.get(fields.pop("intent", None))
                fields.setdefault("status", pm.Variant.Status.ACTIVE)
                variant, _ = pm.Variant.objects.update_or_create(
                    slot=slot, slug=fields.pop("slug"), defaults=fields
                )
                variant.full_clean()

        for data in demo_data.TOPICS:
            pm.TopicMapping.objects.update_or_create(
                path=data["path"], operator=data["operator"], defaults=data
            )

        if not options["no_admin"]:
            User = get_user_model()
            if not User.objects.filter(username="admin").exists():
                User.objects.create_superuser("admin", "admin@fairway.test", "fairway-admin")
                self.stdout.write("Created the editor account: admin / fairway-admin")

        self.stdout.write(
            self.style.SUCCESS(
                f"Fairway Golf demo loaded: {len(demo_data.PRODUCTS)} products, {len(segments)} "
                f"segments, {len(intents)} intents, {len(demo_data.SLOTS)} slots."
            )
        )
