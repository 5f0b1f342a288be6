"""Business events: one log line named noun.verb (and optionally a metric), published after commit.

Publishing on commit means a rolled-back write never reports an event that did not happen.
"""

from collections.abc import Callable
from typing import Any

import structlog
from django.db import transaction

log = structlog.get_logger("finance.events")


def emit(event: str, *, metric: Callable[[], None] | None = None, level: str = "info", **fields: Any) -> None:
    def publish() -> None:
        getattr(log, level)(event, **fields)
        if metric is not None:
            metric()

    transaction.on_commit(publish)
