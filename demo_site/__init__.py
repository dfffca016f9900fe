# The Celery app is loaded with Django so that @shared_task uses it (and its settings).
from demo_site.celery import app as celery_app

__all__ = ["celery_app"]
