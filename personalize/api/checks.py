"""System checks of the REST API's settings (IDs ``personalize.E020``-``E029``).

Each ID is documented in ``docs/api.md``.
"""

from __future__ import annotations

from django.core import checks

from personalize.api.throttling import parse_rate
from personalize.conf import PREFIX, get_setting
from personalize.services.validation import is_event_name, max_event_name

LIMITS = ("API_MAX_BODY_BYTES", "API_MAX_BATCH", "API_MAX_SLOTS", "API_EXPORT_MAX_PAGE_SIZE")


def check_api_settings(app_configs=None, **kwargs):
    errors = []
    for name in ("API_RATE_PER_VISITOR", "API_RATE_PER_ADDRESS"):
        try:
            parse_rate(get_setting(name))
        except ValueError as exc:
            errors.append(
                checks.Error(
                    f"{PREFIX}{name} is not a rate: {exc}.",
                    hint="Use '<requests>/<s|min|h|day>', e.g. '120/min', or None for no limit.",
                    id="personalize.E020",
                )
            )
    for name in LIMITS:
        value = get_setting(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            errors.append(
                checks.Error(
                    f"{PREFIX}{name} must be a positive whole number; got {value!r}.",
                    id="personalize.E021",
                )
            )
    names = get_setting("API_EVENT_NAMES")
    if names is not None and (
        isinstance(names, str)
        or not hasattr(names, "__iter__")
        or not all(is_event_name(n) for n in names)
    ):
        errors.append(
            checks.Error(
                f"{PREFIX}API_EVENT_NAMES must be None or a list of event names.",
                hint=f"Event names are 1-{max_event_name()} letters, digits, '_', '-', '.' or ':'.",
                id="personalize.E022",
            )
        )
    return errors
