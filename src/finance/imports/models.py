from django.conf import settings
from django.db import models

from finance.accounts.models import Account
from finance.categories.models import Category
from finance.core.money import MAX_DIGITS, STORAGE_PLACES


class Import(models.Model):
    """One bank statement file for one account: uploaded, mapped (CSV), committed in the background, and
    possibly reverted. The file itself is kept in the file store under `object_key`.

    uploaded -> mapped -> importing -> done -> reverting -> reverted; importing -> failed (nothing written),
    from which a commit may be tried again. OFX files need no mapping: they are committed from uploaded.
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        OFX = "ofx", "OFX"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        MAPPED = "mapped", "Mapped"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        REVERTING = "reverting", "Reverting"
        REVERTED = "reverted", "Reverted"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="imports")
    format = models.CharField(max_length=3, choices=Format.choices)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.UPLOADED)
    # imports/<user id>/<random>: unguessable, and one prefix per user (beside exports/ in the same store).
    object_key = models.CharField(max_length=255, unique=True)
    filename = models.CharField(max_length=255, blank=True, default="")
    size_bytes = models.PositiveBigIntegerField()
    # How the file's text was decoded (utf-8, or cp1252 for files that are not UTF-8).
    encoding = models.CharField(max_length=16, default="utf-8")
    # What the upload showed: the first record's cells (CSV) or the fields of a row (OFX), the first parsed
    # rows, and the mapping proposed for a CSV file.
    headers = models.JSONField(default=list)
    sample = models.JSONField(default=list)
    suggested_mapping = models.JSONField(null=True, blank=True)
    # The mapping the rows were parsed with (CSV; null for OFX and before PUT /imports/{id}/mapping).
    mapping = models.JSONField(null=True, blank=True)
    mapped_at = models.DateTimeField(null=True, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    invalid_count = models.PositiveIntegerField(null=True, blank=True)
    # The categories of rows whose file names none, chosen at commit (one per type).
    income_category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expense_category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The outcome of the commit: transactions created, rows skipped, rows that were duplicates.
    created = models.PositiveIntegerField(null=True, blank=True)
    skipped = models.PositiveIntegerField(null=True, blank=True)
    duplicates = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["uploaded", "mapped", "importing", "done", "failed", "reverting", "reverted"]
                ),
                name="import_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(format__in=["csv", "ofx"]), name="import_format_valid"),
        ]
        indexes = [
            # The user's list (newest first); also serves the user FK.
            models.Index(fields=["user", "-created_at", "-id"], name="import_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.format} import {self.pk} ({self.status})"


class ImportRow(models.Model):
    """One parsed row of an import's file, with what the duplicate rules found and what will happen to it."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        DUPLICATE = "duplicate", "Duplicate"
        POSSIBLE_DUPLICATE = "possible_duplicate", "Possible duplicate"
        INVALID = "invalid", "Invalid"

    class Action(models.TextChoices):
        IMPORT = "import", "Import"
        SKIP = "skip", "Skip"

    class Reason(models.TextChoices):
        BANK_ID = "bank_id", "The same bank id was imported on this account"
        SAME_DAY = "amount_date_occurrence", "The same amount on the same day, the same number of times"
        NEARBY = "nearby_amount", "A transaction of the same amount within three days"

    source_import = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="rows")
    # The record's number in the file (1 = the first line of a CSV, as a spreadsheet numbers it; the
    # statement's first transaction for OFX).
    row = models.PositiveIntegerField()
    date = models.DateField(null=True, blank=True)
    # Positive; `type` says which way the money went. Null when the row has no valid amount.
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=STORAGE_PLACES, null=True, blank=True)
    type = models.CharField(max_length=7, blank=True, default="")
    description = models.CharField(max_length=500, blank=True, default="")
    external_id = models.CharField(max_length=255, blank=True, default="")
    # The category named in the file, and the user's category of that name and type.
    category_name = models.CharField(max_length=100, blank=True, default="")
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Among the file's rows of the same date and signed amount, this one is the n-th (rule 2's key).
    occurrence = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=18, choices=Status.choices)
    action = models.CharField(max_length=6, choices=Action.choices)
    # True once the user chose the action (PATCH); otherwise it follows the status.
    action_chosen = models.BooleanField(default=False)
    # The transaction the duplicate rules matched (not a foreign key: see ImportedKey.transaction_id).
    match_transaction_id = models.BigIntegerField(null=True, blank=True)
    match_reason = models.CharField(max_length=24, choices=Reason.choices, blank=True, default="")
    errors = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["row"]
        constraints = [
            models.UniqueConstraint(fields=["source_import", "row"], name="import_row_unique"),
        ]

    def __str__(self) -> str:
        return f"row {self.row} of import {self.source_import_id} ({self.status})"


class ImportedKey(models.Model):
    """A row some import brought into an account, by the key the duplicate rules look up: the bank's id
    (kind bank_id), or for rows without one the date, signed amount and occurrence (kind row).

    Unique per account, and kept when the transaction is deleted: a row the user
    deleted does not come back with the next overlapping file. Reverting the import removes its keys.
    """

    class Kind(models.TextChoices):
        BANK_ID = "bank_id", "The bank's id"
        ROW = "row", "Date, signed amount and occurrence"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=7, choices=Kind.choices)
    value = models.CharField(max_length=255)
    source_import = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="keys")
    row = models.PositiveIntegerField()
    # The transaction the row became. Not a foreign key: the key outlives the transaction, and a table
    # referencing transactions would make Django load every transaction of an account it deletes (a
    # reverse relation rules out its single-statement delete).
    transaction_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "kind", "value"], name="imported_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value} on account {self.account_id}"
