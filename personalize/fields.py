"""Model fields shared by rule types."""

from __future__ import annotations

from django import forms
from django.core import exceptions
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnreadableChoices(list):
    """What a :class:`MultipleChoiceField` reads from a stored value that is not a list of
    text (written around validation, or by other code): empty, so forms, the API and
    descriptions show nothing chosen and an editor can choose again. A rule holding one
    refuses to be prepared (see ``Rule.prepare_for``): it matches nobody, negated or not."""


class MultipleChoiceField(models.JSONField):
    """A list of values taken from ``choices``, stored as a JSON list.

    In forms it renders as checkboxes; ``validate`` rejects values outside the choices. Unless
    ``blank=True``, at least one value is required: give the field an
    ``error_messages={"blank": ...}`` that says what to choose, and the admin form, the model's
    ``full_clean()`` and the API all show that one message next to the field. A stored value
    that is not a list of text reads as :class:`UnreadableChoices`.
    """

    def __init__(self, *args, choices=None, **kwargs):
        self.item_choices = list(choices or [])
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["choices"] = self.item_choices
        if kwargs.get("default") is list:
            del kwargs["default"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        return UnreadableChoices()

    @property
    def allowed_values(self) -> list[str]:
        return [str(value) for value, _label in self.item_choices]

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if not isinstance(value, list):
            raise exceptions.ValidationError(_("Choose from the list."), code="invalid")
        unknown = [item for item in value if str(item) not in self.allowed_values]
        if unknown:
            raise exceptions.ValidationError(
                _("Unknown choice: %(values)s."),
                params={"values": ", ".join(map(str, unknown))},
                code="invalid_choice",
            )

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.item_choices,
            "coerce": str,
            "widget": forms.CheckboxSelectMultiple,
            "required": not self.blank,
            "error_messages": {"required": self.error_messages["blank"]},
        }
        defaults.update(kwargs)
        # JSONField.formfield would force its own form class; go to Field.formfield directly.
        return models.Field.formfield(self, **defaults)
