from django.conf import settings
from django.db import models


class Export(models.Model):
    """A CSV of one report for one period, built in the background and stored under a private key."""

    class Report(models.TextChoices):
        SUMMARY = "summary", "Summary"
        BY_CATEGORY = "by-category", "By category"
        TRANSACTIONS = "transactions", "Transactions"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    IN_FLIGHT = (Status.PENDING, Status.RUNNING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports", db_index=False
    )
    report = models.CharField(max_length=16, choices=Report.choices)
    date_from = models.DateField()
    date_to = models.DateField()
    # Optional narrowing: {"account": id, "category": id, "type": "income"|"expense"}.
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # exports/<user id>/<random>.csv: unguessable, and one prefix per user.
    object_key = models.CharField(max_length=255, unique=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "running", "done", "failed"]),
                name="export_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(report__in=["summary", "by-category", "transactions"]),
                name="export_report_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(date_from__lte=models.F("date_to")), name="export_period_ordered"
            ),
        ]
        indexes = [
            # The user's list (newest first); also serves the user FK and the in-flight count.
            models.Index(fields=["user", "-created_at", "-id"], name="export_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.date_from}..{self.date_to} ({self.status})"

    @property
    def filename(self) -> str:
        return f"{self.report}-{self.date_from.isoformat()}-{self.date_to.isoformat()}.csv"
