"""A real Prometheus scrapes the app under gunicorn: counts are exact, every dashboard query and every rule
evaluates, and the core panels show the traffic that was sent.

One gunicorn (2 workers, multiprocess metrics) and one Prometheus serve the whole module.
"""

import json
import math
import re
import shutil
import textwrap
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from deploy.local.live import Prometheus, http, running_app, wait_until
from tests.monitoring.files import API_JOB, RULES_FILE, Panel, dashboards, query_panels, rules

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(
        shutil.which("prometheus") is None, reason="prometheus is not installed (apt-get install prometheus)"
    ),
]

# Requests the dashboards count as API traffic (health checks and the scrapes themselves are not).
API_REQUESTS = f'sum(django_http_responses_total_by_status_view_method_total{{job="{API_JOB}", view!~"metrics|health-live"}})'
# Panels that stay empty in a healthy run: nothing in the traffic below makes these happen.
MAY_BE_EMPTY = {
    "API overview: Database errors per second": "no query fails",
    "API overview: Unhandled exceptions per second by type": "no view raises",
    "Business: Exports per hour by report and result": "exports run in background tasks, not in this traffic",
    "Business: Export duration p95 by report": "exports run in background tasks, not in this traffic",
}
PASSWORD = "Live-Horse-Battery-77"


class Traffic:
    """Calls the API and counts every request it sends."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.sent: Counter = Counter()
        self.secrets: set[str] = {PASSWORD}

    def call(self, method: str, path: str, body: dict | None = None, *, token: str = "", expect: int = 200):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        status, response_headers, data = http(method, f"{self.base_url}{path}", body=body, headers=headers)
        self.sent[(method, path.split("?")[0], status)] += 1
        assert status == expect, (method, path, status, data)
        return data, response_headers

    def upload(self, path: str, fields: dict[str, str], content: bytes, *, token: str, expect: int = 201):
        """A multipart upload (a bank statement), counted like every other request."""
        boundary = f"----live{time.monotonic_ns()}"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="statement.csv"\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            data=b"".join(parts) + f"--{boundary}--\r\n".encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            status, data = response.status, json.loads(response.read())
        self.sent[("POST", path, status)] += 1
        assert status == expect, (path, status, data)
        return data

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    def round(self, number: int) -> None:
        """One user's day: sign up, a failed and a good login, accounts, categories, transactions, reports."""
        email = f"live{number}@example.com"
        self.call("POST", "/auth/register", {"email": email, "password": PASSWORD}, expect=201)
        self.call("POST", "/auth/login", {"email": email, "password": "Wrong-Horse-1"}, expect=401)
        tokens, _ = self.call("POST", "/auth/login", {"email": email, "password": PASSWORD})
        access = tokens["access"]
        self.secrets |= {tokens["access"], tokens["refresh"]}
        account, _ = self.call(
            "POST", "/accounts", {"name": "Main", "currency": "USD"}, token=access, expect=201
        )
        self.call("PATCH", f"/accounts/{account['id']}", {"name": "Main account"}, token=access)
        categories = {
            kind: self.call("POST", "/categories", {"name": kind, "type": kind}, token=access, expect=201)[0][
                "id"
            ]
            for kind in ("income", "expense")
        }
        spare, _ = self.call(
            "POST", "/categories", {"name": "Spare", "type": "expense"}, token=access, expect=201
        )
        self.call("DELETE", f"/categories/{spare['id']}", token=access, expect=204)
        created = {}
        for kind, amount in (("income", "2500.00"), ("expense", "42.10")):
            body = {"account": account["id"], "category": categories[kind], "type": kind, "amount": amount}
            created[kind], _ = self.call(
                "POST", "/transactions", {**body, "date": "2026-03-02"}, token=access, expect=201
            )
        self.call("PATCH", f"/transactions/{created['income']['id']}", {"amount": "2600.00"}, token=access)
        self.call("DELETE", f"/transactions/{created['expense']['id']}", token=access, expect=204)
        self.call("GET", "/transactions?from=2026-03-01&to=2026-03-31", token=access)
        savings, _ = self.call(
            "POST", "/accounts", {"name": "Savings", "currency": "USD"}, token=access, expect=201
        )
        move = {
            "from_account": account["id"],
            "to_account": savings["id"],
            "amount": "100.00",
            "date": "2026-03-03",
        }
        transfer, _ = self.call("POST", "/transfers", move, token=access, expect=201)
        self.call("DELETE", f"/transfers/{transfer['id']}", token=access, expect=204)
        self.call("POST", "/transfers", move, token=access, expect=201)
        statement = b"Date,Description,Amount\n2026-03-04,Market,-8.00\n2026-03-05,Refund,3.00\n"
        made = self.upload("/imports", {"account": str(account["id"])}, statement, token=access)
        self.call("PUT", f"/imports/{made['id']}/mapping", made["suggested_mapping"], token=access)
        defaults = {"income_category": categories["income"], "expense_category": categories["expense"]}
        self.call("POST", f"/imports/{made['id']}/commit", defaults, token=access, expect=202)
        report = "/reports/summary?from=2026-03-01&to=2026-03-31"
        assert self.call("GET", report, token=access)[1]["X-Cache"] == "MISS"
        # Both workers share the Redis cache, so the next read is a hit; poll in case a worker has its own.
        wait_until(
            lambda: self.call("GET", report, token=access)[1]["X-Cache"] == "HIT",
            timeout=30,
            what="a cache hit",
        )
        self.call("GET", "/reports/by-category?from=2026-03-01&to=2026-03-31", token=access)
        self.call("GET", "/no/such/page", expect=404)
        rotated, _ = self.call("POST", "/auth/refresh", {"refresh": tokens["refresh"]})
        self.secrets |= {rotated["access"], rotated["refresh"]}
        self.call(
            "POST", "/auth/logout", {"refresh": rotated["refresh"]}, token=rotated["access"], expect=204
        )


def scrape_config(target_port: int) -> str:
    return textwrap.dedent(
        f"""\
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files:
          - {RULES_FILE}
        scrape_configs:
          - job_name: {API_JOB}
            static_configs:
              - targets: ["127.0.0.1:{target_port}"]
        """
    )


@pytest.fixture(scope="module")
def stack():
    """gunicorn + Prometheus, with two rounds of traffic, each waited for until Prometheus has counted it."""
    with running_app(workers=2, PASSWORD_HASHERS="django.contrib.auth.hashers.MD5PasswordHasher") as app:
        prometheus = Prometheus(scrape_config(app.port))
        try:
            wait_until(
                lambda: prometheus.value(f'up{{job="{API_JOB}"}}') == 1, timeout=60, what="the first scrape"
            )
            traffic = Traffic(app.url)
            # Two rounds: series born in the first are scraped before the second, so rates are not zero.
            for number in (1, 2):
                traffic.round(number)
                wait_until(
                    lambda: prometheus.value(API_REQUESTS) == traffic.total,
                    timeout=60,
                    what=f"Prometheus to count the {traffic.total} requests sent",
                )
            # The SLO panels read recorded series: wait until the rules have seen the traffic too.
            for record in [rule["record"] for rule in rules() if "record" in rule]:
                wait_until(
                    lambda record=record: prometheus.value(record) == 0,
                    timeout=60,
                    what=f"the recording rule {record} to see the traffic",
                )
            yield app, prometheus, traffic
        finally:
            prometheus.close()


def test_prometheus_counts_exactly_the_api_requests_sent(stack):
    _app, prometheus, traffic = stack
    assert traffic.total >= 2 * 20
    assert prometheus.value(API_REQUESTS) == traffic.total
    assert prometheus.value(f'sum(finance_transactions_created_total{{job="{API_JOB}"}})') == 4
    assert prometheus.value(f'sum(finance_transfers_total{{job="{API_JOB}", action="created"}})') == 4
    assert prometheus.value(f'sum(finance_transfers_total{{job="{API_JOB}", action="deleted"}})') == 2
    assert prometheus.value(f'sum(finance_registrations_total{{job="{API_JOB}"}})') == 2
    assert prometheus.value(f'sum(finance_logins_total{{job="{API_JOB}", result="failed"}})') == 2
    assert prometheus.value(f'sum(finance_report_cache_total{{job="{API_JOB}", result="hit"}})') >= 2
    assert prometheus.value(f'max(finance_migrations_unapplied{{job="{API_JOB}"}})') == 0


def test_the_scraped_counter_grows_by_exactly_the_requests_sent_to_two_workers(stack):
    app, _prometheus, _traffic = stack

    def health_live_count() -> float:
        status, _, text = http("GET", f"{app.url}/metrics")
        assert status == 200
        return sum(
            float(value)
            for value in re.findall(
                r'^django_http_responses_total_by_status_view_method_total\{[^}]*view="health-live"[^}]*\} (\S+)$',
                text,
                re.MULTILINE,
            )
        )

    before = health_live_count()
    sent = 60
    with ThreadPoolExecutor(max_workers=8) as pool:  # concurrent, so both workers serve some of them
        statuses = list(pool.map(lambda _: http("GET", f"{app.url}/health/live")[0], range(sent)))
    assert statuses == [200] * sent
    assert health_live_count() - before == sent


@pytest.mark.parametrize("panel", query_panels(), ids=lambda panel: panel.id)
def test_every_dashboard_query_evaluates_and_core_panels_show_the_traffic(stack, panel: Panel):
    _app, prometheus, _traffic = stack
    results = [prometheus.query(expr) for expr in panel.exprs]  # each must parse and evaluate
    if panel.id in MAY_BE_EMPTY:
        return
    values = [float(sample["value"][1]) for result in results for sample in result]
    assert values, f"{panel.id} shows no data: {panel.exprs}"
    assert any(not math.isnan(value) for value in values), f"{panel.id} shows only NaN: {panel.exprs}"


def test_dashboard_variables_list_the_views_that_served_traffic(stack):
    _app, prometheus, _traffic = stack
    for board in dashboards().values():
        for variable in board["templating"]["list"]:
            metric, label = re.fullmatch(r"label_values\((.+), (\w+)\)", variable["query"]).groups()
            values = prometheus.api(f"label/{label}/values", **{"match[]": metric})
            assert {"auth-login", "transaction-list", "report-summary"} <= set(values), values


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: rule.get("alert") or rule["record"])
def test_every_alert_and_recording_rule_expression_evaluates(stack, rule: dict):
    _app, prometheus, _traffic = stack
    prometheus.query(rule["expr"])


def test_prometheus_loaded_every_rule_and_evaluates_them_without_errors(stack):
    _app, prometheus, _traffic = stack
    groups = prometheus.api("rules")["groups"]
    loaded = [rule for group in groups for rule in group["rules"]]
    assert len(loaded) == len(rules())
    assert [rule for rule in loaded if rule["health"] != "ok"] == []
    # With the traffic above, the SLO's error ratios exist (0: no request failed) and no alert fires.
    assert prometheus.value("finance:slo_errors_per_request:ratio_rate5m") == 0
    assert [rule["name"] for rule in loaded if rule.get("state") == "firing"] == []


def test_gunicorn_writes_only_json_lines_with_request_ids_and_no_secrets(stack):
    app, _prometheus, traffic = stack
    output = app.process.output()
    complete = output[: output.rfind("\n") + 1]  # gunicorn may be writing a line right now
    lines = [json.loads(line) for line in complete.splitlines() if line.strip()]  # each one must be JSON
    assert any(line.get("logger") == "gunicorn.error" for line in lines)  # gunicorn's own lines too
    requests = [line for line in lines if line.get("event") == "request.finished"]
    assert len([line for line in requests if line["route"] != "/health/live"]) >= traffic.total
    assert all(re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) for line in requests)
    for event in ("user.registered", "user.login_failed", "user.logged_out", "transaction.created"):
        assert any(line.get("event") == event for line in lines), event
    for secret in traffic.secrets:
        assert secret not in output
