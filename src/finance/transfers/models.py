from django.conf import settings
from django.db import models

from finance.accounts.models import Account
from finance.categories.models import Category
from finance.core.money import MAX_DIGITS, STORAGE_PLACES


class Transfer(models.Model):
    """Money moved between two of one user's accounts: two transactions (legs), written together.

    The out leg takes `amount` (in `currency`) from `from_account`, the in leg puts `to_amount` (in
    `to_currency`) on `to_account`. When one of the accounts is deleted, its leg goes with it and the
    account here becomes null; the other leg stays, so the surviving account's history and balance are kept.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transfers", db_index=False
    )
    from_account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, related_name="transfers_out"
    )
    to_account = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, related_name="transfers_in")
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=STORAGE_PLACES)
    currency = models.CharField(max_length=3)
    to_amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=STORAGE_PLACES)
    to_currency = models.CharField(max_length=3)
    date = models.DateField()
    description = models.CharField(max_length=500, blank=True, default="")
    # A transfer made by matching an expense and an income already recorded (POST /transfers/match) keeps
    # their categories here - legs have none - and gives them back when unlinked; null for a transfer made
    # with POST /transfers. RESTRICT: a category a matched transfer keeps cannot vanish (unless its user
    # goes, taking the transfer with it).
    from_category = models.ForeignKey(
        Category, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    to_category = models.ForeignKey(
        Category, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Not columns: the ids of the two legs, set on the transfers the selectors and services hand out (None
    # for the leg of an account that was deleted).
    from_transaction_id: int | None
    to_transaction_id: int | None

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, to_amount__gt=0), name="transfer_amounts_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_account=models.F("to_account")), name="transfer_accounts_differ"
            ),
            models.CheckConstraint(
                condition=~models.Q(currency=models.F("to_currency"))
                | models.Q(amount=models.F("to_amount")),
                name="transfer_same_currency_same_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(from_category__isnull=True, to_category__isnull=True)
                | models.Q(from_category__isnull=False, to_category__isnull=False),
                name="transfer_matched_keeps_both_categories",
            ),
        ]
        indexes = [models.Index(fields=["user", "-date", "-id"], name="transfer_user_date_idx")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} -> {self.to_amount} {self.to_currency} on {self.date}"


class RejectedPair(models.Model):
    """An expense and an income the user said are not one transfer: never suggested again.

    The two ids are not foreign keys: a table referencing transactions would make Django load every
    transaction of an account it deletes (a reverse relation rules out its single-statement delete), and a
    rejection outliving its transactions harms nothing (ids are never reused)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    outflow_id = models.BigIntegerField()
    inflow_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "outflow_id", "inflow_id"], name="rejected_pair_unique")
        ]

    def __str__(self) -> str:
        return f"{self.outflow_id} -> {self.inflow_id} is no transfer"
