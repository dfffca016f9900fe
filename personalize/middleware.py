"""``PersonalizeMiddleware``: gives every request a lazy ``request.visitor``.

On the way in it only attaches the visitor object; nothing is parsed or read until something
asks. On the way out it records a tracked page view, hands the events to the sink, saves the
profile if it changed, sets the visitor cookie and makes personalized responses private to the
browser. Any failure in that work is logged once and the response goes out untouched.
"""

from __future__ import annotations

from django.utils.cache import patch_cache_control, patch_vary_headers

from personalize.conf import cookie_options, get_setting, is_excluded
from personalize.engine.selection import CONTROL
from personalize.models import Event
from personalize.preview import add_banner
from personalize.shared_page import InertVisitor, SharedPageVisitor
from personalize.sinks import get_sink
from personalize.store import get_store
from personalize.utils import log_once
from personalize.visitor import COOKIE_SALT, CurrentVisitor

#: Set ``view.personalize_page_view = False`` (or use ``personalize.decorators.no_page_view``)
#: on views whose GET responses are not page views (JSON endpoints, beacons...).
PAGE_VIEW_ATTRIBUTE = "personalize_page_view"
#: Set ``view.personalize_shared_page = True`` (or use ``personalize.decorators.cacheable_page``)
#: on views whose responses a shared cache may serve to everyone: the visitor of such a request
#: is nobody in particular (default content, nothing tracked, no cookie, headers untouched).
SHARED_PAGE_ATTRIBUTE = "personalize_shared_page"
#: The longest referrer an event keeps: what ``Event.referrer`` holds.
MAX_REFERRER = Event._meta.get_field("referrer").max_length


class PersonalizeMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not get_setting("ENABLED"):
            # Switched off: nobody in particular, so views that read request.visitor or call
            # track() / identify() go on working; nothing is read, tracked or stored.
            request.visitor = InertVisitor(request)
            return self.get_response(request)
        if is_excluded(request.path_info):
            return self.get_response(request)
        request.visitor = CurrentVisitor(request)
        response = self.get_response(request)
        try:
            self.finish(request, request.visitor, response)
        except Exception:
            log_once("finish", "personalize: tracking this response failed.", exc_info=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        visitor = getattr(request, "visitor", None)
        if visitor is None or isinstance(visitor, InertVisitor):
            return None  # (excluded path, or personalization switched off)
        if getattr(view_func, SHARED_PAGE_ATTRIBUTE, False):
            request.visitor = SharedPageVisitor(request)
        elif not getattr(view_func, PAGE_VIEW_ATTRIBUTE, True):
            visitor.page_view_enabled = False
        return None

    def finish(self, request, visitor: CurrentVisitor, response) -> None:
        is_page = (
            visitor.is_page_request
            and 200 <= response.status_code < 300
            and response.get("Content-Type", "").startswith("text/html")
        )
        pending = is_page or bool(visitor.events) or visitor.explicit
        if visitor.tracking and pending and not visitor.loaded:
            visitor.ctx  # noqa: B018 - loading records the page view
        stored = visitor.loaded and visitor.tracking and not visitor.failed
        if stored and pending:
            events = visitor.events
            if is_page and visitor.page_recorded:
                events = [page_view_event(visitor), *events, *impression_events(visitor)]
            persist(visitor, events)
        if stored and visitor.set_cookie:
            self.set_visitor_cookie(response, visitor.cookie_value)
        if visitor.used or visitor.set_cookie:
            make_private(response, no_store=visitor.preview is not None)
        if is_page and get_setting("REQUEST_CLIENT_HINTS"):
            request_client_hints(response)
        if visitor.preview is not None and get_setting("PREVIEW_BANNER"):
            param = get_setting("PREVIEW_PARAM")
            if add_banner(request, visitor.preview, response, param):
                make_private(response, no_store=True)  # the banner is for this staff user

    @staticmethod
    def set_visitor_cookie(response, value: str) -> None:
        """``value``: the visitor id, with ":u" when linked by an unverified claim."""
        response.set_signed_cookie(
            get_setting("COOKIE_NAME"), value, salt=COOKIE_SALT, **cookie_options()
        )


def make_private(response, *, no_store: bool) -> None:
    """Keep a response for this browser only: ``Cache-Control: private`` (and ``no-store``
    for a staff preview) and ``Vary: Cookie``. Set outright on a response with neither header
    (most pages), merged with what the view set otherwise."""
    headers = response.headers
    if not headers.get("Cache-Control") and "Vary" not in headers:
        headers["Cache-Control"] = "private, no-store" if no_store else "private"
        headers["Vary"] = "Cookie"
        return
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ("Cookie",))
    if no_store:
        patch_cache_control(response, no_store=True)


#: The Client Hints ``PERSONALIZE_REQUEST_CLIENT_HINTS`` asks for: what the reduced User-Agent
#: no longer says (the OS version: Windows 11, the real Android and macOS versions).
CLIENT_HINTS = ("Sec-CH-UA-Platform-Version",)


def request_client_hints(response) -> None:
    """Ask for :data:`CLIENT_HINTS` on the next requests (``Accept-CH``, merged with what the
    view asked for). Chromium browsers send them to secure origins from then on."""
    asked = [hint.strip() for hint in response.get("Accept-CH", "").split(",") if hint.strip()]
    known = {hint.lower() for hint in asked}
    asked += [hint for hint in CLIENT_HINTS if hint.lower() not in known]
    response["Accept-CH"] = ", ".join(asked)


def persist(visitor: CurrentVisitor, events: list[dict], *, deliver: bool = False) -> None:
    """Hand ``events`` and the visitor's facts to the event sink, then save the profile if
    it changed. The visitor's pending batch (``visitor.events``) is then handed over.

    The profile is copied to the database (``Visitor.profile``) with the batch when the last
    copy is older than ``PERSONALIZE_PROFILE_SYNC_INTERVAL``, or at once when ``identify()`` or
    ``track()`` asked for it (``visitor.explicit``); events alone never force a copy, and a
    profile that did not change is not written. With ``deliver`` (the event intake, whose
    client can send the batch again) the sink takes the batch now or raises
    :class:`~personalize.sinks.SinkUnavailable`, and then nothing is saved.
    """
    profile = visitor.profile
    now = int(visitor.ctx.timestamp)
    sync = visitor.explicit or now - profile.synced >= get_setting("PROFILE_SYNC_INTERVAL")
    if events or sync:
        facts = visitor.visitor_facts()
        if sync:
            profile.synced = now
            profile.compact()
            facts["profile"] = profile.to_dict()
        batch = {"visitor": facts, "events": list(events)}
        if deliver:
            get_sink().deliver(batch)
        else:
            get_sink().emit(batch)
    if profile.dirty or sync:
        get_store().save(profile)
    visitor.events = []
    visitor.explicit = False


def page_view_event(visitor: CurrentVisitor) -> dict:
    """The ``page_view`` event of a recorded page view, from the visitor's referrer."""
    if visitor.new_visit and not visitor.is_new:
        visitor.set_cookie = True  # refresh the cookie's expiry once a visit
    referrer = referrer_for_storage(visitor.referrer)
    return visitor.event_dict("page_view", referrer=referrer, new_visit=visitor.new_visit)


def impression_events(visitor: CurrentVisitor) -> list[dict]:
    """``impression`` events for the slots decided so far, each once a visit."""
    events = []
    profile = visitor.profile
    seen = profile.seen
    for decision in visitor.decisions.values():
        if decision.preview:
            continue
        slug = CONTROL if decision.control else decision.variant_slug
        # (what mark_seen checks first, asked here: most slots of a visit were already seen)
        if seen.get(decision.slot_key) != slug and profile.mark_seen(decision.slot_key, slug):
            events.append(visitor.event_dict("impression", slot=decision.slot_key, variant=slug))
    return events


def referrer_for_storage(referrer: str) -> str:
    """A cleaned referrer as events store it: without its query string or fragment (they can
    carry personal data) and without a user name and password before the host
    (``https://user:secret@host/``: browsers never send them, a forged header can), cut to
    the length of ``Event.referrer``."""
    url = referrer.split("?", 1)[0].split("#", 1)[0]
    start = url.find("//")
    scheme = url[:start]
    if start < 0 or "/" in scheme or (scheme and not scheme.endswith(":")):
        start = 0  # no authority marker: a host may still lead ("user@host/path")
    else:
        start += 2
    end = min(
        (i for i in (url.find("/", start), url.find("\\", start)) if i >= 0), default=len(url)
    )
    at = url.rfind("@", start, end)
    if at >= 0:
        url = url[:start] + url[at + 1 :]
    return url[:MAX_REFERRER]
