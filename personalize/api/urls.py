"""URLs of the REST API, included by ``personalize.urls`` under ``api/``.

Names live in the ``personalize`` namespace: ``personalize:api-decisions``…
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from personalize.api import views

router = SimpleRouter()
router.register("segments", views.SegmentViewSet, basename="api-segment")
router.register("intents", views.IntentViewSet, basename="api-intent")
router.register("slots", views.SlotViewSet, basename="api-slot")
router.register("variants", views.VariantViewSet, basename="api-variant")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="api-schema"),
    path("decisions/", views.DecisionView.as_view(), name="api-decisions"),
    path("events/", views.EventIntakeView.as_view(), name="api-events"),
    path("visitor/", views.VisitorView.as_view(), name="api-visitor"),
    path("visitor/consent/", views.ConsentView.as_view(), name="api-consent"),
    path(
        "segments/<str:slug>/members/",
        views.SegmentMembersView.as_view(),
        name="api-segment-members",
    ),
    path("stats/", views.VariantStatsView.as_view(), name="api-stats"),
    *router.urls,
]
