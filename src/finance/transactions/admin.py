from django.contrib import admin
from django.http import HttpRequest

from finance.transactions.models import Transaction


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    """Read-only: edits here would bypass the balance rules that live in the services."""

    list_display = ["id", "user", "account", "category", "type", "amount", "date"]
    list_filter = ["type"]
    date_hierarchy = "date"
    raw_id_fields = ["user", "account", "category"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Transaction | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Transaction | None = None) -> bool:
        return False
