"""Rendering a slot and its chosen variant: one place for every way a slot is shown.

``{% personalize %}`` renders a variant inside its slot's wrapper element; the decision endpoint
returns the same markup as ``html`` so a script can put it inside the same wrapper on a page
served from a shared cache. Both call :func:`render_variant`, so the markup cannot drift apart.
The tag and the CMS adapters (``personalize.contrib``) wrap it with :func:`render_slot`, so the
wrapper element, the fallback to the default content and the client-side marker are the same
wherever a slot appears.
"""

from __future__ import annotations

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


#: The elements a slot's wrapper may be; any other name renders a ``div``.
WRAPPER_TAGS = frozenset({"div", "section", "aside", "span", "header", "footer", "article"})


def wrapper_tag(name) -> str:
    """``name`` if it is one of :data:`WRAPPER_TAGS`, else ``"div"``."""
    name = str(name)
    return name if name in WRAPPER_TAGS else "div"


def slot_opening(key: str, shown: str, wrapper: str = "div", client: bool = False) -> str:
    """The opening tag of a slot's wrapper: ``key`` and the ``shown`` variant's slug as data
    attributes (read by the page's script for impressions, clicks and client-side slots)."""
    marker = ' data-personalize-client="1"' if client else ""
    return (
        f'<{wrapper} data-personalize-slot="{html.escape(key)}" '
        f'data-personalize-variant="{html.escape(shown)}"{marker}>'
    )


def decide_slot(visitor, key: str, client: bool = False) -> Decision:
    """The decision a slot renders with on the server.

    The visitor's own (``visitor.decide``: memoized for the request, counted as an impression
    by the middleware), or the default when there is no visitor or the slot is client-side
    (the decision endpoint chooses later, and only knows registered slots).
    """
    if visitor is not None and not client:
        return visitor.decide(key)
    if client:
        register_unknown_slot(key, path=getattr(visitor, "shown_on", ""))
    return Decision(key)


def render_slot(
    key: str,
    decision: Decision,
    render_choice: Callable[[Decision], object],
    render_default: Callable[[], object],
    *,
    wrapper: str = "div",
    client: bool = False,
    opening: Callable[[str, str, str, bool], str] = slot_opening,
) -> SafeString:
    """Slot ``key`` as shown for ``decision``: the wrapper element around its content.

    ``render_choice(decision)`` renders the decided content (a variant, or the default when
    ``decision.variant`` is None); if it raises, the failure is logged once and
    ``render_default()`` renders the default content instead, marked as the default. Content
    that is not safe markup is escaped. ``opening`` builds the opening tag (the tag passes a
    cached :func:`slot_opening`).
    """
    try:
        inner = render_choice(decision)
    except Exception:
        log_once(
            ("render", key, decision.variant_slug),
            "personalize: variant %r of slot %r failed to render; showing the default.",
            decision.variant_slug,
            key,
            exc_info=True,
        )
        decision = Decision(key, reason="render error")
        inner = render_default()
    shown = "control" if decision.control else decision.variant_slug
    if not isinstance(inner, SafeData):
        inner = html.escape(str(inner))
    # SafeString itself: what mark_safe() returns for a str, without its lazy-text check.
    return SafeString(f"{opening(key, shown, wrapper, client)}{inner}</{wrapper}>")
