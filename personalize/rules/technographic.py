"""Technographic rules: the visitor's device, browser, operating system and language."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.fields import MultipleChoiceField
from personalize.models.segment import Segment
from personalize.rules.base import Rule
from personalize.rules.matching import NumberOperator, compare_number, describe_number, split_list
from personalize.tracking.devices import BROWSERS, DEVICE_TYPES, OPERATING_SYSTEMS

DEVICE_CHOICES = [(device, device.capitalize()) for device in DEVICE_TYPES]
BROWSER_CHOICES = [(browser, browser) for browser in BROWSERS]
OS_CHOICES = [(system, system) for system in OPERATING_SYSTEMS]
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")


class DeviceRule(Rule):
    """The type of device of the current request: mobile, tablet or desktop."""

    device_types = MultipleChoiceField(
        _("device types"),
        choices=DEVICE_CHOICES,
        error_messages={"blank": _("Choose at least one device type.")},
    )

    category = Segment.Category.TECHNOGRAPHIC

    class Meta:
        verbose_name = _("device rule")
        verbose_name_plural = _("device rules")

    def evaluate_condition(self, ctx) -> bool:
        return ctx.device.type in self.device_types

    def compile_condition(self):
        device_types = self.device_types
        return lambda ctx: ctx.device.type in device_types

    def to_q(self, now):
        return models.Q(device_type__in=self.device_types)

    def describe_condition(self) -> str:
        return "uses a " + " or ".join(self.device_types or ["(no device type)"]) + " device"


def version_operator_field():
    return models.CharField(_("version"), max_length=3, choices=NumberOperator.choices, blank=True)


def version_field():
    return models.PositiveIntegerField(
        _("major version"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10_000)],
        help_text=_("Optional, e.g. at least 16. Leave empty for any version."),
    )


class FamilyRuleMixin:
    """For rules that pick families (browsers, systems) with an optional major version."""

    category = Segment.Category.TECHNOGRAPHIC
    families_field = ""

    def families(self) -> list[str]:
        return list(getattr(self, self.families_field) or [])

    def clean(self):
        if bool(self.version_operator) != (self.version is not None):
            raise ValidationError(
                {"version": _("Give both how to compare the version and the version number.")}
            )

    def matches(self, family: str, version: str) -> bool:
        if family not in self.families():
            return False
        if not self.version_operator:
            return True
        if not version:  # unknown version: a version condition cannot be confirmed
            return False
        return compare_number(self.version_operator, version, self.version)

    def version_words(self) -> str:
        if not self.version_operator:
            return ""
        return f", version {describe_number(self.version_operator, self.version)}"

    def to_q(self, now):
        if self.version_operator:
            return None  # the version is not stored on the visitor
        return models.Q(**{f"{self.column}__in": self.families()})


class BrowserRule(FamilyRuleMixin, Rule):
    """The visitor's browser (from the User-Agent and client hints), optionally its version."""

    browsers = MultipleChoiceField(
        _("browsers"),
        choices=BROWSER_CHOICES,
        error_messages={"blank": _("Choose at least one browser.")},
    )
    version_operator = version_operator_field()
    version = version_field()

    families_field = "browsers"
    column = "browser"

    class Meta:
        verbose_name = _("browser rule")
        verbose_name_plural = _("browser rules")

    def evaluate_condition(self, ctx) -> bool:
        return self.matches(ctx.device.browser, ctx.device.browser_version)

    def describe_condition(self) -> str:
        return f"browses with {' or '.join(self.families()) or '(no browser)'}" + (
            self.version_words()
        )


class OSRule(FamilyRuleMixin, Rule):
    """The visitor's operating system, optionally its major version."""

    systems = MultipleChoiceField(
        _("operating systems"),
        choices=OS_CHOICES,
        error_messages={"blank": _("Choose at least one operating system.")},
    )
    version_operator = version_operator_field()
    version = version_field()

    families_field = "systems"
    column = "os"

    class Meta:
        verbose_name = _("operating system rule")
        verbose_name_plural = _("operating system rules")

    def evaluate_condition(self, ctx) -> bool:
        return self.matches(ctx.device.os, ctx.device.os_version)

    def describe_condition(self) -> str:
        return f"uses {' or '.join(self.families()) or '(no system)'}" + self.version_words()


class LanguageRule(Rule):
    """The languages the browser asks for (``Accept-Language``).

    "en" matches every English (en, en-GB, en-US...); "en-gb" matches British English only.
    By default the browser's first choice must match; untick "first choice only" to match any
    language the browser accepts.
    """

    languages = models.CharField(
        _("languages"),
        max_length=500,
        help_text=_("Language codes, comma-separated: en, fr, pt-br"),
    )
    first_choice_only = models.BooleanField(
        _("first choice only"),
        default=True,
        help_text=_("Only look at the language the browser prefers most."),
    )

    category = Segment.Category.TECHNOGRAPHIC

    class Meta:
        verbose_name = _("language rule")
        verbose_name_plural = _("language rules")

    def clean(self):
        codes = [code.lower().replace("_", "-") for code in split_list(self.languages)]
        bad = [code for code in codes if not LANGUAGE.match(code)]
        if bad or not codes:
            raise ValidationError(
                {
                    "languages": _("Use language codes such as en, fr or pt-br; not: %(bad)s.")
                    % {"bad": ", ".join(bad) or "(empty)"}
                }
            )
        self.languages = ", ".join(codes)

    def prepare_for(self, snapshot) -> None:
        super().prepare_for(snapshot)
        codes = [code.lower() for code in split_list(self.languages)]
        self._exact = frozenset(code for code in codes if "-" in code)
        self._primary = frozenset(code for code in codes if "-" not in code)

    def accepts(self, tag: str) -> bool:
        return tag in self._exact or tag.partition("-")[0] in self._primary

    def evaluate_condition(self, ctx) -> bool:
        tags = ctx.languages[:1] if self.first_choice_only else ctx.languages
        return any(self.accepts(tag) for tag in tags)

    def to_q(self, now):
        if not self.first_choice_only:
            return None  # only the first choice is stored on the visitor
        q = models.Q(pk__in=[])
        for code in split_list(self.languages):
            code = code.lower()
            q |= models.Q(language__iexact=code)
            if "-" not in code:
                q |= models.Q(language__istartswith=f"{code}-")
        return q

    def describe_condition(self) -> str:
        codes = " or ".join(split_list(self.languages)) or "(no language)"
        if self.first_choice_only:
            return f"prefers {codes} as browser language"
        return f"accepts {codes} as browser language"
