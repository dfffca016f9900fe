"""Rule types. Each is a polymorphic child of :class:`Rule`; see ``docs/rules.md``."""

from personalize.rules.acquisition import (
    LandingPageRule,
    QueryParamRule,
    ReferrerRule,
    SearchTermRule,
    UTMRule,
)
from personalize.rules.base import Rule
from personalize.rules.behavioral import EventRule, PageVisitRule, RecencyRule, VisitCountRule
from personalize.rules.composition import IntentRule, SampleRule, SegmentRule
from personalize.rules.context import DateRangeRule, DayOfWeekRule, TimeOfDayRule
from personalize.rules.demographic import TraitRule, UserRule
from personalize.rules.geographic import LocationRule
from personalize.rules.psychographic import InterestRule
from personalize.rules.technographic import BrowserRule, DeviceRule, LanguageRule, OSRule

__all__ = [
    "BrowserRule",
    "DateRangeRule",
    "DayOfWeekRule",
    "DeviceRule",
    "EventRule",
    "IntentRule",
    "InterestRule",
    "LandingPageRule",
    "LanguageRule",
    "LocationRule",
    "OSRule",
    "PageVisitRule",
    "QueryParamRule",
    "RecencyRule",
    "ReferrerRule",
    "Rule",
    "SampleRule",
    "SearchTermRule",
    "SegmentRule",
    "TimeOfDayRule",
    "TraitRule",
    "UTMRule",
    "UserRule",
    "VisitCountRule",
]
