"""Background tasks of imports: the commit and the revert. They take ids and call the services.

Delivery is at-least-once (acks_late, reject_on_worker_lost): each service acts only on an import in the
state the request left it in (importing, reverting), so a second run does nothing.
"""

import structlog
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from finance.core.errors import ApplicationError
from finance.imports import services

log = structlog.get_logger("finance.imports")


def _reason(exc: Exception, stage: str) -> str:
    """The import's `error`: what happened, in the service's words when it said, and that nothing changed."""
    nothing = "Nothing was written." if stage == "commit" else "Nothing was removed."
    if isinstance(exc, ApplicationError):
        return f"{exc.detail} {nothing}"
    if isinstance(exc, SoftTimeLimitExceeded):
        return f"The {stage} took longer than allowed. {nothing}"
    return f"The {stage} failed unexpectedly. {nothing} Try again later."


@shared_task(name="imports.commit", acks_late=True, reject_on_worker_lost=True)
def commit_import(import_id: int) -> None:
    """Commit one import in one database transaction; on any error nothing is written and the import is
    marked failed with a readable reason (a commit may then be asked for again)."""
    try:
        services.commit_import(import_id=import_id)
    except Exception as exc:
        log.error("import.commit_failed", import_id=import_id, error=type(exc).__name__, exc_info=exc)
        services.fail_import(import_id=import_id, error=_reason(exc, "commit"), stage="commit")


@shared_task(name="imports.revert", acks_late=True, reject_on_worker_lost=True)
def revert_import(import_id: int, force: bool = False) -> None:
    """Revert one import in one database transaction; on any error nothing is removed and the import is
    done again, with the reason in its error."""
    try:
        services.revert_import(import_id=import_id, force=force)
    except Exception as exc:
        log.error("import.revert_failed", import_id=import_id, error=type(exc).__name__, exc_info=exc)
        services.fail_import(import_id=import_id, error=_reason(exc, "revert"), stage="revert")
