"""Audit records: who exported which personal data, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportAudit(models.Model):
    """A segment's member list, or one page of it, taken out of the site: an admin download,
    a page of the API's ``members/``, a run of the export command (no user)."""

    created_at = models.DateTimeField(_("exported at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(
        _("user name"), max_length=150, help_text=_("Kept when the user is deleted.")
    )
    segment = models.ForeignKey(
        "personalize.Segment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segment"),
    )
    segment_slug = models.CharField(_("segment slug"), max_length=100)
    rows = models.PositiveIntegerField(_("members exported"))
    page = models.CharField(_("page"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export audit record")
        verbose_name_plural = _("export audit records")

    def __str__(self):
        return f"{self.actor} exported {self.rows} members of {self.segment_slug}"

    @property
    def actor(self) -> str:
        """Who exported: the user name, or "(no user)" for the management command."""
        return self.username or "(no user)"
