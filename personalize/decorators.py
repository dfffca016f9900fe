"""View decorators."""

from __future__ import annotations

from personalize.middleware import PAGE_VIEW_ATTRIBUTE


def no_page_view(view):
    """Mark a view whose GET responses must not count as page views (APIs, redirects...)."""
    setattr(view, PAGE_VIEW_ATTRIBUTE, False)
    return view
