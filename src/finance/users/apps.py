from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "finance.users"
    label = "users"
