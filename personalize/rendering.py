"""Rendering a chosen variant: one function for the template tag and the decision API.

``{% personalize %}`` renders a variant inside its slot's wrapper element; the decision endpoint
returns the same markup as ``html`` so a script can put it inside the same wrapper on a page
served from a shared cache. Both call :func:`render_variant`, so the markup cannot drift apart.
"""

from __future__ import annotations

from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse

#: The template a variant renders with when it names none of its own.
VARIANT_TEMPLATE = "personalize/variant.html"


def cta_href(variant) -> str:
    """The CTA link through the click-through endpoint (records the click, then redirects)."""
    if not variant.cta_url:
        return ""
    try:
        return reverse("personalize:click", args=[variant.pk])
    except NoReverseMatch:
        return variant.cta_url


def render_variant(variant, slot_key: str, request=None, template_name: str | None = None) -> str:
    """The markup of ``variant`` in slot ``slot_key``, without the slot's wrapper element.

    Renders ``template_name``, else the variant's own ``template_name``, else
    :data:`VARIANT_TEMPLATE`, with ``variant``, ``slot_key``, ``cta_href`` and ``visitor`` in
    the context. Raises whatever the template raises: callers fall back to the default.
    """
    name = template_name or variant.template_name or VARIANT_TEMPLATE
    return get_template(name).render(
        {
            "variant": variant,
            "slot_key": slot_key,
            "cta_href": cta_href(variant),
            "visitor": getattr(request, "visitor", None),
        },
        request,
    )
