"""A page prerendered by Speculation Rules is counted only when the visitor is shown it.

Chromium does not prerender while DevTools (and so playwright) is attached to the tab, so this
test starts Chromium itself, headless, on a page of the live server that asks for the
prerender and, a few seconds later, goes to the prerendered page (its activation). What the
browser asked, and when, is seen by the server.
"""

import subprocess
import time

import pytest
from django.core.signals import request_started

from personalize.models import Event
from tests.browser.conftest import chromium_path, eventually

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AFTER_MS = 3000


@pytest.fixture
def seen():
    """(time, path with query, Sec-Purpose) of each request the live server gets."""
    requests = []

    def record(sender, environ, **kwargs):
        query = environ.get("QUERY_STRING")
        path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        requests.append((time.monotonic(), path, environ.get("HTTP_SEC_PURPOSE", "")))

    request_started.connect(record)
    yield requests
    request_started.disconnect(record)


@pytest.fixture
def headless_chromium(tmp_path, chromium):
    """Start Chromium on a URL, without DevTools; stopped at the end."""
    processes = []

    def start(url):
        args = [chromium_path(), "--headless", "--no-sandbox", "--no-first-run"]
        args += [f"--user-data-dir={tmp_path / 'profile'}", url]
        processes.append(
            subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )

    yield start
    for process in processes:
        process.kill()
        process.wait(timeout=10)


@pytest.mark.parametrize("page", ["/offers/?utm_medium=email", "/?utm_medium=email"])
def test_a_prerendered_page_is_counted_only_once_shown(live_demo, seen, headless_chromium, page):
    from urllib.parse import quote

    headless_chromium(f"{live_demo.url}/t/launch/?after={AFTER_MS}&to={quote(page)}")
    api = lambda: [r for r in seen if r[1].startswith("/personalize/api/")]  # noqa: E731
    assert eventually(lambda: api() and Event.objects.filter(name="page_view").exists(), 20)
    time.sleep(0.5)
    loads = [r for r in seen if r[1] == page]
    if not loads or "prerender" not in loads[0][2]:
        pytest.skip(f"this Chromium did not prerender the page ({loads})")
    assert len(loads) == 1, "activated, not loaded again"
    # The launching page goes to the prerendered one AFTER_MS after it was asked for, at the
    # earliest: nothing may be sent before.
    launched_at = next(r[0] for r in seen if r[1].startswith("/t/launch/"))
    first_call = api()[0][0]
    assert first_call - launched_at >= AFTER_MS / 1000, "nothing sent before activation"
    assert Event.objects.filter(name="page_view", path=page.split("?")[0]).count() == 1
    impressions = Event.objects.filter(name="impression", slot="home-promo")
    assert list(impressions.values_list("variant", flat=True)) == ["newsletter-welcome"]
