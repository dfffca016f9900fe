"""Plain Django views of the app (the REST API lives in :mod:`personalize.api`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from personalize.api.pages import referer_path
from personalize.decorators import no_page_view
from personalize.engine.snapshot import get_snapshot
from personalize.models import Variant
from personalize.sanitize import validate_link
from personalize.tracking.devices import is_prefetch
from personalize.utils import log_once


@no_page_view
@require_GET
def click(request, variant_id: int):
    """Record a click on a variant's call to action, then go to the URL stored on the variant.

    The target is never taken from the request, so this cannot be used as an open redirect.
    The click is recorded on the page it came from (the Referer, when it is this site's), as
    the clicks the page's script sends are, not on this endpoint's own path.
    """
    variant = _find_variant(variant_id)
    if variant is None or not variant.cta_url:
        raise Http404("No such call to action.")
    target = variant.cta_url
    try:
        validate_link(target)
    except ValidationError:
        target = "/"
    if is_prefetch(request.META):
        return _refuse_speculation()
    visitor = getattr(request, "visitor", None)
    if visitor is not None and visitor.tracking:
        try:
            visitor.record_event(
                "click", slot=variant.slot.key, variant=variant.slug, path=referer_path(request)
            )
        except Exception:
            log_once("click", "personalize: recording a click failed.", exc_info=True)
    response = HttpResponseRedirect(target)
    add_never_cache_headers(response)
    return response


def _refuse_speculation() -> HttpResponse:
    """The answer to a prefetch or prerender of a call to action (Speculation Rules that cover
    every link, a browser's own guess): a redirect would be kept and followed on the real click
    without asking again, and the click would never be counted. A non-2xx answer makes the
    browser drop the speculation and ask again when the link is followed; ``503`` with
    ``Retry-After: 0`` is the usual way to say so. It is expected, so it is not logged as a
    server error (Django's ``django.request`` logger would otherwise mail the admins)."""
    response = HttpResponse(
        "Not prefetched: followed, this link records the click.",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "0"
    add_never_cache_headers(response)
    response._has_been_logged = True  # see django.utils.log.log_response
    return response


def _find_variant(variant_id: int):
    """The variant from the in-process snapshot (no query, and a click still reaches its target
    while the database is down), else from the database (created a moment ago elsewhere)."""
    try:
        variant = get_snapshot().variant(variant_id)
    except Exception:  # definitions unavailable: logged where they are loaded
        variant = None
    if variant is not None:
        return variant
    found = Variant.objects.filter(pk=variant_id).only("pk", "slug", "cta_url", "slot__key")
    return found.select_related("slot").first()
