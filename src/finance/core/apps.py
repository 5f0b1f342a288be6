from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "finance.core"
    label = "core"
