"""The {% intent %} tag and query counts of intent reads on a warm page."""

import pytest
from django.db import connection
from django.template import TemplateSyntaxError, engines
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.urls("tests.intents.urls")


def test_intent_tag_with_and_without_else(client, deal):
    client.get("/deals/")
    request = client.get("/deals/").wsgi_request
    template = engines["django"].from_string(
        '{% load personalize %}[{% intent "deal-seeking" %}yes{% endintent %}]'
        '[{% intent "inspiration" %}yes{% else %}no{% endintent %}]'
        "[{% intent slug %}var{% endintent %}]"
    )
    assert template.render({"slug": "deal-seeking"}, request) == "[yes][no][var]"


def test_intent_tag_without_a_visitor_renders_the_else_branch(db):
    template = engines["django"].from_string(
        '{% load personalize %}{% intent "deal-seeking" %}yes{% else %}no{% endintent %}'
    )
    assert template.render({}) == "no"


def test_intent_tag_syntax_errors():
    for source in ("{% intent %}x{% endintent %}", '{% intent "a" "b" %}x{% endintent %}'):
        with pytest.raises(TemplateSyntaxError):
            engines["django"].from_string("{% load personalize %}" + source)


def test_a_warm_page_reads_intents_without_queries(client, deal, settings):
    settings.PERSONALIZE_EVENT_SINK = "tests.intents.test_tags.ListSink"
    settings.PERSONALIZE_PROFILE_SYNC_INTERVAL = 3600
    client.get("/deals/")  # cookie, profile, snapshot: warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/deals/")
    assert b"<p>deal" in response.content
    assert queries.captured_queries == []


class ListSink:
    """An event sink that keeps batches in memory (no database writes)."""

    batches: list = []

    def emit(self, batch):
        self.batches.append(batch)
