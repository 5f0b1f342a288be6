from django.contrib.admin.apps import AdminConfig


class FinanceAdminConfig(AdminConfig):
    """Django's admin on a site whose login goes through the API's throttle and failed-login guard."""

    default_site = "config.admin.FinanceAdminSite"
