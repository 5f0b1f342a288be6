import pytest

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
PROBLEM_KEYS = {"type", "title", "status", "detail", "request_id"}


def test_unknown_paths_answer_problem_json(api):
    response = api.get("/nowhere")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()) >= PROBLEM_KEYS


@pytest.mark.parametrize(
    "path", ["/nowhere", "/accounts/abc", "/accounts/0", "/transactions/99999999999999999999"]
)
def test_with_debug_on_unknown_paths_and_bad_ids_still_answer_problem_json(api, settings, path):
    settings.DEBUG = True  # Django would answer with its HTML page listing every URL pattern
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith("No such endpoint")
    assert b"urlpatterns" not in response.content


def test_with_debug_on_the_admin_keeps_its_own_pages(admin_client, settings):
    settings.DEBUG = True
    response = admin_client.get("/admin/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_trailing_slashes_are_not_redirected(client):
    assert client.get("/accounts/").status_code == 404


def test_wrong_method_is_405_problem(client):
    response = client.delete("/accounts")
    assert response.status_code == 405
    assert response.json()["status"] == 405


def test_non_json_bodies_are_415(client):
    response = client.post("/accounts", "name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"


def test_a_body_over_the_limit_is_413(client, settings):
    settings.MAX_REQUEST_BODY_BYTES = 2048
    response = client.post("/accounts", {"name": "x" * 5000, "currency": "USD"}, format="json")
    assert response.status_code == 413
    assert response.json()["status"] == 413


@pytest.mark.parametrize("query", ["from=2026-01-01%00", "x=" + "a" * 3000])
def test_control_characters_and_huge_queries_are_400(client, query):
    assert client.get(f"/transactions?{query}").status_code == 400


def test_request_id_is_echoed_when_well_formed_and_generated_otherwise(client):
    mine = client.get("/accounts", HTTP_X_REQUEST_ID="client-req-12345")
    assert mine["X-Request-ID"] == "client-req-12345"
    bad = client.get("/nowhere", HTTP_X_REQUEST_ID="<script>")
    assert bad["X-Request-ID"] != "<script>"
    assert bad.json()["request_id"] == bad["X-Request-ID"]


def test_errors_carry_the_request_id(client):
    response = client.get("/accounts/123456", HTTP_X_REQUEST_ID="trace-abcdef-1")
    assert response.json()["request_id"] == "trace-abcdef-1"


def test_unexpected_errors_are_500_problem_without_a_traceback(client, monkeypatch):
    from finance.accounts import selectors

    def explode(user):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "account_list", explode)  # what GET /accounts reads through
    client.raise_request_exception = False
    response = client.get("/accounts")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_security_headers_on_api_answers(client):
    AccountFactory()
    response = client.get("/accounts")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_health_live_and_ready(api):
    assert api.get("/health/live").json() == {"status": "ok"}
    ready = api.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_ready_is_503_when_the_database_is_down(api, monkeypatch):
    from finance.core.observability import health

    monkeypatch.setattr(health, "_check_database", lambda: "down")
    response = api.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "down"


def test_metrics_are_served_to_the_local_network_only(api):
    assert api.get("/metrics").status_code == 200
    assert api.get("/metrics", REMOTE_ADDR="8.8.8.8").status_code == 404
    assert api.get("/metrics", HTTP_X_FORWARDED_FOR="1.2.3.4").status_code == 404
