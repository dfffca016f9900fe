"""Serializers of the API, by concern: rules (polymorphic), definitions, visitor-facing."""
