"""Settings for benchmarks: the tests' settings with DEBUG off and a throwaway database."""

import os
import tempfile

from tests.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.urls"
TEMPLATES[0]["DIRS"] = [BASE_DIR / "benchmarks" / "templates"]  # noqa: F405
TEMPLATES[0]["APP_DIRS"] = True  # noqa: F405
if not os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(tempfile.mkdtemp(prefix="personalize-bench-"), "bench.sqlite3"),
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    }
# The floor's handler has no middleware: its tags would log that once. Benchmarks print figures.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"personalize": {"level": "CRITICAL"}},
}
# Persistent connections, as any production deployment has them.
DATABASES["default"]["CONN_MAX_AGE"] = 600
