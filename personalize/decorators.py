"""View decorators."""

from __future__ import annotations

from personalize.middleware import PAGE_VIEW_ATTRIBUTE, SHARED_PAGE_ATTRIBUTE


def no_page_view(view):
    """Mark a view whose GET responses must not count as page views (APIs, redirects...)."""
    setattr(view, PAGE_VIEW_ATTRIBUTE, False)
    return view


def cacheable_page(view):
    """Mark a view whose responses a shared cache (``cache_page``, a CDN) may serve to everyone.

    For such a request ``request.visitor`` is nobody in particular: every server-side slot
    renders its default, ``{% segment %}`` and ``{% intent %}`` blocks their ``{% else %}``,
    and the middleware neither counts a page view, nor sets the visitor cookie, nor makes the
    response private. Personalize such a page with client-side slots
    (``{% personalize "key" client=True %}`` and ``{% personalize_js %}``), which also reports
    the page view. Example::

        @cache_page(300)
        @cache_control(public=True)
        @cacheable_page
        def offers(request): ...
    """
    setattr(view, SHARED_PAGE_ATTRIBUTE, True)
    return view
