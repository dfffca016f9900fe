"""``segments/<slug>/members/``: the member list of a static segment, audited page by page."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination

from personalize.api.base import StaffAPIMixin, operation_schema
from personalize.api.errors import APIError
from personalize.api.permissions import CanExportSegment
from personalize.api.serializers.base import SLUG
from personalize.api.views.common import error_responses
from personalize.conf import get_setting
from personalize.models import Membership, Segment
from personalize.services.export import record_export


class MemberSerializer(serializers.ModelSerializer):
    visitor = serializers.UUIDField(source="visitor.pk", format="hex")
    email = serializers.EmailField(source="visitor.email", allow_null=True)
    user = serializers.IntegerField(source="visitor.user_id", allow_null=True)
    first_seen = serializers.DateTimeField(source="visitor.first_seen")
    last_seen = serializers.DateTimeField(source="visitor.last_seen")
    visits = serializers.IntegerField(source="visitor.visit_count")
    page_views = serializers.IntegerField(source="visitor.page_views")
    country = serializers.CharField(source="visitor.country")
    language = serializers.CharField(source="visitor.language")
    traits = serializers.DictField(source="visitor.traits")
    added = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Membership
        fields = [
            "visitor",
            "email",
            "user",
            "first_seen",
            "last_seen",
            "visits",
            "page_views",
            "country",
            "language",
            "traits",
            "added",
        ]
        read_only_fields = fields


class MemberPagination(CursorPagination):
    """Stable pages however the list changes meanwhile; ``page_size`` up to
    ``PERSONALIZE_API_EXPORT_MAX_PAGE_SIZE``."""

    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        self.max_page_size = get_setting("API_EXPORT_MAX_PAGE_SIZE")
        return super().get_page_size(request)


class SegmentMembersView(StaffAPIMixin, generics.ListAPIView):
    """Members of a static segment (its list as of the last rebuild)."""

    permission_classes = [CanExportSegment]
    serializer_class = MemberSerializer
    pagination_class = MemberPagination

    @operation_schema(
        operation_id="export_segment_members",
        summary="Export the members of a static segment",
        description=(
            "Needs the `personalize.export_segment` permission. Each page served is recorded "
            "(user, segment, row count) in the export audit and the `personalize.audit` log. "
            "Dynamic segments have no member list: 409."
        ),
        parameters=[
            OpenApiParameter("cursor", str, description="Opaque position from `next`."),
            OpenApiParameter(
                "page_size", int, description="Members per page (capped by the setting)."
            ),
        ],
        responses={200: MemberSerializer(many=True), **error_responses(401, 403, 404, 409)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_segment(self) -> Segment:
        slug = str(self.kwargs.get("slug", ""))
        if not SLUG.match(slug):
            raise APIError(404, "not_found", _("No segment has this slug."))
        segment = get_object_or_404(Segment, slug=slug)
        if not segment.is_static:
            raise APIError(
                409,
                "dynamic_segment",
                _(
                    "This segment is dynamic: its members are evaluated live and are not "
                    "stored. Make it static to export a member list."
                ),
            )
        return segment

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        self.segment = self.get_segment()
        return Membership.objects.filter(segment=self.segment).select_related("visitor")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        rows = len(response.data.get("results", ()))
        page = str(request.query_params.get("cursor", ""))
        record_export(request.user, self.segment, rows, page=page)
        return response
