"""Reads of imports, always filtered by owner in the query."""

from django.db.models import QuerySet

from finance.imports.models import Import, ImportRow
from finance.users.models import User


def imports_for(user: User) -> QuerySet[Import]:
    return Import.objects.filter(user=user).select_related("account")


def rows_of(source_import: Import, *, status: str | None = None) -> QuerySet[ImportRow]:
    rows = ImportRow.objects.filter(source_import=source_import)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("row")


def last_mapping(account_id: int) -> dict | None:
    """The mapping last set on an import of this account (what its bank's next file most likely needs)."""
    found = (
        Import.objects.filter(account_id=account_id, mapping__isnull=False)
        .order_by("-mapped_at", "-id")
        .values_list("mapping", flat=True)
        .first()
    )
    return found if isinstance(found, dict) else None
