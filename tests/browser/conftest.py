"""Browser tests: the client script and the demo's client-side journeys in a real Chromium.

They need the ``playwright`` package (dev group) and a Chromium on the machine: the one named by
``PERSONALIZE_TEST_CHROMIUM``, else ``chromium`` / ``chromium-browser`` / ``google-chrome`` on
the PATH. Playwright drives that browser; it downloads none. Without either, they skip.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from dataclasses import dataclass, field

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    """The Chromium the browser tests drive, or None."""
    named = os.environ.get("PERSONALIZE_TEST_CHROMIUM")
    if named:
        return named if os.path.exists(named) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium for a module's browser tests.

    Playwright's synchronous API runs an event loop in this thread while it is started, and the
    ORM takes the tests for async code then: they only read the database between browser calls,
    so ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set for as long as the browser runs, and no longer (the
    other tests keep Django's check).
    """
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium on this machine (set PERSONALIZE_TEST_CHROMIUM)")
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            yield browser
            browser.close()
    finally:
        if before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def eventually(condition, timeout: float = 10.0) -> bool:
    """Whether ``condition()`` becomes true within ``timeout`` seconds (a beacon sent as the
    page is left reaches the server a moment later)."""
    from django.db import OperationalError

    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return True
        except OperationalError:
            # SQLite in memory: the live server's thread shares the connection, and a read in
            # the middle of its write finds the table locked. Ask again.
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


@dataclass
class Tab:
    """A page in a fresh browser context, with what it logged and asked for."""

    page: object
    base: str
    console: list[str] = field(default_factory=list)
    requests: list[object] = field(default_factory=list)

    def open(self, path: str, wait_ms: int = 0):
        response = self.page.goto(self.base + path)
        self.settle(wait_ms)
        return response

    def settle(self, wait_ms: int = 0):
        self.page.wait_for_load_state("networkidle")
        if wait_ms:
            self.page.wait_for_timeout(wait_ms)

    def api_calls(self, name: str = "") -> list[object]:
        return [r for r in self.requests if f"/personalize/api/{name}" in r.url]

    @property
    def errors(self) -> list[str]:
        return [text for text in self.console if text.startswith(("error", "pageerror"))]

    def slots(self) -> dict[str, str]:
        """slot key -> variant shown."""
        return self.page.eval_on_selector_all(
            "[data-personalize-slot]",
            "els => Object.fromEntries(els.map(e => "
            "[e.dataset.personalizeSlot, e.dataset.personalizeVariant]))",
        )

    def slot_html(self, key: str) -> str:
        return self.page.inner_html(f'[data-personalize-slot="{key}"]')


@pytest.fixture
def tab_factory(chromium, live_server):
    contexts = []

    def open_tab(**context_options) -> Tab:
        context = chromium.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page=page, base=live_server.url)
        page.on("console", lambda message: tab.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: tab.console.append(f"pageerror: {error}"))
        page.on("request", lambda request: tab.requests.append(request))
        return tab

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def tab(tab_factory):
    return tab_factory()


@pytest.fixture
def live_demo(transactional_db, live_server):
    """The Fairway Golf demo, served by a live server."""
    from django.core.management import call_command

    call_command("loaddemo", "--no-admin", verbosity=0, stdout=io.StringIO())
    return live_server
