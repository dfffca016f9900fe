"""Signals: definitions changing bump the snapshot version; ``segment_entered`` etc."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_save

from personalize.engine.snapshot import bump_version
from personalize.utils import log_once


def _definition_models():
    from personalize.models import Intent, IntentSignal, Rule, Segment, Slot, TopicMapping, Variant

    return (Segment, Rule, Slot, Variant, Intent, IntentSignal, TopicMapping)


def definitions_changed(sender, **kwargs):
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


def user_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Group membership changed: forget the cached group names (``UserRule``).

    ``group.user_set.clear()`` does not say which users it removed: their cached names expire
    on their own within ``engine.users.USER_GROUPS_TTL`` seconds.
    """
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    from personalize.engine.users import forget_user_groups

    if not reverse:  # user.groups.add(...): instance is the user
        forget_user_groups([instance.pk])
    elif pk_set:  # group.user_set.add(...): pk_set holds the users
        forget_user_groups(pk_set)


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import m2m_changed

    # One receiver per definition model (every rule type, third-party ones included: all models
    # are loaded when this runs), so saving the host project's own models costs nothing here.
    definitions = _definition_models()
    for model in apps.get_models():
        if issubclass(model, definitions):
            label = model._meta.label_lower
            post_save.connect(
                definitions_changed, sender=model, dispatch_uid=f"personalize.save.{label}"
            )
            post_delete.connect(
                definitions_changed, sender=model, dispatch_uid=f"personalize.delete.{label}"
            )
    user_logged_in.connect(user_logged_in_handler, dispatch_uid="personalize.user_logged_in")
    try:
        groups = getattr(get_user_model(), "groups", None)
    except ImproperlyConfigured:  # no user model installed
        groups = None
    if groups is not None and hasattr(groups, "through"):
        m2m_changed.connect(
            user_groups_changed, sender=groups.through, dispatch_uid="personalize.user_groups"
        )
