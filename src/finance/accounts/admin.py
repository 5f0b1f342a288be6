from django.contrib import admin

from finance.accounts.models import Account


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "name", "currency", "balance", "created_at"]
    list_filter = ["currency"]
    search_fields = ["name", "user__email"]
    raw_id_fields = ["user"]
    # Balances move only through transactions (services), never by hand.
    readonly_fields = ["balance", "opening_balance", "created_at"]
