"""The intent admin: signals edited inline, bad patterns refused with a field error."""

import pytest

from personalize.models import Intent, IntentSignal, TopicMapping

pytestmark = pytest.mark.django_db


def post_intent(client, signals, **fields):
    data = {
        "name": "Deal seeking",
        "slug": "deal-seeking",
        "description": "",
        "threshold": "10",
        "half_life_hours": "24",
        "is_active": "on",
        "signals-TOTAL_FORMS": str(len(signals)),
        "signals-INITIAL_FORMS": "0",
        "signals-MIN_NUM_FORMS": "0",
        "signals-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, signal in enumerate(signals):
        values = {
            "parameter": "",
            "operator": "equals",
            "min_count": "1",
            "points": "5",
            "cap": "20",
            **signal,
        }
        for name, value in values.items():
            data[f"signals-{index}-{name}"] = str(value)
    return client.post("/admin/personalize/intent/add/", data)


def signal_errors(response) -> list[dict]:
    (formset,) = response.context["inline_admin_formsets"]
    return [dict(errors) for errors in formset.formset.errors]


def test_intent_with_signals_is_saved(admin_client):
    response = post_intent(
        admin_client,
        [
            {"kind": "page_path", "operator": "starts_with", "pattern": "/deals/"},
            {"kind": "referrer_medium", "pattern": "Email, social"},
        ],
    )
    assert response.status_code == 302
    intent = Intent.objects.get(slug="deal-seeking")
    medium = intent.signals.get(kind="referrer_medium")
    assert (medium.operator, medium.pattern) == ("in", "email, social")
    change = admin_client.get(f"/admin/personalize/intent/{intent.pk}/change/")
    assert b"arrives from a medium that is one of email, social: +5 points, up to 20" in (
        change.content
    )


@pytest.mark.parametrize(
    ("signal", "field", "message"),
    [
        (
            {"kind": "page_path", "operator": "regex", "pattern": "(unclosed"},
            "pattern",
            "Not a valid regular expression",
        ),
        (
            {"kind": "page_path", "operator": "regex", "pattern": "(a+)+$"},
            "pattern",
            "Nested repetition",
        ),
        (
            {"kind": "search_term", "operator": "contains", "pattern": ""},
            "pattern",
            "Enter a value",
        ),
        (
            {"kind": "utm", "operator": "equals", "pattern": "sale"},
            "parameter",
            "Name the parameter",
        ),
        (
            {"kind": "query_param", "operator": "exists", "pattern": ""},
            "parameter",
            "Name the parameter",
        ),
        ({"kind": "referrer_medium", "pattern": "newspaper"}, "pattern", "Unknown medium"),
        (
            {"kind": "page_path", "operator": "starts_with", "pattern": "/x", "points": "5000"},
            "points",
            "less than or equal to 1000",
        ),
        (
            {"kind": "page_path", "operator": "starts_with", "pattern": "/x", "min_count": "0"},
            "min_count",
            "greater than or equal to 1",
        ),
    ],
)
def test_bad_signals_are_refused_with_a_field_error(admin_client, signal, field, message):
    response = post_intent(admin_client, [signal])
    assert response.status_code == 200
    (errors,) = signal_errors(response)
    assert message in " ".join(errors[field])
    assert not Intent.objects.exists()
    assert not IntentSignal.objects.exists()


def test_bad_intent_fields_are_refused(admin_client):
    response = post_intent(admin_client, [], threshold="0", half_life_hours="-1")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"threshold", "half_life_hours"}


def test_topic_mappings_are_edited_and_validated(admin_client):
    data = {
        "operator": "starts_with",
        "path": "/clubs/",
        "topics": "Golf, Equipment",
        "points": "1",
    }
    response = admin_client.post("/admin/personalize/topicmapping/add/", data)
    assert response.status_code == 302
    assert TopicMapping.objects.get().topics == "golf, equipment"
    named = admin_client.post(
        "/admin/personalize/topicmapping/add/", {**data, "topics": "Golf Clubs!", "path": "/x/"}
    )
    assert named.status_code == 302
    assert TopicMapping.objects.get(path="/x/").topics == "golf-clubs"
    bad = admin_client.post(
        "/admin/personalize/topicmapping/add/", {**data, "topics": "golf, ?!", "path": "/y/"}
    )
    assert bad.context["adminform"].form.errors["topics"] == [
        "Not usable as topics: ?!. Use a few words or letters each."
    ]
    bad = admin_client.post(
        "/admin/personalize/topicmapping/add/", {**data, "operator": "regex", "path": "(("}
    )
    assert "path" in bad.context["adminform"].form.errors
