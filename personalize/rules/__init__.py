"""Rule types. Each is a polymorphic child of :class:`Rule`; see ``docs/rules.md``."""

from personalize.rules.acquisition import QueryParamRule, ReferrerRule, UTMRule
from personalize.rules.base import Rule
from personalize.rules.behavioral import EventRule, PageVisitRule, VisitCountRule
from personalize.rules.composition import SegmentRule
from personalize.rules.geographic import LocationRule
from personalize.rules.technographic import DeviceRule

__all__ = [
    "DeviceRule",
    "EventRule",
    "LocationRule",
    "PageVisitRule",
    "QueryParamRule",
    "ReferrerRule",
    "Rule",
    "SegmentRule",
    "UTMRule",
    "VisitCountRule",
]
