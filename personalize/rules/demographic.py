"""Demographic rules: who the visitor is, from their traits and their user account."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from personalize.models.segment import Segment
from personalize.rules.base import Rule
from personalize.rules.matching import (
    NumberOperator,
    TextOperator,
    compare_number,
    describe_number,
    describe_text,
    match_text,
    split_list,
    to_number,
    validate_pattern,
)
from personalize.services.validation import TRAIT_KEY

TRAIT_OPERATORS = [
    (_("Text"), TextOperator.choices),
    (_("Number"), NumberOperator.choices),
]


def trait_text(value) -> str | None:
    """A trait as text for the text operators: True -> "true", 42.0 -> "42", missing -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    return None  # a list or a mapping stored by older code: not comparable


class TraitRule(Rule):
    """A trait of the visitor (stored by ``personalize.identify``), compared as text or number.

    A visitor without the trait never matches (tick "negate" with "is present" to find the
    visitors who lack it). Number operators need a numeric trait: text that is not a number
    does not match. True/false traits compare as the text "true" / "false".
    """

    key = models.CharField(
        _("trait"), max_length=64, help_text=_("e.g. first_name, company, income_band, age")
    )
    operator = models.CharField(
        _("operator"), max_length=20, choices=TRAIT_OPERATORS, default=TextOperator.EQUALS
    )
    value = models.CharField(_("value"), max_length=500, blank=True)

    category = Segment.Category.DEMOGRAPHIC

    class Meta:
        verbose_name = _("trait rule")
        verbose_name_plural = _("trait rules")

    @property
    def is_numeric(self) -> bool:
        return self.operator in NumberOperator.values

    def clean(self):
        self.key = (self.key or "").strip()
        if not TRAIT_KEY.match(self.key):
            raise ValidationError(
                {"key": _("Trait names start with a letter and use letters, digits and _.")}
            )
        if self.is_numeric:
            self.value = (self.value or "").strip()
            if to_number(self.value) is None:
                raise ValidationError({"value": _("Enter a number to compare with.")})
            return
        validate_pattern(self.operator, self.value, field="value")

    def evaluate_condition(self, ctx) -> bool:
        actual = ctx.profile.traits.get(self.key)
        if actual is None or actual == "":
            return False
        if self.is_numeric:
            if isinstance(actual, bool):
                return False
            return compare_number(self.operator, actual, self.value)
        return match_text(self.operator, trait_text(actual), self.value)

    def to_q(self, now):
        """The trait in ``Visitor.traits``, read as the Python evaluation reads it (text
        or number, see :class:`~personalize.rules.sql.TraitValue`). Regular expressions, and
        databases other than PostgreSQL and SQLite, are evaluated in Python."""
        from personalize.rules import sql

        if not sql.json_supported():
            return None
        if self.is_numeric:
            return sql.number_q(sql.TraitValue(self.key, number=True), self.operator, self.value)
        return sql.text_q(sql.TraitValue(self.key), self.operator, self.value, case_sensitive=False)

    def describe_condition(self) -> str:
        if self.is_numeric:
            return f'trait "{self.key}" is {describe_number(self.operator, self.value)}'
        return f'trait "{self.key}" {describe_text(self.operator, self.value)}'


class UserRule(Rule):
    """The visitor's user account: logged in, staff, superuser, or in one of some groups.

    Group names are read once and cached for a few minutes (see
    ``engine.users.user_groups``), so this rule costs no query on most requests.
    """

    class Condition(models.TextChoices):
        AUTHENTICATED = "authenticated", _("is logged in")
        STAFF = "staff", _("is a staff member")
        SUPERUSER = "superuser", _("is a superuser")
        GROUP = "group", _("is in one of these groups")

    condition = models.CharField(
        _("the visitor"),
        max_length=15,
        choices=Condition.choices,
        default=Condition.AUTHENTICATED,
    )
    groups = models.CharField(
        _("groups"),
        max_length=1000,
        blank=True,
        help_text=_("Group names, comma-separated (for the group condition)."),
    )

    category = Segment.Category.DEMOGRAPHIC

    class Meta:
        verbose_name = _("user rule")
        verbose_name_plural = _("user rules")

    def clean(self):
        names = split_list(self.groups)
        self.groups = ", ".join(names)
        if self.condition != self.Condition.GROUP:
            return
        if not names:
            raise ValidationError({"groups": _("Name at least one group.")})
        from django.contrib.auth.models import Group

        known = set(Group.objects.filter(name__in=names).values_list("name", flat=True))
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValidationError(
                {"groups": _("No group named %(names)s.") % {"names": ", ".join(unknown)}}
            )

    def prepare_for(self, snapshot) -> None:
        super().prepare_for(snapshot)
        self._groups = frozenset(split_list(self.groups))

    def evaluate_condition(self, ctx) -> bool:
        user = ctx.user
        if not user.is_authenticated:
            return False
        if self.condition == self.Condition.STAFF:
            return user.is_staff
        if self.condition == self.Condition.SUPERUSER:
            return user.is_superuser
        if self.condition == self.Condition.GROUP:
            return bool(self._groups) and not self._groups.isdisjoint(user.groups)
        return True

    def to_q(self, now):
        """Through ``Visitor.user``; an inactive account counts as logged out, as it does on
        the site (see :func:`personalize.engine.users.facts_for_user`)."""
        from django.contrib.auth import get_user_model

        users = get_user_model()
        if any(field.name == "is_active" for field in users._meta.concrete_fields):
            account = models.Q(user__is_active=True)
        else:
            account = models.Q(user__isnull=False)
        if self.condition == self.Condition.STAFF:
            return account & models.Q(user__is_staff=True)
        if self.condition == self.Condition.SUPERUSER:
            return account & models.Q(user__is_superuser=True)
        if self.condition == self.Condition.GROUP:
            members = users.objects.filter(groups__name__in=split_list(self.groups))
            return account & models.Q(user__in=members.values("pk"))
        return account

    def describe_condition(self) -> str:
        if self.condition == self.Condition.GROUP:
            return "is a logged-in user in group " + " or ".join(
                f'"{name}"' for name in split_list(self.groups)
            )
        return {
            self.Condition.STAFF: "is a logged-in staff member",
            self.Condition.SUPERUSER: "is a logged-in superuser",
        }.get(self.condition, "is logged in")
