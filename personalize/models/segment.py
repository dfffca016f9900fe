"""Segments: named groups of visitors, defined by rules."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

#: How a segment without rules reads, wherever its rules are shown in words.
NO_RULES = _("No rules: nobody matches.")


class SegmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def static(self):
        return self.filter(kind=Segment.Kind.STATIC)

    def dynamic(self):
        return self.filter(kind=Segment.Kind.DYNAMIC)


class SegmentManager(models.Manager.from_queryset(SegmentQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Segment(models.Model):
    """A named group of visitors that share something, defined by its rules."""

    class Category(models.TextChoices):
        BEHAVIORAL = "behavioral", _("Behavioral")
        DEMOGRAPHIC = "demographic", _("Demographic")
        GEOGRAPHIC = "geographic", _("Geographic")
        PSYCHOGRAPHIC = "psychographic", _("Psychographic")
        TECHNOGRAPHIC = "technographic", _("Technographic")
        ACQUISITION = "acquisition", _("Acquisition")
        OTHER = "other", _("Other")

    class Match(models.TextChoices):
        ALL = "all", _("All rules match")
        ANY = "any", _("Any rule matches")

    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", _("Dynamic: evaluated live on every request")
        STATIC = "static", _("Static: a list of members, rebuilt in the background")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_('Used in templates: {% segment "slug" %}.'),
    )
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DYNAMIC)
    is_active = models.BooleanField(_("active"), default=True)
    member_count = models.PositiveIntegerField(
        _("members"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Size of a static segment at its last rebuild."),
    )
    rebuilt_at = models.DateTimeField(_("last rebuilt"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SegmentManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        permissions = [("export_segment", _("Can export segment members"))]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:personalize_segment_change", args=[self.pk])

    def natural_key(self):
        return (self.slug,)

    @property
    def is_static(self) -> bool:
        return self.kind == self.Kind.STATIC

    def describe_rules(self) -> list[str]:
        """Each rule in plain words, in order ("Arrived from a search engine", ...); a rule
        that cannot describe itself shows its type. See ``NO_RULES`` for a segment without."""
        return [str(rule) for rule in self.rules.all()]

    def describe(self) -> str:
        """The segment's definition in plain words, its rules joined by "and" / "or"."""
        rules = self.describe_rules()
        if not rules:
            return str(NO_RULES)
        if len(rules) == 1:
            return rules[0]
        joiner = " and " if self.match == self.Match.ALL else " or "
        return joiner.join(f"({text})" for text in rules)
