"""The Celery app: options from Django settings (CELERY_*), tasks from every app's tasks.py.

`config/__init__.py` imports it, so every `@shared_task` binds to it in web processes too. Services schedule
tasks through `finance.core.tasks.enqueue_on_commit`.

Worker: `celery -A config.celery worker`. Without a broker (neither CELERY_BROKER_URL nor REDIS_URL) tasks
run inline in the process that schedules them, so `make run` needs no worker.
"""

import os
from typing import Any

import structlog
from celery import Celery, Task, signals
from django.conf import settings

from config.logging import json_stdout
from finance.core.observability.request_context import current_request_id, reset_request_id, set_request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("finance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = structlog.get_logger("finance.tasks")


@signals.worker_init.connect
def _json_stdout(**_: Any) -> None:
    """A few of the worker's lines bypass logging: Celery prints its banner (the image's entrypoint turns it
    off with --quiet) and its shutdown notices straight to stdout. With JSON logs, each becomes a JSON line."""
    if settings.LOG_FORMAT == "json":
        json_stdout(logger="celery.worker")


# The request id travels with the message, so a task's log lines join the request that caused them.
@signals.before_task_publish.connect
def _attach_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


@signals.task_prerun.connect
def _bind_task_context(task_id: str | None = None, task: Task | None = None, **_: Any) -> None:
    if task is None or task.request.is_eager:  # inline: the caller's context already applies
        return
    request_id = getattr(task.request, "request_id", None)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task=task.name, task_id=task_id, request_id=request_id)
    task.request.request_id_token = set_request_id(request_id)


@signals.task_postrun.connect
def _clear_task_context(task: Task | None = None, **_: Any) -> None:
    if task is None or task.request.is_eager:
        return
    token = getattr(task.request, "request_id_token", None)
    if token is not None:
        reset_request_id(token)
    structlog.contextvars.clear_contextvars()
