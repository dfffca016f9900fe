"""What the plugins render, from the plugin's own row, the in-process definitions and the
visitor of the request: no query beyond the ones django CMS makes to load the plugins.

Anything that goes wrong renders the default content and is logged once.
"""

from __future__ import annotations

from cms.toolbar.utils import get_toolbar_from_request
from django.utils.safestring import SafeString, mark_safe

from personalize.engine.snapshot import get_snapshot
from personalize.rendering import render_slot
from personalize.utils import log_once

#: The plugin's markup, or None to render its children as django CMS does (edit mode).
CONTENT = "personalize_content"
OTHERWISE = "PersonalizeOtherwisePlugin"


def editing(request) -> bool:
    """The page is shown in django CMS's edit or structure mode: editors see every child."""
    return request is not None and bool(get_toolbar_from_request(request).edit_mode_active)


def render_children(context, children) -> SafeString:
    """``children`` (plugin instances) as django CMS renders them outside edit mode."""
    renderer = get_toolbar_from_request(context["request"]).get_content_renderer()
    return mark_safe(
        "".join(renderer.render_plugin(child, context, editable=False) for child in children)
    )


def slot_key(slot_id: int | None) -> str | None:
    """The key of the slot with primary key ``slot_id`` in the current definitions, or None."""
    return None if slot_id is None else get_snapshot().slot_keys.get(slot_id)


def request_visitor(request):
    visitor = getattr(request, "visitor", None)
    # django CMS's preview endpoint is under /admin/, which the middleware leaves alone: staff
    # preview the page's default content there (and the variants with "View as segment").
    if visitor is None and not get_toolbar_from_request(request).preview_mode_active:
        log_once(
            "cms-no-visitor",
            "personalize: a django CMS page has no request.visitor; add "
            "PersonalizeMiddleware to MIDDLEWARE. Showing default content.",
            level=30,
        )
    return visitor


def personalized_content(context, instance) -> SafeString:
    """A "Personalized content" plugin: its slot as ``{% personalize %}`` renders it, the
    plugin's children being the default content."""
    request = context.get("request")
    children = instance.child_plugin_instances or ()
    try:
        key = slot_key(instance.slot_id)
        if key is None:
            log_once(
                ("cms-slot", instance.pk),
                'personalize: the slot of "Personalized content" plugin %s was deleted; '
                "showing its default content.",
                instance.pk,
                level=30,
            )
            return render_children(context, children)
        return render_slot(
            key,
            request_visitor(request),
            lambda variant: render_children(context, children),
            request=request,
            wrapper=instance.wrapper,
        )
    except Exception:
        log_once(
            ("cms-render", instance.pk),
            'personalize: "Personalized content" plugin %s failed; showing its default content.',
            instance.pk,
            exc_info=True,
        )
        return render_children(context, children)


def segment_matched(request, instance) -> bool:
    """Whether a "Segment" plugin shows its content (not its "Otherwise" children).

    When it cannot tell (no visitor, segments deleted or inactive, an error), the visitor
    counts as a member of none of the segments, as in ``{% segment %}``.
    """
    member = False
    visitor = request_visitor(request)
    if visitor is not None:
        try:
            slugs = get_snapshot().segment_slugs
            chosen = [slugs.get(pk) for pk in instance.segment_ids or ()]
            if None in chosen or not chosen:
                log_once(
                    ("cms-segment", instance.pk),
                    'personalize: "Segment" plugin %s names segments that were deleted or '
                    "deactivated; nobody is a member of those.",
                    instance.pk,
                    level=30,
                )
            # (a deleted or inactive segment is "": a slug of no segment, with no members)
            member = visitor.in_segments(
                [slug or "" for slug in chosen], match_all=instance.match == "all"
            )
        except Exception:
            log_once(
                ("cms-segment-error", instance.pk),
                'personalize: "Segment" plugin %s failed; counting the visitor in none of '
                "its segments.",
                instance.pk,
                exc_info=True,
            )
            member = False
    return member != instance.negate


def segment_content(context, instance) -> SafeString:
    """A "Segment" plugin: its children for members, its "Otherwise" children for others."""
    matched = segment_matched(context.get("request"), instance)
    shown = [
        child
        for child in instance.child_plugin_instances or ()
        if (child.plugin_type == OTHERWISE) != matched
    ]
    return render_children(context, shown)
