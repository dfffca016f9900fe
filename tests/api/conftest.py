import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

ORIGIN = "http://testserver"


class Browser(Client):
    """A test client that behaves like a page of the site calling the API (same origin)."""

    def post_json(self, path, data, content_type="application/json", **extra):
        body = data if isinstance(data, str | bytes) else json.dumps(data)
        extra.setdefault("HTTP_ORIGIN", ORIGIN)
        extra.setdefault("HTTP_SEC_FETCH_SITE", "same-origin")
        return self.post(path, body, content_type=content_type, **extra)

    def beacon(self, path, data, **extra):
        """What navigator.sendBeacon sends for a string body."""
        return self.post_json(path, data, content_type="text/plain;charset=UTF-8", **extra)

    def delete_same_origin(self, path, **extra):
        extra.setdefault("HTTP_ORIGIN", ORIGIN)
        return self.delete(path, **extra)

    def page(self, path, **extra):
        """A page navigation (counts as a page view)."""
        extra.setdefault("HTTP_ACCEPT", "text/html")
        extra.setdefault("HTTP_SEC_FETCH_DEST", "document")
        return self.get(path, **extra)


@pytest.fixture(autouse=True)
def steady_rate_windows(monkeypatch):
    """The rate limits' clock stands still a second into an hour, so the requests of a test
    share one window (``"1/min"``), however long they take and whenever the test runs: a
    minute that ended between two requests would open a new window and let the second one
    through. Tests of windows that roll over move ``clock.now``."""
    import time
    from types import SimpleNamespace

    from personalize.api import throttling

    clock = SimpleNamespace(now=time.time() // 3600 * 3600 + 1)
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


@pytest.fixture
def browser():
    return Browser()


@pytest.fixture
def other_browser():
    return Browser()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@fairway.test", "pw")


@pytest.fixture
def token(superuser):
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=superuser)


@pytest.fixture
def staff_client(token):
    """Another system, authenticated with a token."""
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def make_user(django_user_model, name, *codenames):
    user = django_user_model.objects.create_user(name, f"{name}@fairway.test", "pw")
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="personalize", codename__in=codenames)
    )
    return user


@pytest.fixture
def user_factory(django_user_model):
    def factory(name, *codenames):
        return make_user(django_user_model, name, *codenames)

    return factory


def visitor_id(client) -> str | None:
    """The visitor id in a test client's signed cookie."""
    from django.core import signing

    from personalize.visitor import COOKIE_SALT

    morsel = client.cookies.get("personalize_vid")
    if morsel is None or not morsel.value:
        return None
    salt = signing._cookie_signer_salt("personalize_vid", COOKIE_SALT)
    return signing.get_cookie_signer(salt=salt).unsign(morsel.value)


@pytest.fixture
def buffered_sink(settings, monkeypatch, use_sink):
    """The buffered sink, on the Redis of ``REDIS_URL`` when there is one, else on a stand-in
    that keeps what is pushed. Returns a function giving the batches pushed so far."""
    import os
    import uuid

    from personalize import buffer

    key = f"personalize-tests-{os.getpid()}-{uuid.uuid4().hex[:8]}:events"
    settings.PERSONALIZE_BUFFER_KEY = key
    url = os.environ.get("REDIS_URL")
    if url:
        import redis

        settings.PERSONALIZE_BUFFER_REDIS_URL = url
        client = redis.Redis.from_url(url, socket_timeout=2)
        pushed = None
    else:
        pushed = []

        def run(client, source, keys, args):
            pushed.extend(args[1:])
            return len(args) - 1

        monkeypatch.setattr(buffer, "get_client", lambda worker=False: object())
        monkeypatch.setattr(buffer, "run", run)
    use_sink("personalize.sinks.BufferedSink")

    def batches() -> list[dict]:
        raw = client.lrange(key, 0, -1) if pushed is None else pushed
        return [json.loads(item) for item in raw]

    yield batches
    if pushed is None:
        client.delete(key, f"{key}:dropped")
        client.close()
