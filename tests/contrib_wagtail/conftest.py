"""Fixtures of the Wagtail adapter's tests: a site whose home page is a ``LandingPage``."""

import json

import pytest
from wagtail.models import Page, Site

from tests.contrib_wagtail.testapp.models import LandingPage


def rich(html: str) -> str:
    return html  # RichTextBlock stores its HTML as it is


def make_page(body, *, slug="landing", live=True) -> LandingPage:
    """A live ``LandingPage`` with ``body`` (a list of ``{"type", "value"}``), as the site's
    home page."""
    root = Page.get_first_root_node()
    page = root.add_child(
        instance=LandingPage(title="Home", slug=slug, body=json.dumps(body), live=live)
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "testserver", "port": 80, "root_page": page},
    )
    return page


@pytest.fixture
def page_factory(db):
    return make_page
