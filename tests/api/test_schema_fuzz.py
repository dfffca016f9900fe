"""Schema-driven fuzzing: schemathesis generates requests for every operation of the OpenAPI
schema and sends them to the WSGI application in-process; none may get a 5xx.

Staff operations run as a superuser (token); visitor operations as a page of the site (same
Origin). Rate limits are lifted so the fuzzer reaches the code behind them. Each operation
gets a bounded number of examples so the whole test takes about a minute.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

SCHEMA_URL = "/personalize/api/schema/"
EXAMPLES = 60


@pytest.fixture
def wsgi_app(settings):
    """The project's WSGI app, sharing the test's database connection and transaction."""
    settings.PERSONALIZE_API_RATE_PER_VISITOR = None
    settings.PERSONALIZE_API_RATE_PER_ADDRESS = None
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def operations(app):
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, app)
    for result in schema.get_all_operations():
        yield result.ok()


@pytest.mark.slow
@pytest.mark.django_db
def test_no_server_errors(demo, token, wsgi_app):
    headers = {"Authorization": f"Token {token.key}", "Origin": "http://localhost"}
    seen = []
    for operation in operations(wsgi_app):
        seen.append(f"{operation.method.upper()} {operation.path}")

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def no_server_error(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}\n"
                f"{case.as_curl_command()}\n{response.text[:2000]}"
            )

        no_server_error()
    assert len(seen) >= 20  # every operation of the schema was exercised


def test_the_schema_describes_every_endpoint(db, client):
    # Built by drf-spectacular on a project that left REST framework's own schema class as its
    # default (the test settings, like the README's install, say nothing about it).
    from rest_framework.schemas.openapi import AutoSchema
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_SCHEMA_CLASS is AutoSchema
    response = client.get(SCHEMA_URL, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    paths = set(schema["paths"])
    assert paths == {
        "/personalize/api/decisions/",
        "/personalize/api/events/",
        "/personalize/api/visitor/",
        "/personalize/api/visitor/consent/",
        "/personalize/api/segments/",
        "/personalize/api/segments/{slug}/",
        "/personalize/api/segments/{slug}/members/",
        "/personalize/api/intents/",
        "/personalize/api/intents/{slug}/",
        "/personalize/api/slots/",
        "/personalize/api/slots/{key}/",
        "/personalize/api/variants/",
        "/personalize/api/variants/{id}/",
        "/personalize/api/stats/",
    }
    rule = schema["components"]["schemas"]["Rule"]
    from personalize.api.serializers.rules import rule_types

    assert set(rule["discriminator"]["mapping"]) == set(rule_types())
    assert "visitorCookie" in schema["components"]["securitySchemes"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]
