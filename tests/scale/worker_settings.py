"""Settings of the Celery worker process the end-to-end tests start: the test settings, with
the test's database, buffer key, queue and cache prefix passed through the environment."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import CACHES

PERSONALIZE_BUFFER_KEY = os.environ["PERSONALIZE_TEST_BUFFER_KEY"]
PERSONALIZE_BUFFER_REDIS_URL = os.environ["REDIS_URL"]
PERSONALIZE_BUFFER_LEASE_SECONDS = int(os.environ.get("PERSONALIZE_TEST_LEASE_SECONDS", "300"))
PERSONALIZE_BUFFER_BATCH_SIZE = int(os.environ.get("PERSONALIZE_TEST_BATCH_SIZE", "2000"))
PERSONALIZE_BUFFER_FLUSH_INTERVAL = float(os.environ.get("PERSONALIZE_TEST_FLUSH_INTERVAL", "5"))
PERSONALIZE_EVENT_SINK = "personalize.sinks.BufferedSink"
CELERY_TASK_DEFAULT_QUEUE = os.environ["PERSONALIZE_TEST_QUEUE"]
CELERY_TASK_ALWAYS_EAGER = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if "KEY_PREFIX" in CACHES["default"]:
    CACHES["default"]["KEY_PREFIX"] = os.environ["PERSONALIZE_TEST_CACHE_PREFIX"]
