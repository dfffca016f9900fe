"""Segment rules over the API: one polymorphic serializer, a ``type`` discriminator.

Every concrete :class:`~personalize.rules.Rule` subclass, built-in or added by another app,
gets a serializer built from its model fields (:func:`serializer_for`); ``type`` names it:
the model name for this app's rules (``pagevisitrule``), ``<app_label>.<model name>`` for
others (``weather.forecastrule``). Foreign keys to models with a ``slug`` (segments, intents)
are written and read as that slug.
"""

from __future__ import annotations

import functools

from django.utils.translation import gettext as _
from drf_spectacular.drainage import set_override
from rest_framework import serializers

from personalize.api.serializers.base import ModelCleanMixin, StrictMixin
from personalize.fields import MultipleChoiceField
from personalize.models import Rule, Segment

#: Fields of the base ``Rule`` a client neither sees nor sets (besides parent links).
HIDDEN_FIELDS = frozenset({"polymorphic_ctype", "segment", "sort_order"})


def rule_type_name(model) -> str:
    meta = model._meta
    return meta.model_name if meta.app_label == "personalize" else meta.label_lower


def rule_types() -> dict[str, type[Rule]]:
    """``type`` name -> rule model, for every concrete rule type."""
    return {rule_type_name(model): model for model in Rule.rule_types()}


class RuleTypeField(serializers.ChoiceField):
    """The ``type`` discriminator of one rule type: always that type's name."""

    def __init__(self, name: str, **kwargs):
        self.type_name = name
        super().__init__(choices=[name], source="*", **kwargs)
        # a plain one-value enum in the schema, not one named component per rule type
        set_override(self, "field", {"type": "string", "enum": [name]})

    def to_representation(self, value):
        return self.type_name

    def to_internal_value(self, data):
        super().to_internal_value(data)
        return {}


class RuleFieldsSerializer(StrictMixin, ModelCleanMixin, serializers.ModelSerializer):
    """Base of the per-type serializers that :func:`serializer_for` builds."""

    id = serializers.IntegerField(
        required=False, help_text="Set to update that rule in place; omit for a new rule."
    )
    description = serializers.SerializerMethodField(help_text="The rule in plain words.")

    clean_exclude = tuple(HIDDEN_FIELDS)

    def get_description(self, rule) -> str:
        try:
            return rule.describe()
        except Exception:
            return ""

    def prepare_instance(self, instance) -> None:
        segment = self.context.get("segment")
        if segment is not None:
            instance.segment = segment


@functools.cache
def serializer_for(model) -> type[RuleFieldsSerializer]:
    """The serializer of one rule type (built once per type)."""
    name = rule_type_name(model)
    fields = ["id", "type"]
    declared: dict = {"type": RuleTypeField(name, help_text=_("The rule type."))}
    for field in model._meta.concrete_fields:
        if (
            field.name in HIDDEN_FIELDS
            or field.primary_key
            or not field.editable
            or (field.remote_field is not None and field.remote_field.parent_link)
        ):
            continue
        fields.append(field.name)
        if isinstance(field, MultipleChoiceField):
            declared[field.name] = serializers.ListField(
                child=serializers.ChoiceField(choices=field.item_choices),
                allow_empty=field.blank,
                required=False,
                help_text=str(field.help_text or field.verbose_name),
            )
            continue
        related = field.related_model
        if related is not None and any(f.name == "slug" for f in related._meta.fields):
            declared[field.name] = serializers.SlugRelatedField(
                slug_field="slug",
                queryset=related._default_manager.all(),
                allow_null=field.null,
                required=not (field.null or field.has_default()),
                help_text=str(field.help_text or field.verbose_name),
            )
    fields.append("description")
    meta = type("Meta", (), {"model": model, "fields": fields, "ref_name": model.__name__})
    return type(
        f"{model.__name__}Serializer",
        (RuleFieldsSerializer,),
        {"Meta": meta, "__doc__": (model.__doc__ or "").strip(), **declared},
    )


class RuleSerializer(serializers.Serializer):
    """A rule of a segment: ``type`` picks the rule type, which decides the other fields."""

    def _segment(self):
        instance = getattr(self.root, "instance", None)
        return instance if isinstance(instance, Segment) else None

    def to_representation(self, instance):
        model = type(instance)
        if model not in Rule.rule_types():  # a row whose rule type's app was removed
            return {"id": instance.pk, "type": "unknown", "negate": instance.negate}
        return serializer_for(model)(instance, context=self.context).data

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": [_("A rule is a JSON object with a type.")]}
            )
        types = rule_types()
        name = data.get("type")
        # (type names are lower case; "DeviceRule", the class name, names the same type)
        model = types.get(name.lower()) if isinstance(name, str) else None
        if model is None:
            raise serializers.ValidationError(
                {"type": [_("Choose a rule type: %(types)s.") % {"types": ", ".join(types)}]}
            )
        data = {**data, "type": rule_type_name(model)}
        segment = self._segment()
        existing = None
        rule_id = data.get("id")
        if segment is not None and isinstance(rule_id, int) and not isinstance(rule_id, bool):
            # From the rules the view loaded with the segment: no query per rule.
            existing = next((rule for rule in segment.rules.all() if rule.pk == rule_id), None)
            if existing is not None and type(existing) is not model:
                raise serializers.ValidationError(
                    {"type": [_("A rule's type cannot change: omit its id to replace it.")]}
                )
        serializer = serializer_for(model)(
            instance=existing,
            data=data,
            partial=existing is not None and getattr(self.root, "partial", False),
            context={**self.context, "segment": segment},
        )
        serializer.is_valid(raise_exception=True)
        return {"model": model, **serializer.validated_data}
