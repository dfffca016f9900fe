"""Geography: the visitor's country (and region and city when known), never storing the IP.

:func:`resolve_geo` runs the resolvers named in ``PERSONALIZE_GEO_RESOLVERS`` (dotted paths,
in order) and returns the first answer with a country:

* :class:`HeaderResolver` (``source="header"``) reads country/region/city headers set by a
  CDN or load balancer. It does nothing unless ``PERSONALIZE_GEO_TRUSTED_HEADERS`` names
  them, because any client can send such headers when the site is not behind that CDN.
* :class:`GeoIP2Resolver` (``source="geoip"``) looks the address up in a MaxMind GeoIP2 or
  GeoLite2 Country or City database (``.mmdb``) at ``PERSONALIZE_GEOIP_PATH`` (a file, or a
  directory holding ``GeoIP2-City.mmdb``, ``GeoLite2-City.mmdb``, ``GeoIP2-Country.mmdb`` or
  ``GeoLite2-Country.mmdb``). It does nothing when the setting is empty.
* :class:`EmbeddedResolver` (``source="embedded"``) uses the IPv4 + IPv6 country database
  shipped with the ``geoip2fast`` package: country only, works offline, no setup.

Privacy: the IP address is used for the lookup and then forgotten. It is never written to the
database, the cache or a log; the only copies are the keys of a few bounded in-process LRU
caches (at most :data:`LOOKUP_CACHE_SIZE` entries each) that make repeated lookups take
microseconds, and they vanish with the process.

Databases are opened lazily, once per process (and per ``GEOIP_PATH``), under a lock; call
:func:`warm_up` after forking to pay that (about 0.2 s for the embedded database) before the
first request, and :func:`clear_caches` after replacing a database file.

How ``PERSONALIZE_GEO_TRUSTED_HEADERS`` is read and validated is described in
:mod:`~personalize.tracking.geo.cdn`; which proxies :func:`client_ip` trusts, in
:mod:`~personalize.tracking.geo.ip`.

Modules
-------
* :mod:`~personalize.tracking.geo.chain`: :func:`resolve_geo`, :func:`warm_up`,
  :func:`clear_caches`.
* :mod:`~personalize.tracking.geo.cdn`: :class:`HeaderResolver`.
* :mod:`~personalize.tracking.geo.maxmind`: :class:`GeoIP2Resolver`.
* :mod:`~personalize.tracking.geo.embedded`: :class:`EmbeddedResolver`.
* :mod:`~personalize.tracking.geo.ip`: :func:`client_ip`.
* :mod:`~personalize.tracking.geo.location`: :class:`Geo` and the :class:`GeoResolver` base.
* :mod:`~personalize.tracking.geo.common`: cached settings, log-once, header access.
"""

# ``__all__`` is the public API. The ``name as name`` imports keep the other names of the former
# single module (limits, constants, cache helpers, private names tests use) importable here.
from personalize.tracking.geo.cdn import HeaderResolver
from personalize.tracking.geo.chain import clear_caches as clear_caches
from personalize.tracking.geo.chain import resolve_geo
from personalize.tracking.geo.chain import warm_up as warm_up
from personalize.tracking.geo.embedded import EmbeddedResolver
from personalize.tracking.geo.embedded import _embedded as _embedded
from personalize.tracking.geo.embedded import _embedded_lookup as _embedded_lookup
from personalize.tracking.geo.embedded import _load_embedded as _load_embedded
from personalize.tracking.geo.ip import LOOKUP_CACHE_SIZE as LOOKUP_CACHE_SIZE
from personalize.tracking.geo.ip import MAX_FORWARDED_HOPS as MAX_FORWARDED_HOPS
from personalize.tracking.geo.ip import client_ip
from personalize.tracking.geo.location import MAX_TEXT_LENGTH as MAX_TEXT_LENGTH
from personalize.tracking.geo.location import PLACEHOLDER_COUNTRIES as PLACEHOLDER_COUNTRIES
from personalize.tracking.geo.location import SOURCES as SOURCES
from personalize.tracking.geo.location import Geo, GeoResolver
from personalize.tracking.geo.maxmind import GEOIP2_FILENAMES as GEOIP2_FILENAMES
from personalize.tracking.geo.maxmind import GeoIP2Resolver
from personalize.tracking.geo.maxmind import _geoip2_lookup as _geoip2_lookup

__all__ = [
    "EmbeddedResolver",
    "Geo",
    "GeoIP2Resolver",
    "GeoResolver",
    "HeaderResolver",
    "client_ip",
    "resolve_geo",
]
