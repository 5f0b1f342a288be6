from django.apps import AppConfig


class CategoriesConfig(AppConfig):
    name = "finance.categories"
    label = "categories"
