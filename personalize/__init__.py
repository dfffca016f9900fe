"""Segmentation, real-time intent and content personalization for Django.

Public Python API::

    import personalize

    personalize.track(request, "purchase", value=499, product="beginner-set")
    personalize.identify(request, email="jeff@example.com", first_name="Jeff")

Both raise a ``ValueError`` subclass (``personalize.InvalidEvent``,
``personalize.InvalidTraits``) for input that cannot be stored.
"""

from personalize.exceptions import InvalidEvent, InvalidTraits

__version__ = "0.1.0"


def track(request, name, value=None, **properties):
    """Record a custom event (purchase, download...) for the current visitor."""
    from personalize.services.events import track as _track

    return _track(request, name, value, **properties)


def identify(request, email=None, *, user=None, verified=False, **traits):
    """Tie the current visitor to an e-mail address and/or user, and store traits.

    Pass ``verified=True`` only when the site confirmed the address belongs to the visitor.
    """
    from personalize.services.identity import identify as _identify

    return _identify(request, email, user=user, verified=verified, **traits)


__all__ = ["InvalidEvent", "InvalidTraits", "__version__", "identify", "track"]
