"""Rendering a chosen variant: one function for the template tag and the decision API.

``{% personalize %}`` renders a variant inside its slot's wrapper element; the decision endpoint
returns the same markup as ``html`` so a script can put it inside the same wrapper on a page
served from a shared cache. Both call :func:`render_variant`, so the markup cannot drift apart.
:func:`render_slot` is the whole of a slot as the tag renders it (decision, variant or default,
wrapper element), for the tag and for the content-management adapters in ``personalize.contrib``.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable

from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeData, SafeString, mark_safe

from personalize.engine.selection import Decision
from personalize.services.slots import register_unknown_slot
from personalize.utils import log_once

#: The template a variant renders with when it names none of its own.
VARIANT_TEMPLATE = "personalize/variant.html"
#: The elements a slot's wrapper may be; anything else becomes a ``div``.
WRAPPER_TAGS = frozenset({"div", "section", "aside", "span", "header", "footer", "article"})


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
    renders like ``{% include %}``: it sees the page's variables and those of the context
    processors (which do not run again), with the variant's values pushed on top.
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
        template = context.template.engine.get_template(name)
        with context.push(values):
            return template.render(context)
    return get_template(name).render(values, request)


@functools.lru_cache(maxsize=1024)  # the same few strings on every request; keys may vary
def slot_opening(key: str, shown: str, wrapper: str = "div", client: bool = False) -> str:
    """The opening tag of a slot's wrapper element: ``shown`` is the variant's slug, ``control``
    or ``default``; ``client`` marks a slot the page's script fills."""
    marker = ' data-personalize-client="1"' if client else ""
    return (
        f'<{wrapper} data-personalize-slot="{html.escape(key)}" '
        f'data-personalize-variant="{html.escape(shown)}"{marker}>'
    )


def render_slot(
    key: str,
    visitor,
    render_default: Callable[[object], str],
    *,
    request=None,
    context=None,
    wrapper: str = "div",
    client: bool = False,
    inline_variants: bool = False,
) -> SafeString:
    """Slot ``key`` for ``visitor`` (None: the default), inside its wrapper element.

    ``render_default(variant)`` renders the enclosed default content: called with None when
    the default wins, and, with ``inline_variants``, with a chosen variant that has no template
    of its own (``{% personalize … as variant %}``). A chosen variant otherwise renders with
    :func:`render_variant`; if that raises, the default renders instead (logged once).
    ``client``: the page's script decides, so the default renders now. Markup that is not
    :class:`~django.utils.safestring.SafeData` is escaped.
    """
    if wrapper not in WRAPPER_TAGS:
        wrapper = "div"
    if visitor is not None and not client:
        decision = visitor.decide(key)
    else:
        decision = Decision(key)
        if client:
            # Decided by the decision endpoint, which only knows registered slots.
            register_unknown_slot(key, path=getattr(visitor, "shown_on", ""))
    try:
        variant = decision.variant
        if variant is None:
            inner = render_default(None)
        elif not variant.template_name:
            # what render_variant() answers for a variant without a template of its own
            inner = (
                render_default(variant)
                if inline_variants
                else default_variant_html(variant, decision.slot_key)
            )
        else:
            inner = render_variant(variant, decision.slot_key, request, context=context)
    except Exception:
        log_once(
            ("render", key, decision.variant_slug),
            "personalize: variant %r of slot %r failed to render; showing the default.",
            decision.variant_slug,
            key,
            exc_info=True,
        )
        decision = Decision(key, reason="render error")
        inner = render_default(None)
    shown = "control" if decision.control else decision.variant_slug
    if not isinstance(inner, SafeData):
        inner = html.escape(str(inner))
    # SafeString itself: what mark_safe() returns for a str, without its lazy-text check.
    return SafeString(f"{slot_opening(key, shown, wrapper, client)}{inner}</{wrapper}>")
