from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "finance.transfers"
    label = "transfers"
