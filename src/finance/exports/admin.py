from django.contrib import admin

from finance.exports.models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "report", "date_from", "date_to", "status", "row_count", "created_at"]
    list_filter = ["status", "report"]
    search_fields = ["user__email", "object_key"]
    raw_id_fields = ["user"]
    # Exports change only through their task; the admin looks, it does not edit.
    readonly_fields = [field.name for field in Export._meta.fields]
