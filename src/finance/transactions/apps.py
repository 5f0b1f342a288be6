from django.apps import AppConfig


class TransactionsConfig(AppConfig):
    name = "finance.transactions"
    label = "transactions"
