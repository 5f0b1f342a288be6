from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "finance.exports"
    label = "exports"
