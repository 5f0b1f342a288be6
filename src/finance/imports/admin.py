from django.contrib import admin

from finance.imports.models import Import


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "account", "format", "status", "row_count", "created", "created_at"]
    list_filter = ["status", "format"]
    readonly_fields = [field.name for field in Import._meta.fields]
