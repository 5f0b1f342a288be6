"""/metrics: who may read it, what it says, and labels that stay bounded whatever the users do."""

import re

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from finance.core.observability import metrics
from tests.observability.test_events_and_redaction import EMAIL, drive_every_flow

# The labels our own metrics may carry. Their values are names from a short list (a type, a result, a report),
# so they look like identifiers: no digits (ids, amounts), no "@" (emails), no "/" (paths).
ALLOWED_LABELS = {"type", "result", "report", "action"}
BOUNDED_VALUE = re.compile(r"[a-z][a-z_-]{0,31}")


def scrape(**meta) -> tuple[int, str]:
    response = Client().get("/metrics", **meta)
    return response.status_code, response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("peer", ["127.0.0.1", "10.1.2.3", "172.18.0.5", "192.168.1.20"])
def test_it_serves_metrics_to_a_direct_peer_on_a_private_network(peer):
    status, text = scrape(REMOTE_ADDR=peer)
    assert status == 200
    assert "django_http_requests_before_middlewares_total" in text
    assert "finance_migrations_unapplied" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "meta",
    [
        {"REMOTE_ADDR": "203.0.113.5"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"},
        {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "10.0.0.9"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.5"},
    ],
    ids=["public-peer", "proxied", "proxied-internal", "real-ip-header"],
)
def test_it_hides_metrics_from_the_internet_and_from_anything_proxied(meta):
    response = Client().get("/metrics", **meta)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "finance_" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_finance_metric_labels_stay_bounded_whatever_the_users_do():
    seen = drive_every_flow(APIClient())

    families = [family for family in REGISTRY.collect() if family.name.startswith("finance_")]
    assert {family.name for family in families} >= {
        "finance_transactions_created",
        "finance_transactions_deleted",
        "finance_transfers",
        "finance_report_cache",
        "finance_logins",
        "finance_registrations",
        "finance_http_requests_in_flight",
        "finance_migrations_unapplied",
    }
    labelled = 0
    for family in families:
        for sample in family.samples:
            labels = {name: value for name, value in sample.labels.items() if name != "le"}
            for name, value in labels.items():
                assert name in ALLOWED_LABELS, (family.name, name)
                assert BOUNDED_VALUE.fullmatch(value), (family.name, name, value)
                labelled += 1
    assert labelled > 0
    # Nor anywhere else on the page (django-prometheus' own metrics included).
    text = scrape(REMOTE_ADDR="127.0.0.1")[1]
    for private in (EMAIL, "dana.events", "1234.56", "1300.00", "Main account", seen["refresh"]):
        assert private not in text


@pytest.mark.django_db
def test_http_metrics_are_labelled_by_url_name_not_by_path(client, account):
    client.get(f"/accounts/{account.pk}")
    client.get("/no/such/path/42")

    text = scrape(REMOTE_ADDR="127.0.0.1")[1]
    views = set(
        re.findall(r'django_http_responses_total_by_status_view_method_total\{[^}]*view="([^"]*)"', text)
    )
    assert "account-detail" in views
    assert "<unnamed view>" in views
    assert not [view for view in views if "/" in view or re.search(r"\d{2,}", view)]


@pytest.mark.django_db
def test_it_counts_requests_in_flight(settings):
    settings.ROOT_URLCONF = "tests.observability.urls"
    before = REGISTRY.get_sample_value("finance_http_requests_in_flight")

    during = Client().get("/test/in-flight").json()["in_flight"]

    assert during == before + 1
    assert REGISTRY.get_sample_value("finance_http_requests_in_flight") == before


def latest_migration(app: str):
    """The record of the app's newest migration, a leaf of the graph: without it, one migration is missing."""
    return MigrationRecorder.Migration.objects.filter(app=app).order_by("-name").first()


@pytest.mark.django_db
def test_it_reports_migrations_the_database_lacks():
    metrics.refresh_unapplied_migrations(force=True)
    assert REGISTRY.get_sample_value("finance_migrations_unapplied") == 0

    latest_migration("transactions").delete()
    metrics.refresh_unapplied_migrations(force=True)
    assert REGISTRY.get_sample_value("finance_migrations_unapplied") == 1


@pytest.mark.django_db
def test_it_checks_migrations_at_most_every_half_minute(monkeypatch):
    metrics.refresh_unapplied_migrations(force=True)
    latest_migration("transactions").delete()

    metrics.refresh_unapplied_migrations()
    assert REGISTRY.get_sample_value("finance_migrations_unapplied") == 0  # a scrape storm costs nothing
    monkeypatch.setattr(metrics, "_last_migrations_check", float("-inf"))
    metrics.refresh_unapplied_migrations()
    assert REGISTRY.get_sample_value("finance_migrations_unapplied") == 1
