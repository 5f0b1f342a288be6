"""The Celery app: options from Django settings (CELERY_*), tasks from every app's tasks.py.

Worker: `celery -A config.celery worker`. Without a broker (neither CELERY_BROKER_URL nor REDIS_URL) tasks
run inline in the process that schedules them, so `make run` needs no worker.
"""

import os
import smtplib
from collections.abc import Callable

import structlog
from celery import Celery, Task, signals
from django.db import transaction

from finance.core.request_context import current_request_id, reset_request_id, set_request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("finance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = structlog.get_logger("finance.tasks")


# Email tasks: delivered at least once (acked after the send), retried with backoff while SMTP is down.
EMAIL_TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": True,
    "max_retries": 5,
}


def enqueue_on_commit(task: Task, *args, on_error: Callable[[], None] | None = None) -> None:
    """Send `task` once the current transaction commits, so a rolled-back write schedules nothing.

    A broker outage is logged, never raised: the write has been committed and the request must not turn
    into a 500 after the fact. `on_error` lets the caller record that the work will not happen.
    """

    def send() -> None:
        try:
            task.delay(*args)
        except Exception as exc:
            log.error("task.enqueue_failed", task=task.name, error=type(exc).__name__)
            if on_error is not None:
                on_error()

    transaction.on_commit(send)


# The request id travels with the message, so a task's log lines join the request that caused them.
@signals.before_task_publish.connect
def _attach_request_id(headers: dict | None = None, **_) -> None:
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


@signals.task_prerun.connect
def _bind_task_context(task_id: str | None = None, task: Task | None = None, **_) -> None:
    if task is None or task.request.is_eager:  # inline: the caller's context already applies
        return
    request_id = getattr(task.request, "request_id", None)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task=task.name, task_id=task_id, request_id=request_id)
    task.request.request_id_token = set_request_id(request_id)


@signals.task_postrun.connect
def _clear_task_context(task: Task | None = None, **_) -> None:
    if task is None or task.request.is_eager:
        return
    token = getattr(task.request, "request_id_token", None)
    if token is not None:
        reset_request_id(token)
    structlog.contextvars.clear_contextvars()
