from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data at realistic volume (manage.py seed_demo); above every app whose rows it writes."""

    name = "finance.demo"
    label = "demo"
