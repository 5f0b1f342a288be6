"""Delete Idempotency-Key records past their IDEMPOTENCY_TTL (run it daily, e.g. from cron or a CronJob)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from finance.core.models import IdempotencyRecord

BATCH = 5000


class Command(BaseCommand):
    help = "Delete expired Idempotency-Key records in batches."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        total = 0
        while True:
            # Small batches keep each delete short, so it never holds locks the API waits on for long.
            ids = list(
                IdempotencyRecord.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            total += IdempotencyRecord.objects.filter(pk__in=ids, expires_at__lte=now).delete()[0]
        self.stdout.write(f"Deleted {total} expired idempotency record(s).")
