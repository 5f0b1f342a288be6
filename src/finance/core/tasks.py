"""Scheduling background work from a service: after the write commits, and never failing the request.

The Celery app itself lives in `config.celery`; apps declare their tasks with `@shared_task` and schedule
them through `enqueue_on_commit`.
"""

import smtplib
from collections.abc import Callable
from typing import Any

import structlog
from celery import Task
from django.db import transaction

log = structlog.get_logger("finance.tasks")

# Email tasks: delivered at least once (acked after the send), retried with backoff while SMTP is down.
EMAIL_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": True,
    "max_retries": 5,
}


def enqueue_on_commit(task: Task, *args: Any, on_error: Callable[[], None] | None = None) -> None:
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
