"""Models of django-personalize. Rule types live in :mod:`personalize.rules`."""

from personalize.models.content import Slot, Variant
from personalize.models.intent import Intent, IntentSignal, TopicMapping
from personalize.models.segment import Segment
from personalize.models.stats import SegmentDailyStat, VariantDailyStat
from personalize.models.visitor import ErasedVisitor, Event, Membership, Visitor
from personalize.rules import (
    DeviceRule,
    EventRule,
    LocationRule,
    PageVisitRule,
    QueryParamRule,
    ReferrerRule,
    Rule,
    SegmentRule,
    UTMRule,
    VisitCountRule,
)

__all__ = [
    "DeviceRule",
    "ErasedVisitor",
    "Event",
    "EventRule",
    "Intent",
    "IntentSignal",
    "LocationRule",
    "Membership",
    "PageVisitRule",
    "QueryParamRule",
    "ReferrerRule",
    "Rule",
    "Segment",
    "SegmentDailyStat",
    "SegmentRule",
    "Slot",
    "TopicMapping",
    "UTMRule",
    "Variant",
    "VariantDailyStat",
    "VisitCountRule",
    "Visitor",
]
