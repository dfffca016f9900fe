"""Template tags: ``{% load personalize %}``.

None of these tags queries the database once the process is warm: they read the visitor's
profile (loaded once per request) and the in-process snapshot of definitions. Any failure
renders the default content and is logged once.
"""

from __future__ import annotations

from functools import partial

from django import template
from django.template.base import token_kwargs
from django.utils.html import conditional_escape, format_html

from personalize.conf import get_setting
from personalize.engine.selection import DEFAULT
from personalize.rendering import render_slot
from personalize.utils import log_once

register = template.Library()


def _visitor(context, request=None):
    """``request.visitor`` of the template's request (``request``: already looked up)."""
    if request is None:
        request = context.get("request")
    visitor = getattr(request, "visitor", None)
    if visitor is None:
        log_once(
            "no-visitor",
            "personalize: template has no request.visitor; add "
            "'django.template.context_processors.request' to your template context processors "
            "and PersonalizeMiddleware to MIDDLEWARE. Showing default content.",
            level=30,
        )
    return visitor


class PersonalizeNode(template.Node):
    """``{% personalize "slot-key" [as variant] [wrapper="section"] [client=True] %}``."""

    child_nodelists = ("nodelist",)

    def __init__(self, key, nodelist, as_var=None, options=None):
        self.key = key
        self.nodelist = nodelist
        self.as_var = as_var
        self.options = options or {}

    def render(self, context):
        key = str(self.key.resolve(context))
        options = self.options
        wrapper = str(options["wrapper"].resolve(context)) if "wrapper" in options else "div"
        client = bool(options["client"].resolve(context)) if "client" in options else False
        request = context.get("request")
        return render_slot(
            key,
            _visitor(context, request),
            partial(self.render_inline, context),
            request=request,
            context=context,
            wrapper=wrapper,
            client=client,
            inline_variants=bool(self.as_var),
        )

    def render_inline(self, context, variant):
        if self.as_var:
            with context.push(**{self.as_var: variant}):
                return self.nodelist.render(context)
        return self.nodelist.render(context)


@register.tag("personalize")
def do_personalize(parser, token):
    """Render the variant of a slot that fits the visitor, or the enclosed default.

    Syntax::

        {% personalize "slot-key" [as variant] [wrapper="section"] [client=True] %}
            default markup
        {% endpersonalize %}

    Without ``as``, a chosen variant renders with its own template (or
    ``personalize/variant.html``) and the enclosed markup is the default. With ``as variant``,
    the enclosed markup renders for every choice with ``variant`` bound to the chosen
    :class:`~personalize.models.Variant` (``None`` for the template default).

    Example usage::

        {% personalize "home-hero" %}<h1>Browse golf club sets</h1>{% endpersonalize %}
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]!r} needs a slot key.")
    key = parser.compile_filter(bits[1])
    rest = bits[2:]
    as_var = None
    if len(rest) >= 2 and rest[0] == "as":
        as_var = rest[1]
        rest = rest[2:]
    options = token_kwargs(rest, parser, support_legacy=False)
    if rest:
        raise template.TemplateSyntaxError(f"{bits[0]!r} got unexpected arguments: {rest}")
    unknown = set(options) - {"wrapper", "client"}
    if unknown:
        raise template.TemplateSyntaxError(f"{bits[0]!r} has no option(s) {sorted(unknown)}.")
    if as_var and "client" in options:
        raise template.TemplateSyntaxError(
            f"{bits[0]!r}: client=True cannot be combined with 'as': the page's script fills a "
            "client-side slot with each variant's own template, not with the enclosed markup."
        )
    nodelist = parser.parse(("endpersonalize",))
    parser.delete_first_token()
    return PersonalizeNode(key, nodelist, as_var, options)


class ConditionNode(template.Node):
    """One node for ``{% segment %}`` and ``{% intent %}`` blocks, with ``{% else %}``."""

    child_nodelists = ("nodelist_true", "nodelist_false")

    def __init__(self, kind, name, nodelist_true, nodelist_false):
        self.kind = kind
        self.name = name
        self.nodelist_true = nodelist_true
        self.nodelist_false = nodelist_false

    def render(self, context):
        name = str(self.name.resolve(context))
        visitor = _visitor(context)
        matched = False
        if visitor is not None:
            if self.kind == "segment":
                matched = visitor.in_segment(name)
            else:
                matched = visitor.has_intent(name)
        return (self.nodelist_true if matched else self.nodelist_false).render(context)


def _condition(kind):
    def compile_condition(parser, token):
        bits = token.split_contents()
        if len(bits) != 2:
            raise template.TemplateSyntaxError(f"{bits[0]!r} takes exactly one slug.")
        end = f"end{kind}"
        nodelist_true = parser.parse(("else", end))
        token = parser.next_token()
        if token.contents == "else":
            nodelist_false = parser.parse((end,))
            parser.delete_first_token()
        else:
            nodelist_false = template.NodeList()
        return ConditionNode(kind, parser.compile_filter(bits[1]), nodelist_true, nodelist_false)

    compile_condition.__name__ = f"do_{kind}"
    compile_condition.__doc__ = f"""Render the block only for visitors {
        "in the segment" if kind == "segment" else "with the active intent"
    }.

    Syntax::

        {{% {kind} "slug" %}}…{{% else %}}…{{% end{kind} %}}

    Example usage::

        {{% {kind} "{"beginner-golfers" if kind == "segment" else "deal-seeking"}" %}}
            …{{% else %}}…{{% end{kind} %}}
    """
    return compile_condition


register.tag("segment", _condition("segment"))
register.tag("intent", _condition("intent"))


class InterestNode(template.Node):
    def __init__(self, topics):
        self.topics = topics

    def render(self, context):
        visitor = _visitor(context)
        if visitor is not None:
            try:
                visitor.add_interest(*(str(topic.resolve(context)) for topic in self.topics))
            except Exception:
                log_once("interest", "personalize: {% interest %} failed.", exc_info=True)
        return ""


@register.tag("interest")
def do_interest(parser, token):
    """Count this page toward the visitor's interest in topics. Renders nothing.

    Syntax::

        {% interest "topic" ["topic" ...] %}

    Example usage::

        {% interest "golf" "beginner" %}
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]!r} needs at least one topic.")
    return InterestNode([parser.compile_filter(bit) for bit in bits[1:]])


@register.simple_tag(takes_context=True)
def visitor_trait(context, name, default=""):
    """A trait of the visitor (escaped), or ``default``.

    Syntax::

        {% visitor_trait "name" [default="…"] %}

    Example usage::

        Hi {% visitor_trait "first_name" default="there" %}
    """
    visitor = _visitor(context)
    value = None
    if visitor is not None:
        try:
            value = visitor.traits.get(str(name))
        except Exception:
            log_once("trait", "personalize: reading traits failed.", exc_info=True)
    if value is None or value == "":
        value = default
    return conditional_escape(str(value))


DEFAULT_SCRIPT_TIMEOUT = 2500


@register.simple_tag(takes_context=True)
def personalize_js(context, timeout=DEFAULT_SCRIPT_TIMEOUT):
    """The script that fills client-side slots and reports impressions and clicks.

    Renders one ``<script defer>`` element (no inline code, so a strict Content Security
    Policy only needs to allow the static file); the endpoint URLs travel as data attributes.
    ``timeout`` (milliseconds) bounds the wait for the decision endpoint: past it, or on any
    failure, the default content stays.

    Syntax::

        {% personalize_js [timeout=2500] %}

    Example usage::

        {% personalize_js %}</body>
    """
    from django.templatetags.static import static
    from django.urls import NoReverseMatch, reverse

    try:
        decisions = reverse("personalize:api-decisions")
        events = reverse("personalize:api-events")
        clicks = reverse("personalize:click", args=[0]).removesuffix("0/")
        script = static("personalize/personalize.js")
    except NoReverseMatch:
        log_once(
            "personalize-js",
            "personalize: {% personalize_js %} needs the app's URLs: add "
            'path("personalize/", include("personalize.urls")) to your URLconf.',
            level=30,
        )
        return ""
    try:
        timeout = min(max(int(timeout), 100), 10_000)
    except (TypeError, ValueError):
        timeout = DEFAULT_SCRIPT_TIMEOUT
    visitor = getattr(context.get("request"), "visitor", None)
    # A page served from a shared cache, or asked for speculatively (prefetch, prerender), was
    # not counted by the server: the script reports it once it is shown.
    count_page = "1" if getattr(visitor, "counted_when_shown", False) is True else "0"
    return format_html(
        '<script src="{}" defer data-personalize-decisions="{}" data-personalize-events="{}" '
        'data-personalize-clicks="{}" data-personalize-count-page="{}" '
        'data-personalize-timeout="{}" data-personalize-preview="{}"></script>',
        script,
        decisions,
        events,
        clicks,
        count_page,
        timeout,
        get_setting("PREVIEW_PARAM"),
    )


__all__ = ["DEFAULT", "register"]
