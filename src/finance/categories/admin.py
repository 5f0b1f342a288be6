from django.contrib import admin

from finance.categories.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "name", "type"]
    list_filter = ["type"]
    search_fields = ["name", "user__email"]
    raw_id_fields = ["user"]
