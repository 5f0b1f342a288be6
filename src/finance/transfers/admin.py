from django.contrib import admin
from django.http import HttpRequest

from finance.transfers.models import Transfer


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    """Read-only: edits here would bypass the balance rules that live in the services."""

    list_display = ["id", "user", "from_account", "to_account", "amount", "currency", "to_amount", "date"]
    date_hierarchy = "date"
    raw_id_fields = ["user", "from_account", "to_account"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Transfer | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Transfer | None = None) -> bool:
        return False
