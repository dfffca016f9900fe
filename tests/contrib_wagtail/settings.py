"""Settings for the Wagtail adapter's tests: the suite's settings plus Wagtail and a page app.

Run on their own: ``python -m pytest tests/contrib_wagtail --ds=tests.contrib_wagtail.settings``
(``make test`` does); the main suite leaves this directory out (``norecursedirs``).
"""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "wagtail.users",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "personalize.contrib.wagtail",
    "tests.contrib_wagtail.testapp",
]

ROOT_URLCONF = "tests.contrib_wagtail.urls"
WAGTAIL_SITE_NAME = "Fairway Golf"
WAGTAILADMIN_BASE_URL = "http://testserver"
