"""API views, one module per resource."""

from personalize.api.views.decisions import DecisionView
from personalize.api.views.events import EventIntakeView
from personalize.api.views.export import SegmentMembersView
from personalize.api.views.schema import SchemaView
from personalize.api.views.staff import IntentViewSet, SegmentViewSet, SlotViewSet, VariantViewSet
from personalize.api.views.stats import VariantStatsView
from personalize.api.views.visitor import ConsentView, VisitorView

__all__ = [
    "ConsentView",
    "DecisionView",
    "EventIntakeView",
    "IntentViewSet",
    "SchemaView",
    "SegmentMembersView",
    "SegmentViewSet",
    "SlotViewSet",
    "VariantStatsView",
    "VariantViewSet",
    "VisitorView",
]
