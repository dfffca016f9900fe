"""Pages reported by the browser: the path a client-side request speaks for.

The decision endpoint and the event intake act for a page of this site that the server may not
have seen (it came from a shared cache). The page is given as a same-site path; it is checked
here, then :meth:`personalize.visitor.CurrentVisitor.view_page` makes the visitor's rules see
it as the current page.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from personalize.api.permissions import origin_allowed, origin_of
from personalize.tracking.headers import clean_query
from personalize.visitor import MAX_PATH

MAX_RAW_PATH = 2000
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_path(raw, name: str = "path") -> tuple[str, dict[str, str]]:
    """``/a/b?x=1`` -> ("/a/b", {"x": "1"}). Raises ``ValidationError`` naming ``name``."""
    if not isinstance(raw, str) or not raw:
        raise ValidationError({name: [_("Give the page's path, e.g. /clubs/?sort=price.")]})
    if len(raw) > MAX_RAW_PATH:
        raise ValidationError(
            {name: [_("A path has at most %(n)d characters.") % {"n": MAX_RAW_PATH}]}
        )
    if _UNSAFE.search(raw) or not raw.startswith("/") or raw.startswith("//"):
        raise ValidationError(
            {
                name: [
                    _("A path of this site starts with a single / and holds no control characters.")
                ]
            }
        )
    raw = raw.split("#", 1)[0]
    path, _sep, query = raw.partition("?")
    path = unquote(path, errors="replace")
    if _CONTROL.search(path) or len(path) > MAX_PATH:
        raise ValidationError(
            {name: [_("The path is too long or holds control characters once decoded.")]}
        )
    return path, clean_query(QueryDict(query)) if query else {}


def referer_path(request) -> str:
    """The path of the page that sent ``request`` (its Referer), when the page is this site's;
    else "" (no Referer, another site's, or one that is not a clean path)."""
    referer = request.META.get("HTTP_REFERER", "")
    origin = origin_of(referer)
    if not origin or not origin_allowed(origin, request):
        return ""
    try:
        return clean_path(urlsplit(referer).path or "/")[0]
    except ValidationError:
        return ""
