"""Settings for the django CMS adapter's tests: the suite's settings plus what django CMS
needs. Run on their own: ``pytest tests/contrib_cms --ds=tests.contrib_cms.settings``."""

from tests.settings import *  # noqa: F403
from tests.settings import BASE_DIR, INSTALLED_APPS, MIDDLEWARE, SILENCED_SYSTEM_CHECKS, TEMPLATES

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "django.contrib.sites",
    "cms",
    "menus",
    "treebeard",
    "sekizai",
    "personalize.contrib.cms",
    "tests.contrib_cms",
]

MIDDLEWARE = [
    "cms.middleware.utils.ApphookReloadMiddleware",
    *MIDDLEWARE,
    "django.middleware.locale.LocaleMiddleware",
    "cms.middleware.user.CurrentUserMiddleware",
    "cms.middleware.page.CurrentPageMiddleware",
    "cms.middleware.toolbar.ToolbarMiddleware",
    "cms.middleware.language.LanguageCookieMiddleware",
]

TEMPLATES = [
    {
        **TEMPLATES[0],
        "DIRS": [BASE_DIR / "tests" / "contrib_cms" / "templates", *TEMPLATES[0]["DIRS"]],
        "OPTIONS": {
            "context_processors": [
                *TEMPLATES[0]["OPTIONS"]["context_processors"],
                "django.template.context_processors.i18n",
                "sekizai.context_processors.sekizai",
                "cms.context_processors.cms_settings",
            ],
        },
    }
]

ROOT_URLCONF = "tests.contrib_cms.urls"
SITE_ID = 1
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
USE_I18N = True
CMS_TEMPLATES = [("page.html", "Page")]
CMS_CONFIRM_VERSION4 = True

# django CMS's page manager and the installed django-treebeard disagree (a warning about a
# future treebeard release, not about this project).
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "treebeard.E001"]
