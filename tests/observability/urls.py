"""The app's routes plus views that exist only for the observability tests."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from prometheus_client import REGISTRY

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as app_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

SECRET_PASSWORD = "hunter2-never-logged"
SECRET_DSN = "postgresql://finance:db-pass-never-logged@db:5432/finance"
SECRET_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJlLW5ldmVyLWxvZ2dlZA"


def boom(request: HttpRequest):
    password = SECRET_PASSWORD  # a local that a traceback renderer with locals would print
    dsn = SECRET_DSN
    raise RuntimeError("upstream refused the call", {"password": password, "dsn": dsn, "token": SECRET_TOKEN})


def in_flight(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"in_flight": REGISTRY.get_sample_value("finance_http_requests_in_flight")})


urlpatterns = [
    *app_urlpatterns,
    path("test/boom", boom, name="test-boom"),
    path("test/in-flight", in_flight, name="test-in-flight"),
]
