"""Definitions editors manage: segments (with rules), intents (with signals), slots, variants."""

from __future__ import annotations

from django.db import transaction
from rest_framework import serializers

from personalize.api.serializers.base import (
    ModelCleanMixin,
    StrictMixin,
    check_child_ids,
    save_children,
)
from personalize.api.serializers.rules import RuleSerializer
from personalize.models import Intent, IntentSignal, Segment, Slot, Variant


class SegmentSerializer(StrictMixin, ModelCleanMixin, serializers.ModelSerializer):
    """A segment with its rules. Sending ``rules`` replaces the whole list, in order: rules
    with an ``id`` are updated in place, rules without one are added, missing ones deleted."""

    rules = RuleSerializer(many=True, required=False)
    definition = serializers.SerializerMethodField(help_text="The rules in plain words.")

    class Meta:
        model = Segment
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "category",
            "match",
            "kind",
            "is_active",
            "member_count",
            "rebuilt_at",
            "created_at",
            "updated_at",
            "definition",
            "rules",
        ]
        read_only_fields = ["id", "member_count", "rebuilt_at", "created_at", "updated_at"]

    def get_definition(self, segment) -> str:
        try:
            return segment.describe()
        except Exception:
            return ""

    def validate_rules(self, rules):
        existing = {rule.pk: rule for rule in self.instance.rules.all()} if self.instance else {}
        check_child_ids(rules, existing, "rule")
        return rules

    def create(self, validated_data):
        rules = validated_data.pop("rules", [])
        with transaction.atomic():
            segment = Segment.objects.create(**validated_data)
            save_children("segment", segment, {}, rules)
        return segment

    def update(self, instance, validated_data):
        rules = validated_data.pop("rules", None)
        with transaction.atomic():
            instance = super().update(instance, validated_data)
            if rules is not None:
                existing = {rule.pk: rule for rule in instance.rules.all()}
                save_children("segment", instance, existing, rules)
        return instance


class IntentSignalSerializer(StrictMixin, ModelCleanMixin, serializers.ModelSerializer):
    id = serializers.IntegerField(
        required=False,
        help_text="Set to update that signal in place (visitors keep the points it gave "
        "them); omit for a new signal.",
    )
    description = serializers.SerializerMethodField(help_text="The signal in plain words.")

    clean_exclude = ("intent",)

    class Meta:
        model = IntentSignal
        fields = [
            "id",
            "kind",
            "parameter",
            "operator",
            "pattern",
            "min_count",
            "points",
            "cap",
            "description",
        ]

    def get_description(self, signal) -> str:
        try:
            return signal.describe()
        except Exception:
            return ""

    def _intent(self):
        intent = getattr(self.root, "instance", None)
        return intent if isinstance(intent, Intent) else None

    def existing_child(self, child_id):
        intent = self._intent()
        if intent is None or not isinstance(child_id, int):
            return None
        # From the signals the view loaded with the intent: no query per signal.
        return next((signal for signal in intent.signals.all() if signal.pk == child_id), None)

    def prepare_instance(self, instance) -> None:
        if self._intent() is not None:
            instance.intent = self._intent()


class IntentSerializer(StrictMixin, ModelCleanMixin, serializers.ModelSerializer):
    """An intent with its signals. Sending ``signals`` replaces the whole list: signals with
    an ``id`` are updated in place, signals without one are added, missing ones deleted."""

    signals = IntentSignalSerializer(many=True, required=False)

    class Meta:
        model = Intent
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "threshold",
            "half_life_hours",
            "is_active",
            "created_at",
            "updated_at",
            "signals",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_signals(self, signals):
        existing = (
            {signal.pk: signal for signal in self.instance.signals.all()} if self.instance else {}
        )
        check_child_ids(signals, existing, "signal")
        return signals

    def create(self, validated_data):
        signals = validated_data.pop("signals", [])
        with transaction.atomic():
            intent = Intent.objects.create(**validated_data)
            save_children("intent", intent, {}, signals, IntentSignal)
        return intent

    def update(self, instance, validated_data):
        signals = validated_data.pop("signals", None)
        with transaction.atomic():
            instance = super().update(instance, validated_data)
            if signals is not None:
                existing = {signal.pk: signal for signal in instance.signals.all()}
                save_children("intent", instance, existing, signals, IntentSignal)
        return instance


class VariantSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Variant
        fields = ["id", "slug", "name", "status", "priority"]
        read_only_fields = fields


class SlotSerializer(StrictMixin, ModelCleanMixin, serializers.ModelSerializer):
    """A named place on pages. Its variants are managed at ``variants/``."""

    variants = VariantSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Slot
        fields = [
            "id",
            "key",
            "name",
            "description",
            "preview_path",
            "control_percentage",
            "auto_registered",
            "created_at",
            "updated_at",
            "variants",
        ]
        read_only_fields = ["id", "auto_registered", "created_at", "updated_at"]


class VariantSerializer(StrictMixin, ModelCleanMixin, serializers.ModelSerializer):
    """One version of a slot's content. ``body`` is sanitized when saved (scripts, styles
    and event handlers removed); the image is uploaded in the admin."""

    slot = serializers.SlugRelatedField(slug_field="key", queryset=Slot.objects.all())
    segment = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Segment.objects.all(),
        allow_null=True,
        required=False,
        help_text="Show to members of this segment (slug).",
    )
    intent = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Intent.objects.all(),
        allow_null=True,
        required=False,
        help_text="Show to visitors with this intent (slug).",
    )
    image = serializers.ImageField(read_only=True, use_url=True)

    class Meta:
        model = Variant
        fields = [
            "id",
            "slot",
            "slug",
            "name",
            "segment",
            "intent",
            "priority",
            "weight",
            "status",
            "starts_at",
            "ends_at",
            "title",
            "body",
            "image",
            "image_alt",
            "cta_label",
            "cta_url",
            "template_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "image", "created_at", "updated_at"]
        validators = []  # uniqueness and the date window are checked by the model's full_clean
