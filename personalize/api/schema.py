"""OpenAPI descriptions drf-spectacular cannot infer: the visitor cookie and polymorphic rules.

Imported by the schema view, so the extensions are registered before any schema is built.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.plumbing import ResolvedComponent

from personalize.conf import get_setting


class VisitorCookieScheme(OpenApiAuthenticationExtension):
    target_class = "personalize.api.authentication.MiddlewareUserAuthentication"
    name = "visitorCookie"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": get_setting("COOKIE_NAME"),
            "description": "The signed visitor cookie set by the site's pages (optional: a "
            "new visitor gets one). Calls must come from the site's own origin.",
        }

    def get_security_requirement(self, auto_schema):
        return [{self.name: []}, {}]  # the cookie is optional


class RuleSerializerScheme(OpenApiSerializerExtension):
    """``oneOf`` the rule types, told apart by ``type``; every installed rule type is listed."""

    target_class = "personalize.api.serializers.rules.RuleSerializer"

    def get_name(self, auto_schema, direction):
        return "Rule"

    def map_serializer(self, auto_schema, direction):
        from personalize.api.serializers.rules import rule_types, serializer_for

        refs = {}
        for name, model in rule_types().items():
            component = auto_schema.resolve_serializer(serializer_for(model)(), direction)
            if not isinstance(component, ResolvedComponent) or component.ref is None:
                continue
            refs[name] = component.ref
        return {
            "oneOf": list(refs.values()),
            "discriminator": {
                "propertyName": "type",
                "mapping": {name: ref["$ref"] for name, ref in refs.items()},
            },
        }
