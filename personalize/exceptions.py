"""Exceptions of the public Python API (``personalize.identify`` and ``personalize.track``).

Both are ``ValueError`` subclasses, so a view can turn them into a form error::

    try:
        personalize.identify(request, email=email, first_name=name)
    except personalize.InvalidTraits as exc:
        form.add_error(None, str(exc))
"""


class InvalidTraits(ValueError):
    """An e-mail address or traits that cannot be stored (the message says why)."""


class InvalidEvent(ValueError):
    """An event name, value or properties that cannot be stored (the message says why)."""
