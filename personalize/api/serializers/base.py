"""Serializer helpers: model validation as field errors, strict input, nested children."""

from __future__ import annotations

import copy
import math
import re

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.settings import api_settings

#: A slot key, or the slug of a segment or intent, as URLs and query strings give it.
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")


class FiniteFloatField(serializers.FloatField):
    """A float that JSON can carry: a stored NaN or infinity (written around validation)
    reads as null instead of failing the whole answer."""

    def to_representation(self, value):
        value = super().to_representation(value)
        return value if math.isfinite(value) else None


class StrictMixin:
    """Unknown input fields are an error instead of being silently dropped.

    A client that sends ``visitor_id`` or ``segments`` learns that it cannot set them. Model
    float fields are :class:`FiniteFloatField`.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.FloatField: FiniteFloatField,
    }

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {
                str(key)[:100]: [_("Unknown or read-only field.")]
                for key in list(data)[:200]
                if key not in writable
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class ModelCleanMixin:
    """Run the model's own validation (``full_clean``: fields, ``clean()``, uniqueness,
    constraints) on the incoming values, and report its errors per field.

    Values ``clean()`` normalizes (a lower-cased host, a trimmed parameter) are kept.
    Subclasses may set :attr:`clean_exclude` (fields not given by the client) and override
    :meth:`prepare_instance` (e.g. to attach the parent).
    """

    clean_exclude: tuple[str, ...] = ()

    def prepare_instance(self, instance) -> None:
        """Hook: adjust the unsaved instance before it is validated."""

    def existing_child(self, child_id):
        """Hook for nested children sent with an ``id``: the stored child (or None)."""
        return None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        pk_name = model._meta.pk.name
        base = self.instance
        if base is None and attrs.get(pk_name) is not None:
            base = self.existing_child(attrs[pk_name])
        instance = copy.copy(base) if base is not None else model()
        names = {field.name for field in model._meta.concrete_fields} - {pk_name}
        for name, value in attrs.items():
            if name in names:
                setattr(instance, name, value)
        self.prepare_instance(instance)
        exclude = (
            set(self.clean_exclude)
            | {pk_name}
            | {
                field.name
                for field in model._meta.concrete_fields
                if field.remote_field is not None and field.remote_field.parent_link
            }
        )
        try:
            instance.full_clean(exclude=sorted(exclude))
        except DjangoValidationError as exc:
            errors = serializers.as_serializer_error(exc)
            if NON_FIELD_ERRORS in errors:
                errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
            raise serializers.ValidationError(errors) from None
        for name in attrs:
            if name in names:
                attrs[name] = getattr(instance, name)
        return attrs


def check_child_ids(items, existing: dict, what: str) -> None:
    """Children sent with an ``id`` must be existing children of this parent, once each.

    Errors are keyed by position, like DRF's own list errors.
    """
    seen = set()
    errors = {}
    for index, item in enumerate(items):
        child_id = item.get("id")
        if child_id is None:
            continue
        if child_id not in existing:
            errors[index] = {"id": [_("No %(what)s with this id belongs here.") % {"what": what}]}
        elif child_id in seen:
            errors[index] = {"id": [_("This id appears twice.")]}
        seen.add(child_id)
    if errors:
        raise serializers.ValidationError(errors)


def save_children(parent_attr: str, parent, existing: dict, items, create_model=None) -> None:
    """Make ``parent``'s children exactly ``items``, in order.

    Items with an ``id`` update that child in place (so anything keyed by its id survives);
    items without one are created; existing children not listed are deleted. ``items`` carry
    validated values; a new child is of the model its item names under ``"model"`` (a rule:
    see ``RuleSerializer``), else of ``create_model``.
    """
    keep = set()
    for position, item in enumerate(items):
        values = dict(item)
        model = values.pop("model", None) or create_model
        child_id = values.pop("id", None)
        if "sort_order" in {field.name for field in model._meta.concrete_fields}:
            values["sort_order"] = position
        if child_id is not None:
            child = existing[child_id]
            for name, value in values.items():
                setattr(child, name, value)
            child.save()
            keep.add(child_id)
        else:
            model.objects.create(**{parent_attr: parent}, **values)
    for child_id, child in existing.items():
        if child_id not in keep:
            child.delete()
