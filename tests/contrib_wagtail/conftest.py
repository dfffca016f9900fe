"""Fixtures of the Wagtail adapter's tests: a site whose home page is a ``LandingPage``."""

import json

import pytest
from wagtail.models import Page, Site

from tests.contrib_wagtail.testapp.models import LandingPage


def make_page(body, *, slug="landing", parent=None) -> LandingPage:
    """A live ``LandingPage`` with ``body`` (a list of ``{"type", "value"}``): the site's home
    page, or a child of ``parent``."""
    page = (parent or Page.get_first_root_node()).add_child(
        instance=LandingPage(title=slug.title(), slug=slug, body=json.dumps(body))
    )
    if parent is not None:
        return page
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "testserver", "port": 80, "root_page": page},
    )
    return page


@pytest.fixture
def page_factory(db):
    return make_page
