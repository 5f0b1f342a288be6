from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "finance.imports"
    label = "imports"
