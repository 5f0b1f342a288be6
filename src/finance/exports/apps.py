from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "finance.exports"
    label = "exports"

    def ready(self) -> None:
        # Load the Celery app with Django, so every @shared_task binds to it (broker, eager mode, queue)
        # in web processes too, not only in the worker.
        import config.celery  # noqa: F401
