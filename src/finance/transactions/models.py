from django.conf import settings
from django.db import models

from finance.accounts.models import Account
from finance.categories.models import Category
from finance.core.money import FIGURE_DIGITS, MAX_DIGITS, STORAGE_PLACES


class Transaction(models.Model):
    """One movement of money on one account: income, an expense, or one leg of a transfer."""

    class Type(models.TextChoices):
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expense"
        TRANSFER = "transfer", "Transfer"

    class Direction(models.TextChoices):
        IN = "in", "Into the account"
        OUT = "out", "Out of the account"

    # user and account are the leading columns of the composite indexes below, which serve their FKs too.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transactions", db_index=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="transactions", db_index=False
    )
    # PROTECT: a category in use cannot vanish with its history; the API answers 409 instead. Transfer legs
    # have none.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="transactions", null=True, blank=True
    )
    type = models.CharField(max_length=8, choices=Type.choices)
    # Income is always in and an expense always out; a transfer has one leg of each.
    direction = models.CharField(max_length=3, choices=Direction.choices)
    # The transfer this is a leg of. RESTRICT: legs go only with their transfer (finance.transfers.services),
    # or with their user.
    transfer = models.ForeignKey(
        "transfers.Transfer",
        on_delete=models.RESTRICT,
        related_name="legs",
        null=True,
        blank=True,
        db_index=False,
    )
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=STORAGE_PLACES)
    description = models.CharField(max_length=500, blank=True, default="")
    date = models.DateField()
    # The bank statement import that created this transaction (finance.imports), and the bank's own id of it
    # ("" when the bank gave none, or for transactions made through the API). SET_NULL: an import is only
    # ever deleted while it has no transactions (before its commit or after its revert).
    source_import = models.ForeignKey(
        "imports.Import",
        on_delete=models.SET_NULL,
        related_name="transactions",
        null=True,
        blank=True,
        db_index=False,
    )
    external_id = models.CharField(max_length=255, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    # Not a column: the account's currency, set on the transactions the selectors and services hand out.
    currency: str

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="transaction_amount_positive"),
            models.CheckConstraint(
                condition=(
                    models.Q(type="income", direction="in", category__isnull=False, transfer__isnull=True)
                    | models.Q(type="expense", direction="out", category__isnull=False, transfer__isnull=True)
                    | models.Q(
                        type="transfer",
                        direction__in=["in", "out"],
                        category__isnull=True,
                        transfer__isnull=False,
                    )
                ),
                name="transaction_kind_valid",
            ),
        ]
        indexes = [
            # Lists (newest first) and period reports of one user.
            models.Index(fields=["user", "-date", "-id"], name="tx_user_date_idx"),
            # Lists and reports filtered by account; also serves the account FK.
            models.Index(fields=["account", "-date", "-id"], name="tx_account_date_idx"),
            # The two legs of a transfer; only legs have one.
            models.Index(
                fields=["transfer"], name="tx_transfer_idx", condition=models.Q(transfer__isnull=False)
            ),
            # The transactions an import created (its list filter, its revert); only imported rows have one.
            models.Index(
                fields=["source_import"],
                name="tx_import_idx",
                condition=models.Q(source_import__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.amount} on {self.date}"


# --- pre-aggregated figures (docs/adr/0007-pre-aggregated-figures.md) ----------------------------------------
# Written by a PostgreSQL trigger on transactions_transaction in the same database transaction as every
# change of a row (migration 0004), read by the reports; `manage.py check_balances` verifies them against
# the rows. Other databases leave them empty and compute reports from the rows.


class AccountDay(models.Model):
    """What one account moved on one day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField()
    income = models.DecimalField(max_digits=FIGURE_DIGITS, decimal_places=STORAGE_PLACES, default=0)
    expense = models.DecimalField(max_digits=FIGURE_DIGITS, decimal_places=STORAGE_PLACES, default=0)
    transfers_in = models.DecimalField(max_digits=FIGURE_DIGITS, decimal_places=STORAGE_PLACES, default=0)
    transfers_out = models.DecimalField(max_digits=FIGURE_DIGITS, decimal_places=STORAGE_PLACES, default=0)
    count = models.IntegerField(default=0, help_text="Transactions on the day; 0 once all were removed")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="account_day_unique")]
        indexes = [models.Index(fields=["user", "date"], name="account_day_user_date_idx")]

    def __str__(self) -> str:
        return f"account {self.account_id} on {self.date}"


class CategoryDay(models.Model):
    """The income or expense of one category on one account on one day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField()
    amount = models.DecimalField(max_digits=FIGURE_DIGITS, decimal_places=STORAGE_PLACES, default=0)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "category", "date"], name="category_day_unique")
        ]
        indexes = [
            models.Index(fields=["user", "date"], name="category_day_user_date_idx"),
            models.Index(fields=["category"], name="category_day_category_idx"),
        ]

    def __str__(self) -> str:
        return f"category {self.category_id} of account {self.account_id} on {self.date}"


class CategoryMonth(models.Model):
    """The same per calendar month (`month` is its first day), so long periods read 12 rows a year."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    amount = models.DecimalField(max_digits=FIGURE_DIGITS, decimal_places=STORAGE_PLACES, default=0)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "category", "month"], name="category_month_unique")
        ]
        indexes = [
            models.Index(fields=["user", "month"], name="category_month_user_month_idx"),
            models.Index(fields=["category"], name="category_month_category_idx"),
        ]

    def __str__(self) -> str:
        return f"category {self.category_id} of account {self.account_id} in {self.month:%Y-%m}"
