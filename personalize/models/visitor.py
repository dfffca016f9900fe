"""Visitors, their events and static segment memberships: the system of record."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Consent(models.TextChoices):
    UNKNOWN = "unknown", _("Not asked")
    GRANTED = "granted", _("Granted")
    DENIED = "denied", _("Denied")


class VisitorQuerySet(models.QuerySet):
    def live(self):
        """Visitors that were not merged into another profile."""
        return self.filter(merged_into__isnull=True)

    def identified(self):
        """Visitors tied to a person: an e-mail address or a user account."""
        return self.filter(models.Q(email__isnull=False) | models.Q(user__isnull=False))

    def anonymous(self):
        """Visitors tied to nobody: neither an e-mail address nor a user account."""
        return self.filter(email__isnull=True, user__isnull=True)


class Visitor(models.Model):
    """One browser (or, once identified, one person) and what we know about them.

    The hot path reads the visitor's profile from the cache; this row is where it is kept
    between cache lifetimes, and where counters are kept exactly.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="personalize_visitor",
        verbose_name=_("user"),
    )
    email = models.EmailField(_("e-mail"), max_length=254, null=True, blank=True, unique=True)
    email_verified = models.BooleanField(
        _("e-mail verified"),
        default=False,
        help_text=_(
            "Whether the e-mail address was verified by the site (identify(..., verified=True)) "
            "rather than just typed into a form."
        ),
    )
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now, db_index=True)
    visit_count = models.PositiveIntegerField(_("visits"), default=0)
    page_views = models.PositiveBigIntegerField(_("page views"), default=0)
    traits = models.JSONField(_("traits"), default=dict, blank=True)
    profile = models.JSONField(_("profile"), default=dict, blank=True, editable=False)
    country = models.CharField(_("country"), max_length=2, blank=True, db_index=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    device_type = models.CharField(_("device"), max_length=10, blank=True)
    browser = models.CharField(_("browser"), max_length=50, blank=True)
    os = models.CharField(_("operating system"), max_length=50, blank=True)
    language = models.CharField(_("language"), max_length=35, blank=True)
    consent = models.CharField(
        _("consent"), max_length=10, choices=Consent.choices, default=Consent.UNKNOWN
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )

    objects = VisitorQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")

    def __str__(self):
        return self.email or f"Visitor {str(self.id)[:8]}"


class Event(models.Model):
    """Something a visitor did: a page view, a click, a conversion or a custom event."""

    PAGE_VIEW = "page_view"
    IMPRESSION = "impression"
    CLICK = "click"
    CONVERSION = "conversion"

    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="events", verbose_name=_("visitor")
    )
    name = models.CharField(_("name"), max_length=64)
    path = models.CharField(_("path"), max_length=500, blank=True)
    referrer = models.CharField(_("referrer"), max_length=500, blank=True)
    medium = models.CharField(_("medium"), max_length=10, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    slot = models.CharField(_("slot"), max_length=100, blank=True)
    variant = models.CharField(_("variant"), max_length=100, blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    timestamp = models.DateTimeField(_("time"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-timestamp"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["visitor", "name", "timestamp"], name="personalize_ev_visitor"),
            models.Index(fields=["name", "timestamp"], name="personalize_ev_name"),
            models.Index(fields=["timestamp"], name="personalize_ev_time"),
        ]

    def __str__(self):
        return f"{self.name} {self.path}".strip()


class Membership(models.Model):
    """A visitor on the materialized list of a static segment."""

    segment = models.ForeignKey(
        "personalize.Segment", on_delete=models.CASCADE, related_name="memberships"
    )
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "visitor"], name="personalize_membership_unique"
            )
        ]

    def __str__(self):
        return f"{self.visitor} in {self.segment}"


class ErasedVisitor(models.Model):
    """A tombstone: the hash of an erased visitor id, so late events cannot revive it."""

    id_hash = models.CharField(max_length=64, primary_key=True)
    erased_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("erased visitor")
        verbose_name_plural = _("erased visitors")

    def __str__(self):
        return f"erased {self.id_hash[:12]}… at {self.erased_at:%Y-%m-%d}"
