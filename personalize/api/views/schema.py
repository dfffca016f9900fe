"""``schema/``: the OpenAPI 3 description of this API (and of nothing else in the project)."""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

import personalize
from personalize.api import schema as _extensions  # noqa: F401 - registers the extensions
from personalize.api.throttling import AddressRateThrottle


class PersonalizeSchemaGenerator(SchemaGenerator):
    """Only the endpoints of ``personalize.api``, wherever the project mounts them."""

    def _initialise_endpoints(self):
        super()._initialise_endpoints()
        self.endpoints = [
            endpoint
            for endpoint in self.endpoints
            if getattr(endpoint[3], "cls", None) is not None
            and endpoint[3].cls.__module__.startswith("personalize.api.")
            and not issubclass(endpoint[3].cls, SpectacularAPIView)
        ]


class SchemaView(SpectacularAPIView):
    """The schema is public: it describes shapes, never data."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AddressRateThrottle]  # building the schema costs CPU: bound it
    generator_class = PersonalizeSchemaGenerator
    custom_settings = {
        "TITLE": "django-personalize API",
        "DESCRIPTION": (
            "Decisions for client-side slots and headless front-ends, event intake, visitor "
            "self-service, and staff management of segments, intents, slots and variants. "
            "See docs/api.md."
        ),
        "VERSION": personalize.__version__,
        "COMPONENT_SPLIT_REQUEST": True,
        "ENUM_NAME_OVERRIDES": {
            "TextOperatorEnum": "personalize.rules.matching.TextOperator",
            "NumberOperatorEnum": "personalize.rules.matching.NumberOperator",
        },
    }
