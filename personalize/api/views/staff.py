"""Staff CRUD: segments (with rules), intents (with signals), slots, variants."""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.pagination import PageNumberPagination

from personalize.api.base import StaffAPIMixin, operation_schema
from personalize.api.serializers.base import SLUG
from personalize.api.serializers.definitions import (
    IntentSerializer,
    SegmentSerializer,
    SlotSerializer,
    VariantSerializer,
)
from personalize.api.views.common import error_responses
from personalize.models import Intent, Segment, Slot, Variant
from personalize.rules.base import prefetch_rules

ID = re.compile(r"^[0-9]{1,18}$")
ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415)


class StaffPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def crud_schema(name: str, serializer, list_parameters=()):
    return extend_schema_view(
        list=operation_schema(
            summary=f"List {name}s",
            parameters=list(list_parameters),
            responses={200: serializer, **ERRORS},
        ),
        retrieve=operation_schema(summary=f"Get a {name}", responses={200: serializer, **ERRORS}),
        create=operation_schema(summary=f"Create a {name}", responses={201: serializer, **ERRORS}),
        update=operation_schema(summary=f"Replace a {name}", responses={200: serializer, **ERRORS}),
        partial_update=operation_schema(
            summary=f"Update a {name}", responses={200: serializer, **ERRORS}
        ),
        destroy=operation_schema(summary=f"Delete a {name}", responses={204: None, **ERRORS}),
    )


class DefinitionViewSet(StaffAPIMixin, viewsets.ModelViewSet):
    """CRUD over one definition model. Each write is one statement, or one transaction where
    children change with their parent (a segment's rules, an intent's signals: see the
    serializers), and bumps the definitions' version through the models' signals, so every
    process serves the change within a second."""

    pagination_class = StaffPagination
    lookup_value_regex = "[^/]+"

    def get_object(self):
        value = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        if not (ID if self.lookup_field == "pk" else SLUG).match(value):
            raise exceptions.NotFound()
        return super().get_object()


@crud_schema("segment", SegmentSerializer)
class SegmentViewSet(DefinitionViewSet):
    """Segments with their rules (``type``-tagged, one shape per rule type)."""

    queryset = Segment.objects.order_by("name", "pk")
    serializer_class = SegmentSerializer
    lookup_field = "slug"

    # The rules of the segments shown and what the rules refer to, loaded at once.
    def paginate_queryset(self, queryset):
        return prefetch_rules(super().paginate_queryset(queryset))

    def get_object(self):
        (segment,) = prefetch_rules([super().get_object()])
        return segment


@crud_schema("intent", IntentSerializer)
class IntentViewSet(DefinitionViewSet):
    """Intents with their signals."""

    queryset = Intent.objects.prefetch_related("signals").order_by("name", "pk")
    serializer_class = IntentSerializer
    lookup_field = "slug"


@crud_schema("slot", SlotSerializer)
class SlotViewSet(DefinitionViewSet):
    """Slots; their variants are at ``variants/?slot=<key>``."""

    queryset = Slot.objects.prefetch_related("variants").order_by("key")
    serializer_class = SlotSerializer
    lookup_field = "key"


@crud_schema(
    "variant",
    VariantSerializer,
    [OpenApiParameter("slot", str, description="Only the variants of the slot with this key.")],
)
class VariantViewSet(DefinitionViewSet):
    """Variants of slots (by id)."""

    queryset = Variant.objects.select_related("slot", "segment", "intent").order_by(
        "slot__key", "-priority", "pk"
    )
    serializer_class = VariantSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and "slot" in self.request.query_params:
            key = self.request.query_params["slot"]
            if not SLUG.match(key):
                raise exceptions.ValidationError({"slot": ["Not a slot key."]})
            queryset = queryset.filter(slot__key=key)
        return queryset
