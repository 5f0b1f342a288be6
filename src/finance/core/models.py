from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """One Idempotency-Key of one user at one endpoint: claimed before the work, completed with its answer.

    The unique constraint is the claim: of two requests with the same key, exactly one inserts the row.
    """

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", "In flight"
        COMPLETED = "completed", "Completed"

    # user is the leading column of the unique constraint, which serves the foreign key too.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    endpoint = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and canonical JSON body")
    claim = models.UUIDField(help_text="Token of the request that holds the claim")
    state = models.CharField(max_length=9, choices=State.choices)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "endpoint", "key"], name="idempotency_key_unique"),
            models.CheckConstraint(
                condition=models.Q(state__in=["in_flight", "completed"]), name="idempotency_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key} ({self.state})"
