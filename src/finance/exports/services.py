"""Exports: requested by a user, built by a background task, stored privately, handed out as expiring links.

States: pending -> running -> done | failed. The task may run more than once (at-least-once delivery):
a done export is never rebuilt, and every run writes the same object key, so a repeat replaces the file.
"""

import secrets
import tempfile
import time
from datetime import date
from typing import IO

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from finance.accounts.selectors import accounts_for
from finance.categories.selectors import categories_for
from finance.core.db.shortcuts import get_owned_or_404
from finance.core.errors import NotFound, RateLimit, ServiceUnavailable, TooManyRequests, ValidationFailed
from finance.core.observability import metrics
from finance.core.observability.events import emit
from finance.exports import csv_writer, storage
from finance.exports.models import Export
from finance.exports.selectors import downloadable, exports_for, in_flight_count
from finance.users.models import User

log = structlog.get_logger("finance.exports")


def _object_key(user_id: int) -> str:
    return f"exports/{user_id}/{secrets.token_hex(16)}.csv"


def _check_filters(
    user: User, report: str, account_id: int | None, category_id: int | None, type: str | None
) -> dict:
    errors = {}
    if report != Export.Report.TRANSACTIONS:
        for name, value in (("category", category_id), ("type", type)):
            if value is not None:
                errors[name] = ["Only the transactions report takes this filter."]
    if account_id is not None and not accounts_for(user).filter(pk=account_id).exists():
        errors["account"] = ["No such account."]
    if category_id is not None and not categories_for(user).filter(pk=category_id).exists():
        errors.setdefault("category", ["No such category."])
    if errors:
        raise ValidationFailed(errors)
    filters = {"account": account_id, "category": category_id, "type": type}
    return {name: value for name, value in filters.items() if value is not None}


@transaction.atomic
def request_export(
    *,
    user: User,
    report: str,
    date_from: date,
    date_to: date,
    account_id: int | None = None,
    category_id: int | None = None,
    type: str | None = None,
) -> Export:
    """Record a pending export and schedule its build; at most EXPORTS_MAX_IN_FLIGHT unfinished per user."""
    filters = _check_filters(user, report, account_id, category_id, type)
    # Lock the user's row so two simultaneous requests cannot both pass the in-flight count.
    User.objects.select_for_update().filter(pk=user.pk).first()
    limit = settings.EXPORTS_MAX_IN_FLIGHT
    if in_flight_count(user) >= limit:
        raise TooManyRequests(
            f"You already have {limit} exports in progress; wait for one to finish.",
            rate_limit=RateLimit(policy="exports-in-flight", quota=limit, reset=30),
        )
    export = Export.objects.create(
        user=user,
        report=report,
        date_from=date_from,
        date_to=date_to,
        filters=filters,
        object_key=_object_key(user.pk),
    )
    emit("export.requested", export_id=export.pk, user_id=user.pk, report=report)
    _schedule_build(export.pk)
    return export


def _schedule_build(export_id: int) -> None:
    # Imported here: the tasks module imports this one.
    from finance.core.tasks import enqueue_on_commit
    from finance.exports.tasks import build_export

    enqueue_on_commit(
        build_export,
        export_id,
        on_error=lambda: fail_export(
            export_id=export_id, error="The export could not be queued; try again later."
        ),
    )


def get_export(*, user: User, export_id: int) -> Export:
    return get_owned_or_404(exports_for(user), export_id, noun="export")


def open_download(*, token: str) -> tuple[IO[bytes], str]:
    """The file and filename behind a local download link. The link must be intact and unexpired
    (signing.BadSignature, SignatureExpired otherwise) and its export must still exist, be done and belong
    to an active user (NotFound otherwise): deactivating a user ends their links at once, like their
    tokens."""
    key, filename = storage.signed_key(token)
    if downloadable(key) is None:
        raise NotFound("This export no longer exists.")
    try:
        return storage.open_file(key), filename
    except FileNotFoundError:
        raise NotFound("This export no longer exists.") from None


def delete_export(*, user: User, export_id: int) -> None:
    """Remove the file, then the row. A file store outage leaves both in place (503) rather than an
    object nobody can reach or delete any more."""
    export = get_export(user=user, export_id=export_id)
    try:
        storage.delete(export.object_key)
    except Exception as exc:
        log.warning("export.delete_failed", export_id=export.pk, error=type(exc).__name__)
        raise ServiceUnavailable("The file store is unavailable; try again shortly.") from None
    export.delete()
    emit("export.deleted", export_id=export_id, user_id=user.pk)


def build_export(*, export_id: int) -> None:
    """Write the CSV to a spooled temporary file, upload it whole, then mark the export done.

    Storage errors propagate (the task decides whether to retry). Nothing is uploaded until the file is
    complete, so a failure while reading rows leaves no partial object behind.
    """
    export = Export.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status == Export.Status.DONE:
        log.info("export.skipped", export_id=export_id, reason="deleted" if export is None else "done")
        return
    started = time.monotonic()
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, started_at=timezone.now())
    with tempfile.SpooledTemporaryFile(max_size=settings.EXPORT_SPOOL_MAX_BYTES, mode="w+b") as out:
        rows = csv_writer.write_export(export, out)
        size = out.tell()
        storage.save(export.object_key, out)
    duration = time.monotonic() - started
    finished = Export.objects.filter(pk=export.pk).update(
        status=Export.Status.DONE, row_count=rows, size_bytes=size, error="", finished_at=timezone.now()
    )
    if not finished:  # deleted while it was being built: do not leave its file behind
        storage.delete(export.object_key)
        return

    def count() -> None:
        metrics.EXPORTS.labels(report=export.report, result="done").inc()
        metrics.EXPORT_DURATION.labels(report=export.report).observe(duration)

    emit(
        "export.completed",
        export_id=export.pk,
        user_id=export.user_id,
        report=export.report,
        rows=rows,
        size_bytes=size,
        duration_ms=round(duration * 1000, 1),
        metric=count,
    )
    _schedule_ready_email(export.pk)


def _schedule_ready_email(export_id: int) -> None:
    from finance.core.tasks import enqueue_on_commit
    from finance.exports.tasks import send_export_ready_email

    enqueue_on_commit(send_export_ready_email, export_id)


def fail_export(*, export_id: int, error: str) -> None:
    """Record the failure and remove whatever an interrupted run may have written under the key."""
    export = Export.objects.filter(pk=export_id).exclude(status=Export.Status.DONE).first()
    if export is None:
        return
    try:
        storage.delete(export.object_key)
    except Exception as exc:  # the store being down is often why we are here
        log.warning("export.cleanup_failed", export_id=export_id, error=type(exc).__name__)
    Export.objects.filter(pk=export_id).exclude(status=Export.Status.DONE).update(
        status=Export.Status.FAILED,
        error=error[:500],
        row_count=None,
        size_bytes=None,
        finished_at=timezone.now(),
    )
    emit(
        "export.failed",
        level="warning",
        export_id=export_id,
        user_id=export.user_id,
        report=export.report,
        error=error,
        metric=metrics.EXPORTS.labels(report=export.report, result="failed").inc,
    )
