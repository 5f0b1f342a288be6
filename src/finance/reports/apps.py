from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "finance.reports"
    label = "reports"
