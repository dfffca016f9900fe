"""Signals: definitions changing bump the snapshot version; ``segment_entered`` etc."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from personalize.engine.snapshot import bump_version
from personalize.utils import log_once


def _definition_models():
    from personalize.models import Intent, IntentSignal, Rule, Segment, Slot, TopicMapping, Variant

    return (Segment, Rule, Slot, Variant, Intent, IntentSignal, TopicMapping)


def definitions_changed(sender, **kwargs):
    if issubclass(sender, _definition_models()):
        bump_version()


def user_logged_in_handler(sender, request, user, **kwargs):
    """Link the visitor of this browser to the user who just logged in."""
    if request is None or getattr(request, "visitor", None) is None:
        return
    from personalize.services.identity import identify

    try:
        identify(request, user=user)
    except Exception:
        log_once(
            "login-identify", "personalize: linking a login to its visitor failed.", exc_info=True
        )


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in

    post_save.connect(definitions_changed, dispatch_uid="personalize.definitions.save")
    post_delete.connect(definitions_changed, dispatch_uid="personalize.definitions.delete")
    user_logged_in.connect(user_logged_in_handler, dispatch_uid="personalize.user_logged_in")
