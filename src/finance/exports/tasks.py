"""Background tasks of exports. They take ids, load what they need and call the services.

Delivery is at-least-once (acks_late, reject_on_worker_lost): each task is safe to run twice.
"""

import structlog
from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.mail import send_mail

from finance.core.tasks import EMAIL_TASK_OPTIONS
from finance.exports import services, storage
from finance.exports.models import Export

log = structlog.get_logger("finance.exports")


@shared_task(bind=True, name="exports.build", acks_late=True, reject_on_worker_lost=True)
def build_export(self: Task, export_id: int) -> None:
    """Build and upload one export. Transient storage errors (unreachable endpoint, timeouts, 5xx,
    throttling) are retried with exponential backoff up to EXPORT_MAX_RETRIES times; any other error,
    or the last failed retry, marks the export failed with a readable reason."""
    try:
        services.build_export(export_id=export_id)
    except Exception as exc:
        attempt = self.request.retries
        if storage.is_transient(exc) and attempt < settings.EXPORT_MAX_RETRIES:
            countdown = get_exponential_backoff_interval(
                factor=settings.EXPORT_RETRY_BACKOFF,
                retries=attempt,
                maximum=settings.EXPORT_RETRY_BACKOFF_MAX,
                full_jitter=True,
            )
            log.warning(
                "export.retrying",
                export_id=export_id,
                attempt=attempt + 1,
                countdown=countdown,
                error=type(exc).__name__,
            )
            raise self.retry(exc=exc, countdown=countdown, max_retries=settings.EXPORT_MAX_RETRIES) from None
        if isinstance(exc, SoftTimeLimitExceeded):
            reason = "The export took longer than allowed; narrow the period or the filters."
        else:
            reason = storage.describe(exc)
        log.error("export.build_failed", export_id=export_id, error=type(exc).__name__, exc_info=exc)
        services.fail_export(export_id=export_id, error=reason)


@shared_task(
    name="exports.send_ready_email",
    **EMAIL_TASK_OPTIONS,
)
def send_export_ready_email(export_id: int) -> None:
    """Tell the owner the file is ready, with a fresh download link (it expires; the API gives new ones)."""
    export = Export.objects.select_related("user").filter(pk=export_id, status=Export.Status.DONE).first()
    if export is None or not export.user.is_active:
        return
    link = storage.download_link(export.object_key, filename=export.filename)
    url = storage.absolute(link, settings.PUBLIC_BASE_URL)
    minutes = max(1, settings.EXPORT_URL_TTL // 60)
    body = (
        f"Your {export.get_report_display().lower()} export for {export.date_from} to {export.date_to} "
        f"is ready ({export.row_count} rows).\n\n"
        f"Download it within {minutes} minutes:\n{url}\n\n"
        f"Later, GET /exports/{export.pk} gives you a new link.\n"
    )
    # send_mail() returns how many messages left; without SMTP nothing does (an email.not_sent line instead).
    if send_mail("Your export is ready", body, None, [export.user.email]):
        log.info("email.sent", kind="export_ready", user_id=export.user_id, export_id=export.pk)
