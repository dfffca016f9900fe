import json

import pytest


def post_json(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def identify(client, headers=None, **data):
    return post_json(client, "/t/identify/", data, **(headers or {}))


def track(client, name, value=None, headers=None, **properties):
    data = {"name": name, "value": value, **properties}
    return post_json(client, "/t/track/", data, **(headers or {}))


@pytest.fixture
def fresh_client():
    """Another browser (a second device)."""
    from django.test import Client

    return Client()


def cookie_id(client) -> str | None:
    """The visitor id in the browser's signed visitor cookie."""
    from django.http import HttpRequest

    from personalize.visitor import COOKIE_SALT

    morsel = client.cookies.get("personalize_vid")
    if morsel is None or not morsel.value:
        return None
    request = HttpRequest()
    request.COOKIES = {"personalize_vid": morsel.value}
    value = request.get_signed_cookie("personalize_vid", salt=COOKIE_SALT)
    return value.partition(":")[0]  # ":u" marks a browser linked by an unverified claim


def linked_unverified(client) -> bool:
    from django.http import HttpRequest

    from personalize.visitor import COOKIE_SALT

    request = HttpRequest()
    request.COOKIES = {"personalize_vid": client.cookies["personalize_vid"].value}
    return request.get_signed_cookie("personalize_vid", salt=COOKIE_SALT).endswith(":u")
