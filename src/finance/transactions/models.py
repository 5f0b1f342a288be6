from django.conf import settings
from django.db import models

from finance.accounts.models import Account
from finance.categories.models import Category
from finance.core.money import MAX_DIGITS, STORAGE_PLACES


class Transaction(models.Model):
    class Type(models.TextChoices):
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expense"

    # user and account are the leading columns of the composite indexes below, which serve their FKs too.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transactions", db_index=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="transactions", db_index=False
    )
    # PROTECT: a category in use cannot vanish with its history; the API answers 409 instead.
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="transactions")
    type = models.CharField(max_length=7, choices=Type.choices)
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=STORAGE_PLACES)
    description = models.CharField(max_length=500, blank=True, default="")
    date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    # Not a column: the account's currency, set on the transactions the selectors and services hand out.
    currency: str

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="transaction_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(type__in=["income", "expense"]), name="transaction_type_valid"
            ),
        ]
        indexes = [
            # Lists (newest first) and period reports of one user.
            models.Index(fields=["user", "-date", "-id"], name="tx_user_date_idx"),
            # Lists and reports filtered by account; also serves the account FK.
            models.Index(fields=["account", "-date", "-id"], name="tx_account_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.amount} on {self.date}"
