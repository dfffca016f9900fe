"""Admin screens: segments with their rules, slots and variants, intents, visitors, events."""

from personalize.admin.audit import ExportAuditAdmin
from personalize.admin.content import SlotAdmin, VariantAdmin
from personalize.admin.intents import IntentAdmin, TopicMappingAdmin
from personalize.admin.segments import SegmentAdmin
from personalize.admin.stats import SegmentDailyStatAdmin, VariantDailyStatAdmin
from personalize.admin.visitors import EventAdmin, VisitorAdmin

__all__ = [
    "EventAdmin",
    "ExportAuditAdmin",
    "IntentAdmin",
    "SegmentAdmin",
    "SegmentDailyStatAdmin",
    "SlotAdmin",
    "TopicMappingAdmin",
    "VariantAdmin",
    "VariantDailyStatAdmin",
    "VisitorAdmin",
]
