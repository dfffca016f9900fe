"""Slots (named places on a page) and their variants (the content shown there)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from personalize.sanitize import sanitize_html, validate_link, validate_site_path


class SlotQuerySet(models.QuerySet):
    def with_variant_count(self):
        return self.annotate(variant_count=models.Count("variants"))


class SlotManager(models.Manager.from_queryset(SlotQuerySet)):
    def get_by_natural_key(self, key):
        return self.get(key=key)


class Slot(models.Model):
    """A named place on a page, e.g. ``home-hero``: ``{% personalize "home-hero" %}``."""

    key = models.SlugField(_("key"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    control_percentage = models.PositiveSmallIntegerField(
        _("control group (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "Share of visitors who always see the default content, to measure the lift of "
            "the personalized variants."
        ),
    )
    preview_path = models.CharField(
        _("preview page"),
        max_length=500,
        blank=True,
        validators=[validate_site_path],
        help_text=_(
            "A page of this site that shows the slot, such as /clubs/: its variants' preview "
            "links open it. Filled in with the first page a template used the slot on; empty "
            "means the site's preview page (PERSONALIZE_PREVIEW_URL)."
        ),
    )
    auto_registered = models.BooleanField(
        _("found in a template"),
        default=False,
        editable=False,
        help_text=_("Created automatically the first time a template used this key."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SlotManager()

    class Meta:
        ordering = ["key"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")

    def __str__(self):
        return self.name or self.key

    def natural_key(self):
        return (self.key,)


class VariantQuerySet(models.QuerySet):
    def live(self, now=None):
        """Active variants inside their date window."""
        now = now or timezone.now()
        return self.filter(status=Variant.Status.ACTIVE).filter(
            models.Q(starts_at__isnull=True) | models.Q(starts_at__lte=now),
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now),
        )


class Variant(models.Model):
    """One version of a slot's content, shown to the visitors its targeting matches.

    A variant with neither segment nor intent is a default: shown when no targeted variant
    matches.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    slot = models.ForeignKey(
        Slot, on_delete=models.CASCADE, related_name="variants", verbose_name=_("slot")
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100)
    segment = models.ForeignKey(
        "personalize.Segment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="variants",
        verbose_name=_("segment"),
        help_text=_("Show to members of this segment."),
    )
    intent = models.ForeignKey(
        "personalize.Intent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="variants",
        verbose_name=_("intent"),
        help_text=_("Show to visitors with this intent (and in the segment, if one is set)."),
    )
    priority = models.IntegerField(
        _("priority"), default=0, help_text=_("Higher wins when several variants match.")
    )
    weight = models.PositiveIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text=_("Share among matching variants of equal priority (A/B split)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)

    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(
        _("body"), blank=True, help_text=_("HTML; scripts, styles and event handlers are removed.")
    )
    image = models.ImageField(_("image"), upload_to="personalize/variants/", blank=True)
    image_alt = models.CharField(_("image description"), max_length=250, blank=True)
    cta_label = models.CharField(_("button label"), max_length=100, blank=True)
    cta_url = models.CharField(
        _("button link"),
        max_length=500,
        blank=True,
        validators=[validate_link],
        help_text=_('A path such as "/clubs/" or an https:// address.'),
    )
    template_name = models.CharField(
        _("template"),
        max_length=200,
        blank=True,
        help_text=_("Optional template to render this variant with."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = VariantQuerySet.as_manager()

    class Meta:
        ordering = ["slot", "-priority", "pk"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "slug"], name="personalize_variant_slug_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="personalize_variant_window",
                violation_error_message=_("The end must come after the start."),
            ),
        ]

    def __str__(self):
        return f"{self.slot.key} / {self.slug}" if self.slot_id else self.slug

    def save(self, *args, **kwargs):
        self.body = sanitize_html(self.body)
        super().save(*args, **kwargs)

    @property
    def is_default(self) -> bool:
        return self.segment_id is None and self.intent_id is None

    def is_live(self, now) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and (self.starts_at is None or self.starts_at <= now)
            and (self.ends_at is None or self.ends_at > now)
        )

    def targeting_description(self) -> str:
        parts = []
        if self.segment_id:
            parts.append(f'segment "{self.segment.name}"')
        if self.intent_id:
            parts.append(f'intent "{self.intent.name}"')
        return " and ".join(parts) if parts else "everyone (default)"

    def clean(self):
        if self.template_name:
            try:
                get_template(self.template_name)
            except TemplateDoesNotExist:
                raise ValidationError(
                    {"template_name": _("No template with this name was found.")}
                ) from None
        if self.slug in ("control",):
            raise ValidationError({"slug": _('"control" is reserved for the control group.')})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            # what the check constraint refuses, said on the field to change
            raise ValidationError({"ends_at": _("The end must come after the start.")})
