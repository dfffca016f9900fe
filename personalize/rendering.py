"""Rendering a chosen variant: one function for the template tag and the decision API.

``{% personalize %}`` renders a variant inside its slot's wrapper element; the decision endpoint
returns the same markup as ``html`` so a script can put it inside the same wrapper on a page
served from a shared cache. Both call :func:`render_variant`, so the markup cannot drift apart.
"""

from __future__ import annotations

from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

#: The template a variant renders with when it names none of its own.
VARIANT_TEMPLATE = "personalize/variant.html"


def cta_href(variant) -> str:
    """The CTA link through the click-through endpoint (records the click, then redirects)."""
    if not variant.cta_url:
        return ""
    href = getattr(variant, "_cta_href", None)
    if href is None:
        try:
            href = reverse("personalize:click", args=[variant.pk])
        except NoReverseMatch:
            href = variant.cta_url
        variant._cta_href = href  # variants live in the snapshot: reversed once per snapshot
    return href


def default_variant_html(variant, slot_key: str) -> str:
    """``variant`` rendered with :data:`VARIANT_TEMPLATE`, once per variant and snapshot.

    The default template sees only ``variant``, ``slot_key`` and ``cta_href``, so its output
    depends on the variant alone and is kept with the variant in the in-process snapshot.
    Variants that need the request render through their own ``template_name``.
    """
    html = getattr(variant, "_default_html", None)
    if html is None:
        html = mark_safe(
            get_template(VARIANT_TEMPLATE).render(
                {"variant": variant, "slot_key": slot_key, "cta_href": cta_href(variant)}
            )
        )
        variant._default_html = html
    return html


def render_variant(
    variant, slot_key: str, request=None, template_name: str | None = None, context=None
) -> str:
    """The markup of ``variant`` in slot ``slot_key``, without the slot's wrapper element.

    Renders ``template_name``, else the variant's own ``template_name`` (with ``variant``,
    ``slot_key``, ``cta_href``, ``request`` and ``visitor`` in the context), else the cached
    :func:`default_variant_html`. Given the page's template ``context``, a variant template
    renders in a new context sharing its bound state, so context processors do not run again.
    Raises whatever the template raises: callers fall back to the default.
    """
    name = template_name or variant.template_name
    if not name:
        return default_variant_html(variant, slot_key)
    values = {
        "variant": variant,
        "slot_key": slot_key,
        "cta_href": cta_href(variant),
        "request": request,
        "visitor": getattr(request, "visitor", None),
    }
    if context is not None and context.template is not None:
        return context.template.engine.get_template(name).render(context.new(values))
    return get_template(name).render(values, request)
