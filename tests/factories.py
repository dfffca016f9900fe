"""Factories for the test suite."""

import factory
from django.contrib.auth import get_user_model

from personalize import models


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Segment
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Segment {n}")
    slug = factory.Sequence(lambda n: f"segment-{n}")


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Slot
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"slot-{n}")
    name = factory.LazyAttribute(lambda o: o.key.replace("-", " ").title())


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Variant

    slot = factory.SubFactory(SlotFactory)
    name = factory.Sequence(lambda n: f"Variant {n}")
    slug = factory.Sequence(lambda n: f"variant-{n}")
    title = factory.LazyAttribute(lambda o: f"Title of {o.slug}")


class IntentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Intent
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Intent {n}")
    slug = factory.Sequence(lambda n: f"intent-{n}")
    threshold = 10


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.IntentSignal

    intent = factory.SubFactory(IntentFactory)
    kind = models.IntentSignal.Kind.PAGE_PATH
    operator = "starts_with"
    pattern = "/deals/"
    points = 6
    cap = 12


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw")


def page_rule(segment, path, **extra):
    return models.PageVisitRule.objects.create(
        segment=segment, path_operator=extra.pop("path_operator", "starts_with"), path=path, **extra
    )
