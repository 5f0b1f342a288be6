# The Celery app loads with Django's settings, so every @shared_task binds to it (broker, eager mode, queue)
# in web processes too, not only in the worker.
from config.celery import app as celery_app

__all__ = ["celery_app"]
