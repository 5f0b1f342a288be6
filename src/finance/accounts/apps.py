from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "finance.accounts"
    label = "accounts"
