"""Technographic rules: the visitor's device, browser, operating system and language."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.fields import MultipleChoiceField
from personalize.models.segment import Segment
from personalize.rules.base import Rule
from personalize.tracking.devices import DEVICE_TYPES

DEVICE_CHOICES = [(device, device.capitalize()) for device in DEVICE_TYPES]


class DeviceRule(Rule):
    """The type of device of the current request: mobile, tablet or desktop."""

    device_types = MultipleChoiceField(_("device types"), choices=DEVICE_CHOICES)

    category = Segment.Category.TECHNOGRAPHIC

    class Meta:
        verbose_name = _("device rule")
        verbose_name_plural = _("device rules")

    def clean(self):
        if not self.device_types:
            raise ValidationError({"device_types": _("Choose at least one device type.")})

    def test(self, ctx) -> bool:
        return ctx.device.type in self.device_types

    def to_q(self, now):
        return models.Q(device_type__in=self.device_types)

    def describe_condition(self) -> str:
        return "uses a " + " or ".join(self.device_types or ["(no device type)"]) + " device"
