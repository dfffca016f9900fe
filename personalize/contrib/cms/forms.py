"""The plugins' edit forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from personalize.contrib.cms.models import PersonalizedContent, SegmentContent
from personalize.models import Segment, Slot


class PersonalizedContentForm(forms.ModelForm):
    class Meta:
        model = PersonalizedContent
        fields = ["slot", "wrapper"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].required = True
        self.fields["slot"].queryset = Slot.objects.order_by("key")
        self.fields["slot"].label_from_instance = lambda slot: (
            f"{slot.name} ({slot.key})" if slot.name else slot.key
        )


class SegmentContentForm(forms.ModelForm):
    segments = forms.ModelMultipleChoiceField(
        label=_("segments"),
        queryset=Segment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Inactive segments match nobody until they are activated again."),
    )

    class Meta:
        model = SegmentContent
        fields = ["segments", "match", "negate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segments"].queryset = Segment.objects.order_by("name")
        if self.instance.pk and self.instance.segment_ids:
            self.initial.setdefault("segments", list(self.instance.segment_ids))

    def save(self, commit=True):
        self.instance.segment_ids = sorted(segment.pk for segment in self.cleaned_data["segments"])
        return super().save(commit)
