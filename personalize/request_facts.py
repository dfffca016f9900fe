"""What one request says about its visitor, before any profile is read.

Each fact is parsed on first use and memoized: the traffic source, device, location and
languages; whether the visitor may be tracked (bots, prefetches, consent, staff previews);
whether the request is a page view; and the signed visitor cookie.
"""

from __future__ import annotations

import functools
import uuid

from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed
from django.http import HttpRequest, QueryDict
from django.http.request import split_domain_port, validate_host
from django.utils.functional import cached_property

from personalize.conf import django_setting, get_setting
from personalize.models import Event
from personalize.preview import Preview
from personalize.tracking import consent
from personalize.tracking.devices import Device, detect_device, is_bot, is_prefetch
from personalize.tracking.geo import Geo, resolve_geo
from personalize.tracking.headers import (
    MAX_REFERRER,
    clean_query,
    clean_text,
    meta_text,
    parse_accept_language,
)
from personalize.tracking.referrer import Source, classify_cached
from personalize.utils import log_once

COOKIE_SALT = "personalize.visitor"
UNVERIFIED_FLAG = "u"
#: Longer visitor cookie values are forged (a signed id with its flag takes under 100
#: characters): replaced at once, never parsed nor remembered by :func:`_read_cookie`.
MAX_COOKIE = 200
#: The longest path kept: what ``Event.path`` (where page views store it) holds.
MAX_PATH = Event._meta.get_field("path").max_length


class RequestFacts:
    """The request side of :class:`personalize.visitor.CurrentVisitor`."""

    def __init__(self, request):
        self._request = request
        self.page_view_enabled = True  # a view can opt out (see the middleware)

    @cached_property
    def _meta(self):
        return self._request.META

    @cached_property
    def path(self) -> str:
        return clean_text(self._request.path, MAX_PATH) or "/"

    @cached_property
    def query(self) -> dict[str, str]:
        try:
            query_string = unparsed_query_string(self._request)
            if query_string is None:
                return clean_query(self._request.GET)
            if not query_string:
                return {}
            return dict(_clean_query_string(query_string, *_query_settings(self._request)))
        except Exception:  # e.g. Django's TooManyFieldsSent
            return {}

    @cached_property
    def device(self) -> Device:
        return detect_device(self._meta)

    @cached_property
    def geo(self) -> Geo:
        try:
            return resolve_geo(self._meta)
        except Exception:
            log_once("geo", "personalize: geo resolution failed.", exc_info=True)
            return Geo()

    @cached_property
    def languages(self) -> tuple[str, ...]:
        return parse_accept_language(meta_text(self._meta, "HTTP_ACCEPT_LANGUAGE", 500))

    @cached_property
    def referrer(self) -> str:
        """The ``Referer`` header, cleaned and cut as ``clean_referrer`` does for the script's."""
        return meta_text(self._meta, "HTTP_REFERER", MAX_REFERRER)

    @cached_property
    def request_source(self) -> Source:
        """How this request arrived (referrer, UTM, click ids)."""
        return self._classify(self.referrer, self.query)

    def _classify(self, referrer: str, query: dict[str, str]) -> Source:
        try:
            host = request_host(self._request)
        except Exception:
            host = ""
        internal = tuple(get_setting("INTERNAL_HOSTS"))
        return classify_cached(referrer, query, request_host=host, internal_hosts=internal)

    @cached_property
    def is_bot(self) -> bool:
        return is_bot(self._meta)

    @cached_property
    def preview(self) -> Preview | None:
        name = get_setting("PREVIEW_PARAM")
        query_string = unparsed_query_string(self._request)
        if query_string is not None and not _may_name(query_string, name, self._request):
            return None  # (without parsing the query string only to find it absent)
        try:
            raw = self._request.GET.get(name)
        except Exception:  # e.g. Django's TooManyFieldsSent
            return None
        if not raw:
            return None
        user = getattr(self._request, "user", None)
        if not (
            user and user.is_active and user.is_staff and user.has_perm("personalize.view_segment")
        ):
            return None
        return Preview.parse(raw)

    @cached_property
    def tracking(self) -> bool:
        """Whether this request may create or update a visitor profile and events."""
        try:
            return self._tracking()
        except Exception:
            log_once(
                "tracking",
                "personalize: cannot tell whether to track; not tracking.",
                exc_info=True,
            )
            return False

    def _tracking(self) -> bool:
        return not self.is_speculative and self._trackable()

    def _trackable(self) -> bool:
        """Whether the request may be tracked, speculation aside."""
        request = self._request
        if request.method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            return False  # HEAD, OPTIONS...
        if self.is_bot or self.preview is not None or getattr(request, "is_preview", False):
            return False  # (``is_preview``: a CMS's preview of a page, e.g. Wagtail's)
        return consent.tracking_allowed(request)

    @cached_property
    def is_speculative(self) -> bool:
        """A prefetch or prerender: the browser may never show the page."""
        return is_prefetch(self._meta)

    @cached_property
    def counted_when_shown(self) -> bool:
        """A page a tracked visitor's browser asked for speculatively (prefetch, prerender).

        The server neither counts nor records it: the page may never be shown. The page's
        script (``{% personalize_js %}``) sends the page view when the page is shown (at once
        for a prefetched page, which loads only when followed; on activation for a
        prerendered one).
        """
        try:
            return self.is_speculative and self.is_page_request and self._trackable()
        except Exception:
            log_once(
                "speculative",
                "personalize: cannot tell whether to count a prefetched page; not counting.",
                exc_info=True,
            )
            return False

    @cached_property
    def is_page_request(self) -> bool:
        """A GET that looks like a page navigation (not an API call or an asset)."""
        if self._request.method != "GET" or not self.page_view_enabled:
            return False
        meta = self._meta
        dest = meta.get("HTTP_SEC_FETCH_DEST")
        if dest:
            return dest in ("document", "iframe")
        if meta.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest":
            return False
        accept = meta.get("HTTP_ACCEPT", "")
        return not accept or "text/html" in accept or accept.startswith("*/*")

    @cached_property
    def _cookie(self) -> tuple[str | None, bool]:
        """(visitor id, linked by an unverified claim) from the signed visitor cookie."""
        name = get_setting("COOKIE_NAME")
        raw = self._request.COOKIES.get(name)
        if raw is None or len(raw) > MAX_COOKIE:
            return None, False  # (too long to be ours: forged, and not worth remembering)
        return _read_cookie(name, raw)

    @property
    def cookie_id(self) -> str | None:
        return self._cookie[0]

    @cached_property
    def linked_unverified(self) -> bool:
        """This browser reached its profile through an e-mail address it did not prove.

        Such a browser is personalized from the shared profile but may not read or erase what
        is stored about it through the self-service API (see ``services/identity.py``).
        """
        return self._cookie[1]

    @property
    def cookie_value(self) -> str:
        return f"{self.id}:{UNVERIFIED_FLAG}" if self.linked_unverified else self.id


#: Longest query string whose cleaned parameters are remembered (see :func:`unparsed_query_string`).
MAX_QUERY_STRING = 2000


def unparsed_query_string(request) -> str | None:
    """The query string ``request.GET`` is to be parsed from, while it is not parsed yet.

    Only for Django's own ``WSGIRequest`` (whose ``GET`` is parsed on first use from
    ``QUERY_STRING``), and at most :data:`MAX_QUERY_STRING` characters; else None: ask
    ``request.GET``. Lets the visitor read the parameters without parsing them for each
    request when the view never does.
    """
    if type(request) is not WSGIRequest or "GET" in request.__dict__:
        return None
    value = request.environ.get("QUERY_STRING", "")
    return value if isinstance(value, str) and len(value) <= MAX_QUERY_STRING else None


def _query_settings(request) -> tuple:
    """What parsing a query string depends on besides the string (see ``QueryDict``)."""
    return (
        request.encoding,
        django_setting("DEFAULT_CHARSET"),
        django_setting("DATA_UPLOAD_MAX_NUMBER_FIELDS"),
    )


@functools.lru_cache(maxsize=512)
def _clean_query_string(query_string: str, encoding, _charset, _max_fields) -> dict[str, str]:
    """``clean_query(request.GET)`` for a request whose ``GET`` would be parsed from
    ``query_string`` (as ``WSGIRequest.GET`` does), remembered by value (bounded LRU; the
    settings ``QueryDict`` reads are part of the key). Callers copy the result."""
    return clean_query(QueryDict(query_string.encode("iso-8859-1"), encoding=encoding))


def _may_name(query_string: str, name, request) -> bool:
    """Whether parameter ``name`` may be in ``query_string``: False only when it surely is
    not (a plain ASCII name that appears nowhere, nothing percent-encoded, and the query
    string read as UTF-8, where ASCII stays as it is)."""
    if not (isinstance(name, str) and name.isascii() and name.replace("_", "").isalnum()):
        return True
    encoding = request.encoding or django_setting("DEFAULT_CHARSET")
    if not isinstance(encoding, str) or encoding.lower().replace("-", "") != "utf8":
        return True
    return name in query_string or "%" in query_string


#: Longer hosts never name this site for referrer classification (see ``referrer.hosts``).
MAX_HOST = 300


def request_host(request) -> str:
    """``request.get_host()``, or "" for a host ``ALLOWED_HOSTS`` refuses (never raises) and
    for one longer than :data:`MAX_HOST` (it could not match a referrer anyway).

    The check of a host against ``ALLOWED_HOSTS`` is remembered by value: a site is reached
    under a few hosts, and a forged ``Host`` header is checked like any other. Requests whose
    class has its own ``get_host`` ask it, as do all requests on a Django whose ``HttpRequest``
    no longer reads the raw host with ``_get_raw_host()``.
    """
    raw_host = getattr(request, "_get_raw_host", None)  # what get_host() checks, unchecked
    if raw_host is None or getattr(type(request), "get_host", None) is not HttpRequest.get_host:
        try:
            return request.get_host()
        except Exception:  # DisallowedHost
            return ""
    host = raw_host()
    if not isinstance(host, str) or len(host) > MAX_HOST:
        return ""
    allowed = django_setting("ALLOWED_HOSTS")
    if not allowed and django_setting("DEBUG"):  # as get_host() does
        allowed = (".localhost", "127.0.0.1", "[::1]")
    return _allowed_host(host, tuple(allowed))


@functools.lru_cache(maxsize=256)
def _allowed_host(host: str, allowed_hosts: tuple[str, ...]) -> str:
    domain, _port = split_domain_port(host)
    return host if domain and validate_host(domain, allowed_hosts) else ""


@functools.lru_cache(maxsize=4096)
def _read_cookie(name: str, raw: str) -> tuple[str | None, bool]:
    """What the raw value of the visitor cookie ``name`` says, remembered (bounded LRU).

    A returning browser sends the same signed value on every request, and checking its
    signature (an HMAC) is the dearest part of reading it. Forgotten when a setting that
    signing depends on changes.
    """
    jar = HttpRequest()
    jar.COOKIES[name] = raw
    try:
        value = jar.get_signed_cookie(name, default=None, salt=COOKIE_SALT)
        if not value:
            return None, False
        visitor_id, _, flag = value.partition(":")
        return uuid.UUID(hex=visitor_id).hex, flag == UNVERIFIED_FLAG
    except Exception:
        return None, False  # forged, truncated or malformed: replaced by a fresh id


#: The settings a signed cookie's signature depends on.
SIGNING_SETTINGS = frozenset(
    {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "SIGNING_BACKEND", "SIGNED_COOKIE_LEGACY_SALT_FALLBACK"}
)


def _forget_cookies(*, setting: str, **kwargs) -> None:
    if setting in SIGNING_SETTINGS:
        _read_cookie.cache_clear()


setting_changed.connect(_forget_cookies, dispatch_uid="personalize.request_facts.cookies")
