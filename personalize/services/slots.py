"""Registering slots that templates use before editors defined them."""

from __future__ import annotations

import threading

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.text import slugify

from personalize.utils import log_once

_registered: set[str] = set()
_lock = threading.Lock()
MAX_REGISTERED = 1000


def register_slot(key: str, path: str = "") -> None:
    """Create the Slot row for ``key`` once per process, so editors can find it in the admin;
    ``path``: the page of the site it was first seen on, where its preview links open."""
    from personalize.models import Slot

    key = slugify(key)[: Slot._meta.get_field("key").max_length]
    if not key:
        return
    with _lock:
        if key in _registered or len(_registered) >= MAX_REGISTERED:
            return
        _registered.add(key)
    try:
        with transaction.atomic():
            Slot.objects.get_or_create(
                key=key,
                defaults={
                    "name": key.replace("-", " ").capitalize(),
                    "auto_registered": True,
                    "preview_path": preview_path(path),
                },
            )
    except DatabaseError:
        log_once(
            ("register-slot", key), "personalize: could not register slot %r.", key, exc_info=True
        )


def register_unknown_slot(key: str, snapshot=None, path: str = "") -> None:
    """Register ``key`` unless the definitions already have it (no query when warm).

    ``snapshot``: the definitions the caller decided with (None: the current ones); ``path``:
    the page it is used on, if known. Every place that decides a slot calls this, so editors
    and the decision endpoint know the slots templates use.
    """
    if snapshot is None:
        from personalize.engine.snapshot import get_snapshot

        try:
            snapshot = get_snapshot()
        except Exception:
            log_once("slot-check", "personalize: cannot read the defined slots.", exc_info=True)
            return
    if key not in snapshot.slots:
        register_slot(key, path)


def preview_path(path: str) -> str:
    """``path`` if it can be a slot's preview page (a path of this site that fits), else ""."""
    from personalize.models import Slot
    from personalize.sanitize import validate_site_path

    if not isinstance(path, str) or len(path) > Slot._meta.get_field("preview_path").max_length:
        return ""
    try:
        validate_site_path(path)
    except ValidationError:
        return ""
    return path


def forget_registered() -> None:
    with _lock:
        _registered.clear()
