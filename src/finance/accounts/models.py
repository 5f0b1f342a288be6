from django.conf import settings
from django.db import models

from finance.core.money import MAX_DIGITS, STORAGE_PLACES


class Account(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="accounts")
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    opening_balance = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=STORAGE_PLACES)
    balance = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=STORAGE_PLACES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "id"], name="account_user_id_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"
