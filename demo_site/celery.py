"""The demo's Celery app: ``celery -A demo_site worker -B`` drains the event buffer, rebuilds
static segments, aggregates statistics and purges expired data, with the demo's environment
(``DATABASE_URL``, ``REDIS_URL``, ``CELERY_BROKER_URL``, ``PERSONALIZE_EVENT_SINK``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")

app = Celery("demo_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def add_personalize_schedule(sender, **kwargs):
    """django-personalize's periodic tasks, unless the settings name them already."""
    from personalize.tasks import beat_schedule

    sender.conf.beat_schedule = {**beat_schedule(), **(sender.conf.beat_schedule or {})}
