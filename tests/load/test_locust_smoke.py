"""The Locust smoke run (make load-smoke) against a real gunicorn stack: the locustfile must not rot."""

import pytest

from load import smoke

pytestmark = pytest.mark.process

# Journeys every simulated user takes while setting up, or so often that a short run always has them.
EXPECTED = [
    "POST /auth/register",
    "POST /auth/login",
    "POST /auth/refresh",
    "POST /accounts",
    "POST /categories",
    "POST /transactions",
    "GET /transactions",
    "POST /imports",
    "PUT /imports/{id}/mapping",
    "POST /imports/{id}/commit",
    "GET /imports/{id}",
]


@pytest.fixture(scope="module")
def target():
    with smoke.smoke_target() as app:
        yield app


def test_the_smoke_run_passes_with_every_journey_and_writes_its_reports(target, tmp_path):
    run = smoke.run_locust(target.url, results=tmp_path)
    assert run.returncode == 0, run.output[-4000:]
    for group in EXPECTED:
        assert int(run.rows[group]["Request Count"]) > 0, f"{group} was never requested"
    assert any(name.startswith("GET /reports/") for name in run.rows)
    assert sum(int(row["Failure Count"]) for row in run.rows.values()) == 0
    assert "<html" in run.html.read_text().lower()
    # The server saw the same run: every request line carries a route and most are 2xx.
    lines = [line for line in target.process.json_lines() if line.get("event") == "request.finished"]
    assert {"/auth/register", "/transactions", "/reports/summary"} <= {line["route"] for line in lines}


def test_a_breached_threshold_makes_the_run_exit_non_zero(target, tmp_path):
    run = smoke.run_locust(
        target.url, results=tmp_path, extra=("--shape-seconds", "3", "--p95-factor", "0.000001")
    )
    assert run.returncode == 1, run.output[-4000:]
    assert "threshold breached: p95 of" in run.output
