"""`make bench`: a bounded benchmark of the local stack over two million seeded transactions.

    python -m load.bench [--rounds 3] [--seconds 8] [--connections 8] [--no-nginx]

1. A dedicated PostgreSQL database (finance_bench) is created, migrated and seeded once with
   `manage.py seed_demo` (2,000,000 transactions over ten years and 100 users, one of whom has 1,000,000);
   later runs reuse it.
2. nginx (nginx/, rendered as its container renders it) in front of gunicorn (deploy/gunicorn.conf.py)
   on loopback, with Redis as the cache: the production shape, with the abuse limits relaxed
   (load/target.py). --no-nginx measures gunicorn directly (also the fallback when nginx is missing).
3. For the floor (GET /health/live: the same gunicorn and middleware, no view work) and each endpoint,
   Locust sends back-to-back requests over the same number of connections (load/bench_locustfile.py).
   Every endpoint window sits between two floor windows; an endpoint's ratio is its throughput over the
   mean of those two floors (the machine's pace drifts from one window to the next), and its figure is
   the median over the rounds.
4. In-process: the SQL queries each endpoint makes (CaptureQueriesContext), EXPLAIN (ANALYZE, BUFFERS) of
   the list and report queries for the user with about 10k transactions, and the uncached summary against
   the same aggregate as raw SQL.
5. A markdown summary goes to load/results/bench-<time>.md (and bench-latest.md), the ratios as a chart to
   bench-<time>.svg (and bench-latest.svg), the chart's figures to bench-latest.json (docs/benchmarks/
   keeps the baseline's: copy both there to publish a new baseline).
"""

import argparse
import csv
import http.client
import json
import math
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from deploy.local import live
from deploy.local.figures import ratio_chart_from_file
from load.target import DEMO_PASSWORD, RELAXED_LIMITS, RELAXED_NGINX

ROOT = live.ROOT
RESULTS = ROOT / "load" / "results"
BENCH_LOCUSTFILE = ROOT / "load" / "bench_locustfile.py"
# Two million transactions over ten years; the first demo user holds half of them (the history reports'
# scale target), the other 99 share the rest (the bench user, about 10,000, is one of them).
SEED = {
    "users": 100,
    "transactions": 2_000_000,
    "heavy": 1_000_000,
    "seed": 42,
    "years": 10,
    "until": "2026-06-30",
}
HEAVY_USER = "demo-00001@example.com"
MAX_PERIOD_DAYS = 3660  # the longest period a report takes (settings.MAX_PERIOD_DAYS)
HISTORY_TARGET_MS = 50.0
TARGET_USER_TRANSACTIONS = 10_000
WRITES_ACCOUNT = "bench writes"

RAW_SUMMARY_SQL = """
SELECT a.currency,
       COALESCE(SUM(t.amount) FILTER (WHERE t.type = 'income'), 0),
       COALESCE(SUM(t.amount) FILTER (WHERE t.type = 'expense'), 0)
FROM transactions_transaction t JOIN accounts_account a ON a.id = t.account_id
WHERE t.user_id = %s AND t.date >= %s AND t.date <= %s
GROUP BY a.currency ORDER BY a.currency
"""


@dataclass
class Endpoint:
    key: str  # "METHOD /path" as reported
    method: str
    path: str
    status: int = 200
    body: dict | None = None
    header: str = ""  # NAME=VALUE every response must carry
    warm: bool = False  # one request first: fills the report cache
    target: float | None = None  # least ratio to the floor
    in_geomean: bool = False
    token: str = ""  # another user's token (default: the bench user's)


@dataclass
class Measured:
    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0


@dataclass
class Row:
    endpoint: Endpoint
    rounds: list[Measured] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    queries: int | None = None

    def median(self, name: str) -> float:
        return statistics.median(getattr(m, name) for m in self.rounds)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios) if self.ratios else 0.0

    @property
    def error_ratio(self) -> float:
        total = sum(m.requests for m in self.rounds)
        return sum(m.failures for m in self.rounds) / total if total else 1.0


# --- the database -----------------------------------------------------------------------------------------
def database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return parts._replace(path=f"/{name}").geturl()


def ensure_seeded(server: str, name: str, env: dict[str, str]) -> str:
    url = database_url(server, name)
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**env, "DATABASE_URL": url}
    live.migrate(env)
    with psycopg.connect(url) as conn:
        seeded = conn.execute(
            "SELECT count(*) FROM transactions_transaction t JOIN users_user u ON u.id = t.user_id "
            "WHERE u.email LIKE 'demo-%%@example.com'"
        ).fetchone()[0]
    if seeded < SEED["transactions"]:
        print(f"Seeding {name} with {SEED['transactions']:,} transactions (once)...", flush=True)
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "manage.py",
                "seed_demo",
                "--reset",
                *(f"--{key}={value}" for key, value in SEED.items()),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return url


def bench_user(url: str) -> tuple[str, int, int]:
    """(email, id, transactions) of the demo user whose count is nearest 10k."""
    with psycopg.connect(url) as conn:
        # Left by an interrupted run: its accounts, their transactions, transfers and figures.
        for table, condition in (
            ("transactions_transaction", "account_id IN ({writes})"),
            ("transfers_transfer", "from_account_id IN ({writes}) OR to_account_id IN ({writes})"),
            ("transactions_accountday", "account_id IN ({writes})"),
            ("transactions_categoryday", "account_id IN ({writes})"),
            ("transactions_categorymonth", "account_id IN ({writes})"),
        ):
            where = condition.format(writes="SELECT id FROM accounts_account WHERE name = %(name)s")
            conn.execute(f"DELETE FROM {table} WHERE {where}", {"name": WRITES_ACCOUNT})  # noqa: S608 - fixed names
        conn.execute("DELETE FROM accounts_account WHERE name = %s", [WRITES_ACCOUNT])
        conn.commit()
        # The last run's writes left dead rows: vacuum as autovacuum eventually would, so that counts stay
        # index-only scans and every run starts from the same state.
        conn.autocommit = True
        for table in ("transactions_transaction", "accounts_account"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
        return conn.execute(
            "SELECT u.email, u.id, count(*) AS n FROM transactions_transaction t "
            "JOIN users_user u ON u.id = t.user_id WHERE u.email <> %s GROUP BY u.id "
            "ORDER BY abs(count(*) - %s), u.id LIMIT 1",
            [HEAVY_USER, TARGET_USER_TRANSACTIONS],
        ).fetchone()


def demo_email(number: int) -> str:
    return f"demo-{number:05d}@example.com"


# --- HTTP helpers -----------------------------------------------------------------------------------------
def call(base: str, method: str, path: str, *, token: str = "", body=None) -> tuple[int, dict, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, response_headers, parsed = live.http(
        method, f"{base}{path}", body=body, headers=headers, timeout=60
    )
    return status, dict(response_headers), parsed


def login(base: str, email: str) -> str:
    status, _, body = call(base, "POST", "/auth/login", body={"email": email, "password": DEMO_PASSWORD})
    if status != 200:
        raise RuntimeError(f"login as {email} failed: {status} {body}")
    return body["access"]


# --- throughput -------------------------------------------------------------------------------------------
def measure(
    base: str, endpoint: Endpoint, token: str, *, seconds: float, connections: int, tag: str
) -> Measured:
    if endpoint.warm:
        status, _, body = call(base, endpoint.method, endpoint.path, token=token)
        if status != endpoint.status:
            raise RuntimeError(f"warming {endpoint.key}: {status} {body}")
    prefix = RESULTS / "bench-raw" / tag
    prefix.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "BENCH_METHOD": endpoint.method,
        "BENCH_PATH": endpoint.path,
        "BENCH_NAME": endpoint.key.split(" ", 1)[1],
        "BENCH_STATUS": str(endpoint.status),
        "BENCH_TOKEN": (endpoint.token or token) if endpoint.key != "GET /health/live" else "",
        "BENCH_BODY": json.dumps(endpoint.body) if endpoint.body else "",
        "BENCH_HEADER": endpoint.header,
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(BENCH_LOCUSTFILE),
        "--headless",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "-u",
        str(connections),
        "-r",
        str(connections * 10),
        "-t",
        f"{round(seconds)}s",
        "--host",
        base,
        "--csv",
        str(prefix),
    ]
    completed = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"Locust wrote no statistics:\n{(completed.stdout + completed.stderr)[-3000:]}")
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Type"] == endpoint.method:
                return Measured(
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    rps=float(row["Requests/s"]),
                    p50=float(row["50%"]),
                    p95=float(row["95%"]),
                    p99=float(row["99%"]),
                )
    return Measured()


# --- importing a bank statement ---------------------------------------------------------------------------
IMPORT_ROWS = 10_000
IMPORT_TARGET_SECONDS = 10.0


@dataclass
class ImportTiming:
    rows: int
    size_bytes: int
    upload: float  # seconds: POST /imports (stored, format detected, rows counted, mapping suggested)
    mapping: float  # PUT /imports/{id}/mapping (every row parsed and checked for duplicates)
    commit: float  # POST /imports/{id}/commit until GET /imports/{id} says done
    created: int

    @property
    def total(self) -> float:
        return self.upload + self.mapping + self.commit


def statement_csv(rows: int, *, seed: int = 7) -> bytes:
    """A German bank's export of `rows` rows: semicolons, dd.mm.yyyy, 1.234,56, quoted descriptions, a
    header, spread over a year with repeated purchases (rule 2's occurrence numbers at work)."""
    rng = random.Random(seed)
    shops = ["REWE Markt", "Stadtwerke", "Bäckerei Schmidt", "Deutsche Bahn", "Apotheke am Markt", "Kino"]
    lines = ['"Buchungstag";"Verwendungszweck";"Betrag"']
    start = date(2026, 1, 1)
    for number in range(rows):
        day = start + timedelta(days=number * 365 // rows)
        cents = rng.randint(100, 250_000)
        sign = "" if number % 10 == 0 else "-"
        amount = f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"
        lines.append(f'"{day:%d.%m.%Y}";"{rng.choice(shops)} {number % 97}";"{sign}{amount}"')
    return ("\r\n".join(lines) + "\r\n").encode()


def _multipart(fields: dict[str, str], content: bytes) -> tuple[bytes, str]:
    boundary = f"----bench{secrets.token_hex(8)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="statement.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def import_timing(base: str, rows: int = IMPORT_ROWS) -> ImportTiming:
    """A user of its own (registered for the run) imports a `rows`-row CSV into a fresh account: upload,
    mapping, commit, each timed end to end over HTTP through the stack; the account is deleted after."""
    email = f"bench-import-{secrets.token_hex(4)}@example.com"
    password = f"bench-{secrets.token_hex(8)}"
    status, _, body = call(base, "POST", "/auth/register", body={"email": email, "password": password})
    if status != 201:
        raise RuntimeError(f"registering the import user: {status} {body}")
    status, _, body = call(base, "POST", "/auth/login", body={"email": email, "password": password})
    token = body["access"]
    _, _, account = call(
        base, "POST", "/accounts", token=token, body={"name": "Girokonto", "currency": "EUR"}
    )
    categories = {
        kind: call(base, "POST", "/categories", token=token, body={"name": f"Bank {kind}", "type": kind})[2][
            "id"
        ]
        for kind in ("income", "expense")
    }
    content = statement_csv(rows)
    upload, content_type = _multipart({"account": str(account["id"])}, content)
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        started = time.perf_counter()
        conn.request("POST", "/imports", body=upload, headers={**auth, "Content-Type": content_type})
        response = conn.getresponse()
        made = json.loads(response.read())
        uploaded = time.perf_counter()
        if response.status != 201:
            raise RuntimeError(f"uploading the statement: {response.status} {made}")
        conn.request(
            "PUT",
            f"/imports/{made['id']}/mapping",
            body=json.dumps(made["suggested_mapping"]),
            headers={**auth, "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        read = json.loads(response.read())
        mapped = time.perf_counter()
        if response.status != 200 or read != {"row_count": rows, "invalid_count": 0}:
            raise RuntimeError(f"mapping the statement: {response.status} {read}")
        defaults = {"income_category": categories["income"], "expense_category": categories["expense"]}
        conn.request(
            "POST",
            f"/imports/{made['id']}/commit",
            body=json.dumps(defaults),
            headers={**auth, "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        answer = json.loads(response.read())
        if response.status != 202:
            raise RuntimeError(f"committing the statement: {response.status} {answer}")
        state: dict = {}

        def done() -> bool:
            conn.request("GET", f"/imports/{made['id']}", headers=auth)
            reply = conn.getresponse()
            state.update(json.loads(reply.read()))
            if state.get("status") == "failed":
                raise RuntimeError(f"the commit failed: {state}")
            return state.get("status") == "done"

        live.wait_until(done, timeout=300, what="the import to be done")
        committed = time.perf_counter()
    finally:
        conn.close()
    call(base, "DELETE", f"/accounts/{account['id']}", token=token)
    return ImportTiming(
        rows=rows,
        size_bytes=len(content),
        upload=uploaded - started,
        mapping=mapped - uploaded,
        commit=committed - mapped,
        created=state["created"],
    )


def import_lines(timing: ImportTiming) -> list[str]:
    verdict = "met" if timing.total <= IMPORT_TARGET_SECONDS else "NOT met"
    return [
        f"- A {timing.rows:,}-row CSV bank statement ({timing.size_bytes / 1e6:.1f} MB) imported into a fresh "
        f"account end to end over HTTP: upload {timing.upload:.2f} s, mapping (every row parsed and checked "
        f"for duplicates) {timing.mapping:.2f} s, commit until done {timing.commit:.2f} s: **{timing.total:.2f} s** "
        f"(target <= {IMPORT_TARGET_SECONDS:.0f} s: {verdict}); {timing.created:,} transactions created",
    ]


# --- CPU per request across the stack ----------------------------------------------------------------
TICKS = os.sysconf("SC_CLK_TCK")
PARTS = ("gunicorn", "nginx", "postgres", "redis", "client")


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command name) of every process, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, tail = (entry / "stat").read_text().rpartition(")")
        except OSError:
            continue
        found.append((int(entry.name), int(tail.split()[1]), head.partition("(")[2]))
    return found


def _stack_pids(gunicorn, proxy, url: str) -> dict[str, list[int]]:
    with psycopg.connect(url) as conn:
        backends = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = 'finance-api'"
            ).fetchall()
        ]
    processes = _processes()
    return {
        "gunicorn": [pid for pid, parent, _ in processes if parent == gunicorn.process.pid],
        "nginx": [pid for pid, parent, _ in processes if proxy and parent == proxy.process.pid],
        "postgres": backends,
        "redis": [pid for pid, _, name in processes if name == "redis-server"],
    }


def _cpu_seconds(pids: dict[str, list[int]]) -> dict[tuple[str, int], float]:
    seconds = {}
    for part, numbers in pids.items():
        for pid in numbers:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            seconds[(part, pid)] = (int(fields[11]) + int(fields[12])) / TICKS
    mine = os.times()
    seconds[("client", 0)] = mine.user + mine.system
    return seconds


def cpu_per_request(base, gunicorn, proxy, url, endpoints, token, requests_each: int) -> dict[str, dict]:
    """Microseconds of CPU per request by part of the stack, from /proc, one request at a time.

    Unlike throughput, this hardly depends on what else the machine runs; the best of three runs counts.
    """
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    result: dict[str, dict] = {}
    for _ in range(3):
        for endpoint in endpoints:
            headers = {
                "Authorization": f"Bearer {endpoint.token or token}",
                "Content-Type": "application/json",
            }
            body = {k: v[0] if isinstance(v, list) else v for k, v in (endpoint.body or {}).items()}
            payload = json.dumps(body) if endpoint.body else None

            def send(count: int, endpoint=endpoint, headers=headers, payload=payload) -> None:
                for _ in range(count):
                    conn.request(endpoint.method, endpoint.path, body=payload, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    if response.status != endpoint.status:
                        raise RuntimeError(f"{endpoint.key}: {response.status}")

            send(20)  # warm: connections opened, caches filled
            pids = _stack_pids(gunicorn, proxy, url)
            before = _cpu_seconds(pids)
            send(requests_each)
            after = _cpu_seconds(pids)
            spent = dict.fromkeys(PARTS, 0.0)
            for key, value in before.items():
                if key in after:
                    spent[key[0]] += (after[key] - value) / requests_each * 1e6
            if endpoint.key not in result or sum(spent.values()) < sum(result[endpoint.key].values()):
                result[endpoint.key] = spent
    conn.close()
    return result


# --- uncached summary against raw SQL -----------------------------------------------------------------
@dataclass
class Uncached:
    http_ms: float  # client-measured, through the whole stack
    server_ms: float  # the app's own duration_ms of the same requests (its request log line)
    sql_ms: float  # the same aggregate as raw SQL from a client on this machine
    ratio: float  # median over the pairs of (app's duration / the SQL's, sent right after it)
    compute_ms: float  # of that duration, computing the report (report_ms: its query and rendering)
    compute_ratio: float  # median over the pairs of (report_ms / the SQL's)


def uncached_against_sql(
    base: str, gunicorn, url: str, token: str, user_id: int, first: date, last: date, samples: int
) -> Uncached:
    """GET /reports/summary that misses the cache against the same aggregate as raw SQL, alternately.

    Each request ends its period one day later than the one before, after the user's last transaction,
    and starts as far back as a period may (MAX_PERIOD_DAYS): the cache key is new each time, and the raw
    SQL - what computing the report from the rows costs - is sent for the same period right after it, as
    the app sends its queries (not prepared).
    """
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    run = secrets.token_hex(4)
    http_times, sql_times = [], []
    with psycopg.connect(url, prepare_threshold=None) as db:
        for i in range(1, samples + 1):
            end = last + timedelta(days=i)
            period = (max(first, end - timedelta(days=MAX_PERIOD_DAYS - 1)), end)
            started = time.perf_counter()
            conn.request(
                "GET",
                f"/reports/summary?from={period[0]}&to={period[1]}",
                headers={"Authorization": f"Bearer {token}", "X-Request-ID": f"bench-{run}-{i:04d}"},
            )
            response = conn.getresponse()
            raw = response.read()
            http_times.append(time.perf_counter() - started)
            if response.status != 200 or response.getheader("X-Cache") != "MISS":
                raise RuntimeError(
                    f"uncached summary: {response.status} {response.getheader('X-Cache')} {raw[:200]}"
                )
            started = time.perf_counter()
            rows = db.execute(RAW_SUMMARY_SQL, [user_id, *period]).fetchall()
            sql_times.append(time.perf_counter() - started)
            check_same_figures(json.loads(raw), rows)
    conn.close()
    mine = f"bench-{run}-"
    live.wait_until(
        lambda: sum(
            str(line.get("request_id", "")).startswith(mine) for line in gunicorn.process.json_lines()
        )
        >= samples,
        timeout=30,
        what="the request log lines of the uncached summaries",
    )
    finished = {
        line["request_id"]: line
        for line in gunicorn.process.json_lines()
        if line.get("event") == "request.finished" and str(line.get("request_id", "")).startswith(mine)
    }

    def paired(field: str) -> float:
        # Each request with the query sent right after it: a busy moment of the machine slows both alike.
        return statistics.median(
            finished[f"{mine}{i:04d}"][field] / (sql_times[i - 1] * 1000)
            for i in range(1, samples + 1)
            if sql_times[i - 1]
        )

    return Uncached(
        http_ms=statistics.median(http_times) * 1000,
        server_ms=statistics.median(line["duration_ms"] for line in finished.values()),
        sql_ms=statistics.median(sql_times) * 1000,
        ratio=paired("duration_ms"),
        compute_ms=statistics.median(line["report_ms"] for line in finished.values()),
        compute_ratio=paired("report_ms"),
    )


def check_same_figures(report: dict, rows: list[tuple]) -> None:
    """The API's figures per currency are the raw SQL's, rounded to the currency's minor unit."""
    raw = {currency: (income, expense) for currency, income, expense in rows}
    if {c["currency"] for c in report["by_currency"]} != set(raw):
        raise RuntimeError(f"the API and the raw SQL disagree on currencies: {report} vs {rows}")
    for figures in report["by_currency"]:
        income, expense = raw[figures["currency"]]
        for shown, exact in ((figures["income"], income), (figures["expense"], expense)):
            if Decimal(shown) != exact.quantize(Decimal(shown)):
                raise RuntimeError(f"the API and the raw SQL disagree: {figures} vs {raw}")


# --- history reports of a user with a million transactions -------------------------------------------------
@dataclass
class Latency:
    name: str
    http_ms: list[float]  # client-measured, through the whole stack
    server_ms: list[float]  # the app's duration_ms of the same requests

    @property
    def median(self) -> float:
        return statistics.median(self.http_ms)


def history_latency(base: str, gunicorn, token: str, url: str, samples: int) -> tuple[int, list[Latency]]:
    """Uncached history reports of the heavy user: (its transactions, one Latency per report).

    Each request ends one day earlier than the one before (still ten years, or one), so every one misses
    the report cache and computes; the figures are the medians of `samples` requests."""
    with psycopg.connect(url) as conn:
        user_id, count, last = conn.execute(
            "SELECT u.id, count(*), max(t.date) FROM users_user u JOIN transactions_transaction t "
            "ON t.user_id = u.id WHERE u.email = %s GROUP BY u.id",
            [HEAVY_USER],
        ).fetchone()
        (account_id,) = conn.execute(
            "SELECT account_id FROM transactions_transaction WHERE user_id = %s "
            "GROUP BY account_id ORDER BY count(*) DESC LIMIT 1",
            [user_id],
        ).fetchone()

    def ten_years(to: date) -> str:
        return f"from={to.replace(year=to.year - 10) + timedelta(days=1)}&to={to}"

    reports = [
        ("GET /reports/summary (10 years)", lambda to: f"/reports/summary?{ten_years(to)}"),
        ("GET /reports/by-category (10 years)", lambda to: f"/reports/by-category?{ten_years(to)}"),
        (
            "GET /reports/trends, monthly (10 years)",
            lambda to: f"/reports/trends?{ten_years(to)}&interval=month",
        ),
        (
            "GET /accounts/{id}/balances, daily (1 year)",
            lambda to: f"/accounts/{account_id}/balances?from={to - timedelta(days=364)}&to={to}&interval=day",
        ),
    ]
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    run = secrets.token_hex(4)
    found = []
    for number, (name, path) in enumerate(reports):
        times, ids = [], []
        for i in range(samples):
            request_id = f"history-{run}-{number}-{i:04d}"
            started = time.perf_counter()
            conn.request(
                "GET",
                path(last - timedelta(days=i)),
                headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id},
            )
            response = conn.getresponse()
            raw = response.read()
            times.append((time.perf_counter() - started) * 1000)
            if response.status != 200 or response.getheader("X-Cache") != "MISS":
                raise RuntimeError(f"{name}: {response.status} {response.getheader('X-Cache')} {raw[:200]}")
            ids.append(request_id)
        found.append((name, times, ids))
    conn.close()
    wanted = {request_id for _, _, ids in found for request_id in ids}
    live.wait_until(
        lambda: len(wanted & {line.get("request_id") for line in gunicorn.process.json_lines()})
        == len(wanted),
        timeout=30,
        what="the request log lines of the history reports",
    )
    durations = {
        line["request_id"]: line["duration_ms"]
        for line in gunicorn.process.json_lines()
        if line.get("event") == "request.finished" and line.get("request_id") in wanted
    }
    return count, [Latency(name, times, [durations[i] for i in ids]) for name, times, ids in found]


# --- in-process: queries per endpoint and query plans ---------------------------------------------------
def in_process(
    url: str, email: str, writer: str, endpoints: list[Endpoint], period: tuple[date, date]
) -> tuple[dict, list]:
    os.environ.update(
        {
            "DATABASE_URL": url,
            "CACHE_KEY_PREFIX": f"bench-inprocess-{secrets.token_hex(4)}",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "development",
        }
    )
    if live.redis_url():
        os.environ["REDIS_URL"] = live.redis_url()
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    from finance.core import figure_cache
    from finance.users.models import User

    def client_for(address: str) -> APIClient:
        client = APIClient()
        token = RefreshToken.for_user(User.objects.get(email=address)).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    client, writer_client = client_for(email), client_for(writer)
    # As in gunicorn's workers: token users served from memory while PostgreSQL reports their changes.
    from finance.users.user_cache import start_listening, users

    if start_listening() is not None:
        live.wait_until(
            lambda: client.get("/auth/me").status_code == 200
            and writer_client.get("/auth/me").status_code == 200
            and users.listening
            and len(users) >= 2,
            timeout=10,
            what="both bench users to be kept by the user cache",
        )

    def request(endpoint: Endpoint):
        if endpoint.method == "GET":
            return client.get(endpoint.path)
        body = {k: v[0] if isinstance(v, list) else v for k, v in (endpoint.body or {}).items()}
        return (writer_client if endpoint.token else client).generic(
            endpoint.method, endpoint.path, json.dumps(body), "application/json"
        )

    counts = {}
    for endpoint in endpoints:
        if endpoint.warm:
            request(endpoint)
        with CaptureQueriesContext(connection) as captured:
            response = request(endpoint)
        if response.status_code != endpoint.status:
            raise RuntimeError(f"{endpoint.key} in-process: {response.status_code} {response.content[:300]}")
        counts[endpoint.key] = len(captured.captured_queries)

    first, last = period
    plans = []
    uncached = [
        ("GET /transactions (page 1 of 20)", "/transactions"),
        ("GET /transactions?from&to (a year)", f"/transactions?from={last - timedelta(days=364)}&to={last}"),
        ("GET /reports/summary (uncached, whole history)", f"/reports/summary?from={first}&to={last}"),
        (
            "GET /reports/by-category (uncached, a year)",
            f"/reports/by-category?from={last - timedelta(days=364)}&to={last}",
        ),
    ]
    bench_user_id = User.objects.get(email=email).pk
    for title, path in uncached:
        figure_cache.invalidate(bench_user_id)  # outside a transaction: at once, so counts are computed too
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        if "summary" in title or "by-category" in title:
            counts[f"{title}"] = len(captured.captured_queries)
        for query in captured.captured_queries:
            sql = query["sql"]
            if "transactions_transaction" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append((title, sql, plan))
    return counts, plans


# --- the report -----------------------------------------------------------------------------------------
def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values and min(values) > 0 else 0.0


def git_commit() -> str:
    git = ["git", "-C", str(ROOT)]
    result = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)  # noqa: S603
    dirty = subprocess.run(  # noqa: S603
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    )
    return result.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def cpu_lines(cpu: dict[str, dict], rows: list[Row]) -> list[str]:
    floor_total = sum(cpu[rows[0].endpoint.key].values())
    lines, ratios = [], []
    for row in rows:
        spent = cpu[row.endpoint.key]
        total = sum(spent.values())
        ratio = floor_total / total if total else 0.0
        if row.endpoint.in_geomean:
            ratios.append(ratio)
        cells = " | ".join(f"{spent[part]:.0f}" for part in PARTS)
        lines.append(f"| {row.endpoint.key} | {cells} | {total:.0f} | {ratio:.2f} |")
    lines.append(f"| geometric mean of the five |  |  |  |  |  |  | {geomean(ratios):.2f} |")
    return lines


def chart_data(rows: list[Row], floor: Row, cpu: dict[str, dict], context: dict) -> dict:
    """The figures of the chart make bench draws: throughput and CPU per request as ratios to the floor."""
    floor_cpu = sum(cpu[floor.endpoint.key].values())

    def cpu_ratio(row: Row) -> float:  # unrounded, as in the summary's table, so both show one mean
        total = sum(cpu[row.endpoint.key].values())
        return floor_cpu / total if total else 0.0

    bars = [
        {
            "label": row.endpoint.key,
            "values": {"throughput": round(row.ratio, 2), "CPU": round(cpu_ratio(row), 2)},
        }
        | ({"target": row.endpoint.target} if row.endpoint.target else {})
        for row in rows
    ]
    counted = [row for row in rows if row.endpoint.in_geomean]
    bars.append(
        {
            "label": "geometric mean",
            "values": {
                "throughput": round(geomean([row.ratio for row in counted]), 2),
                "CPU": round(geomean([cpu_ratio(row) for row in counted]), 2),
            },
            "target": 0.40,
        }
    )
    return {
        "title": "make bench: throughput and CPU per request, as ratios to the floor",
        "subtitle": f"{context['when']}, commit {context['commit']}, {context['machine']}, "
        f"{context['total']:,} transactions",
        "bars": bars,
    }


def write_summary(
    path: Path,
    *,
    args,
    rows: list[Row],
    floor: Row,
    context: dict,
    uncached: Uncached,
    history: tuple[int, list[Latency]],
    plans: list,
    cpu: dict[str, dict],
    imports: ImportTiming,
) -> str:
    ratios = [row.ratio for row in rows if row.endpoint.in_geomean]
    mean = geomean(ratios)
    lines = [
        f"# Benchmark {context['when']}",
        "",
        f"- Command: `{context['command']}`",
        f"- Commit: {context['commit']}",
        f"- Stack: {context['stack']}",
        f"- Machine: {context['machine']}; load average {context['load_before']} before, {context['load_after']} after",
        f"- Data: `{args.database}`: {context['total']:,} transactions of {context['users']} users; the bench user "
        f"{context['email']} has {context['user_transactions']:,}",
        f"- Client: Locust (FastHttpUser), {args.connections} connections sending back to back, {args.rounds} rounds "
        f"of {args.seconds:g} s per endpoint, each endpoint window between two floor windows",
        "",
        "| endpoint | req/s | ratio to floor | target | p50 ms | p95 ms | p99 ms | errors | SQL queries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in [floor, *rows]:
        target = f">= {row.endpoint.target:.2f}" if row.endpoint.target else ""
        ratio = "1.00 (floor)" if row is floor else f"{row.ratio:.2f}"
        queries = "" if row.queries is None else str(row.queries)
        lines.append(
            f"| {row.endpoint.key} | {row.median('rps'):.0f} | {ratio} | {target} | {row.median('p50'):.0f} "
            f"| {row.median('p95'):.0f} | {row.median('p99'):.0f} | {row.error_ratio:.2%} | {queries} |"
        )
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    lines += [
        "",
        f"- Geometric mean of the five ratios: **{mean:.2f}** (target >= 0.40: {verdict(mean >= 0.40)})",
    ]
    for row in rows:
        if row.endpoint.target:
            lines.append(
                f"- {row.endpoint.key}: {row.ratio:.2f} (target >= {row.endpoint.target:.2f}: {verdict(row.ratio >= row.endpoint.target)})"
            )
    for latency in history[1]:
        lines.append(
            f"- {latency.name} for a user with {history[0]:,} transactions, uncached: median "
            f"**{latency.median:.1f} ms** end to end (target <= {HISTORY_TARGET_MS:.0f}: "
            f"{verdict(latency.median <= HISTORY_TARGET_MS)}), p95 {statistics.quantiles(latency.http_ms, n=20)[18]:.1f} ms; "
            f"the app's own time median {statistics.median(latency.server_ms):.1f} ms"
        )
    lines += import_lines(imports)
    ratio = uncached.ratio
    lines += [
        f"- Uncached GET /reports/summary over the last ten years of the bench user (medians of "
        f"{args.samples}, alternating with the SQL): the app answers in {uncached.server_ms:.1f} ms "
        f"(its request log), against {uncached.sql_ms:.1f} ms for the same aggregate as raw SQL "
        f"({uncached.server_ms / uncached.sql_ms:.2f}x); each request over the query sent right after it, "
        f"median of the pairs: **{ratio:.2f}x** (target <= 1.5: {verdict(ratio <= 1.5)}); end to end over HTTP "
        f"{uncached.http_ms:.1f} ms ({uncached.http_ms / uncached.sql_ms:.2f}x, with the proxy hop and the "
        f"client). Of the app's time, computing the report (query and rendering, `report_ms`) took "
        f"{uncached.compute_ms:.1f} ms: {uncached.compute_ratio:.2f}x the raw SQL (median of the pairs); the rest "
        "is the request's own work (authentication, validation, the cache lookup and store, logging, metrics)",
        "",
        "Ratios are medians over rounds of (endpoint req/s) / (mean req/s of the floor windows just before and "
        "just after it). Percentiles are "
        "medians over rounds. SQL queries are counted in-process with CaptureQueriesContext, one request each "
        "(cached reports after a warming request), with the users behind the tokens already kept by the user cache "
        "as in the gunicorn workers.",
        "",
        "## CPU per request across the stack",
        "",
        "One request at a time over one keep-alive connection, CPU from /proc (user + system) of the gunicorn "
        "workers, the nginx workers, the PostgreSQL backends of the app, Redis and this client, in "
        f"microseconds per request (best of three runs of {args.cpu_requests}). The ratio is the floor's total "
        "over the endpoint's: what the throughput ratio would be if the machine did nothing else.",
        "",
        "| endpoint | gunicorn | nginx | postgres | redis | client | total | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *cpu_lines(cpu, [floor, *rows]),
        "",
        "## Query plans",
        "",
        "EXPLAIN (ANALYZE, BUFFERS) of every query on transactions_transaction the list and report endpoints make "
        f"for the bench user. Sequential scans of the transactions table: "
        f"**{sum('Seq Scan on transactions_transaction' in plan for _, _, plan in plans)}**.",
        "",
    ]
    for title, sql, plan in plans:
        lines += [f"### {title}", "", "```sql", sql, "```", "", "```text", plan, "```", ""]
    text = "\n".join(lines)
    path.write_text(text)
    return text


def imports_only(server: str, args) -> int:
    """`make bench BENCH_ARGS=--imports-only`: the import part alone, on a small database of its own."""
    name = os.environ.get("BENCH_IMPORTS_DATABASE", "finance_bench_imports")
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    url = database_url(server, name)
    env = live.app_env(url, JWT_ACCESS_TTL="3600", GUNICORN_MAX_REQUESTS="0", **RELAXED_LIMITS)
    live.migrate(env)
    gunicorn = live.Gunicorn(env, workers=args.workers, threads=4)
    proxy = None
    try:
        base = gunicorn.url
        if args.nginx and live.nginx_binary() is not None:
            proxy = live.Nginx(backend=f"127.0.0.1:{gunicorn.port}", **RELAXED_NGINX)
            base = proxy.url
        timings = [import_timing(base) for _ in range(args.rounds)]
    finally:
        if proxy is not None:
            proxy.close()
        gunicorn.close()
    median = sorted(timings, key=lambda t: t.total)[len(timings) // 2]
    stack = "nginx -> gunicorn" if proxy is not None else "gunicorn"
    text = "\n".join(
        [
            f"# Import benchmark {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
            "",
            f"- Command: `make bench BENCH_ARGS='{' '.join(sys.argv[1:])}'`",
            f"- Commit: {git_commit()}",
            f"- Stack: {stack} ({args.workers} workers x 4 threads) -> PostgreSQL + Redis on loopback, tasks inline",
            f"- Machine: {os.cpu_count()} cores; database `{name}`",
            f"- Rounds: {args.rounds}, totals {', '.join(f'{t.total:.2f} s' for t in timings)}; the median round:",
            *import_lines(median),
            "",
        ]
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench-imports-latest.md").write_text(text)
    print(text)
    return 0 if median.total <= IMPORT_TARGET_SECONDS else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "finance_bench"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (threads: 4 each)")
    parser.add_argument("--samples", type=int, default=60, help="uncached summary requests to time")
    parser.add_argument(
        "--cpu-requests", type=int, default=300, help="requests per endpoint for CPU accounting"
    )
    parser.add_argument(
        "--nginx",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="nginx in front of gunicorn (default; --no-nginx: gunicorn directly)",
    )
    parser.add_argument(
        "--imports-only",
        action="store_true",
        help="only time the 10,000-row CSV import, on a database of its own (BENCH_IMPORTS_DATABASE, default "
        "finance_bench_imports: created and migrated, never seeded)",
    )
    args = parser.parse_args(argv)

    server = live.postgres_url()
    if server is None:
        print("make bench needs PostgreSQL (DATABASE_URL or 127.0.0.1:5432)", file=sys.stderr)
        return 2
    if args.imports_only:
        return imports_only(server, args)
    nginx_note = ""
    if args.nginx and live.nginx_binary() is None:
        args.nginx = False
        nginx_note = " (nginx is not installed: measured gunicorn directly)"
        print(f"nginx is not installed; benchmarking gunicorn directly{nginx_note}", file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    url = ensure_seeded(server, args.database, live.app_env(database_url(server, args.database)))
    email, user_id, user_transactions = bench_user(url)
    writer = demo_email(2 if email != demo_email(2) else 3)
    with psycopg.connect(url) as conn:
        total, users = conn.execute(
            "SELECT count(*), count(DISTINCT user_id) FROM transactions_transaction"
        ).fetchone()
        first, last = conn.execute(
            "SELECT min(date), max(date) FROM transactions_transaction WHERE user_id = %s", [user_id]
        ).fetchone()

    # Workers are not recycled mid-run (gunicorn's max_requests): a restart adds noise to the window it falls
    # in, and nginx can answer 502 for a request sent on a keep-alive connection the old worker just closed.
    env = live.app_env(url, JWT_ACCESS_TTL="3600", GUNICORN_MAX_REQUESTS="0", **RELAXED_LIMITS)
    gunicorn = live.Gunicorn(env, workers=args.workers, threads=4)
    proxy = None
    try:
        base = gunicorn.url
        stack = (
            f"gunicorn ({args.workers} workers x 4 threads, gthread) -> PostgreSQL + Redis on loopback; "
            f"no nginx{nginx_note}"
        )
        if args.nginx:
            proxy = live.Nginx(backend=f"127.0.0.1:{gunicorn.port}", **RELAXED_NGINX)
            base = proxy.url
            stack = f"nginx -> gunicorn ({args.workers} workers x 4 threads, gthread) -> PostgreSQL + Redis on loopback"
        token = login(base, email)
        # Writes go to another demo user's accounts, one per connection: the reads above stay the bench
        # user's own, and concurrent writers do not queue on one account's row lock.
        writer_token = login(base, writer)
        # Two accounts per connection: transactions go to the first, transfers from the first to the second.
        writes_accounts, receiving_accounts = [], []
        for accounts in (writes_accounts, receiving_accounts):
            for _ in range(args.connections):
                status, _, account = call(
                    base,
                    "POST",
                    "/accounts",
                    token=writer_token,
                    body={"name": WRITES_ACCOUNT, "currency": "USD", "opening_balance": "1000000.00"},
                )
                if status != 201:
                    raise RuntimeError(f"creating a writes account: {status} {account}")
                accounts.append(account["id"])
        status, _, categories = call(base, "GET", "/categories?type=expense", token=writer_token)
        category = categories["results"][0]["id"]
        year = (last - timedelta(days=364), last)
        report_query = f"from={year[0]}&to={year[1]}"
        floor_endpoint = Endpoint("GET /health/live", "GET", "/health/live")
        endpoints = [
            Endpoint("GET /accounts", "GET", "/accounts", in_geomean=True),
            Endpoint("GET /transactions", "GET", "/transactions", in_geomean=True),
            Endpoint(
                "GET /reports/summary",
                "GET",
                f"/reports/summary?{report_query}",
                header="X-Cache=HIT",
                warm=True,
                target=0.60,
                in_geomean=True,
            ),
            Endpoint(
                "GET /reports/by-category",
                "GET",
                f"/reports/by-category?{report_query}",
                header="X-Cache=HIT",
                warm=True,
                target=0.60,
                in_geomean=True,
            ),
            Endpoint(
                "POST /transactions",
                "POST",
                "/transactions",
                status=201,
                token=writer_token,
                body={
                    "account": writes_accounts,
                    "category": category,
                    "type": "expense",
                    "amount": "12.50",
                    "date": str(last),
                    "description": "bench",
                },
                target=0.20,
                in_geomean=True,
            ),
            Endpoint(
                "POST /transfers",
                "POST",
                "/transfers",
                status=201,
                token=writer_token,
                body={
                    "from_account": writes_accounts,
                    "to_account": receiving_accounts,
                    "amount": "12.50",
                    "date": str(last),
                    "description": "bench",
                },
                target=0.20,
            ),
        ]
        floor = Row(floor_endpoint)
        rows = [Row(endpoint) for endpoint in endpoints]
        for round_number in range(1, args.rounds + 1):

            def floor_window(tag: str, round_number=round_number) -> Measured:
                measured = measure(
                    base,
                    floor_endpoint,
                    token,
                    seconds=args.seconds,
                    connections=args.connections,
                    tag=f"r{round_number}-floor-{tag}",
                )
                floor.rounds.append(measured)
                return measured

            before = floor_window("0")
            print(f"round {round_number}: floor {before.rps:.0f} req/s", flush=True)
            for index, row in enumerate(rows):
                measured = measure(
                    base,
                    row.endpoint,
                    token,
                    seconds=args.seconds,
                    connections=args.connections,
                    tag=f"r{round_number}-{index}",
                )
                after = floor_window(str(index + 1))
                # The floor just before and just after: the machine's pace drifts between windows.
                floor_rps = (before.rps + after.rps) / 2
                row.rounds.append(measured)
                row.ratios.append(measured.rps / floor_rps if floor_rps else 0.0)
                print(
                    f"round {round_number}: {row.endpoint.key} {measured.rps:.0f} req/s ({row.ratios[-1]:.2f}); "
                    f"floor {after.rps:.0f} req/s",
                    flush=True,
                )
                before = after
        uncached = uncached_against_sql(base, gunicorn, url, token, user_id, first, last, args.samples)
        cpu = cpu_per_request(
            base, gunicorn, proxy, url, [floor_endpoint, *endpoints], token, args.cpu_requests
        )
        counts, plans = in_process(url, email, writer, [floor_endpoint, *endpoints], (first, last))
        floor.queries = counts.get(floor_endpoint.key)
        for row in rows:
            row.queries = counts.get(row.endpoint.key)
        heavy_token = login(base, HEAVY_USER)
        history = history_latency(base, gunicorn, heavy_token, url, args.samples)
        imports = import_timing(base)
        print(import_lines(imports)[0], flush=True)
        for account_id in (*writes_accounts, *receiving_accounts):
            call(base, "DELETE", f"/accounts/{account_id}", token=writer_token)
    finally:
        if proxy is not None:
            proxy.close()
        gunicorn.close()

    when = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    context = {
        "when": when,
        "command": "make bench"
        + (" BENCH_ARGS='" + " ".join(argv or sys.argv[1:]) + "'" if (argv or sys.argv[1:]) else ""),
        "commit": git_commit(),
        "stack": stack,
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "load_before": " ".join(f"{v:.2f}" for v in load_before),
        "load_after": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        "total": total,
        "users": users,
        "email": email,
        "user_transactions": user_transactions,
    }
    path = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.md"
    text = write_summary(
        path,
        args=args,
        rows=rows,
        floor=floor,
        context=context,
        uncached=uncached,
        history=history,
        plans=plans,
        cpu=cpu,
        imports=imports,
    )
    (RESULTS / "bench-latest.md").write_text(text)
    data = chart_data(rows, floor, cpu, context)
    (RESULTS / "bench-latest.json").write_text(json.dumps(data, indent=2) + "\n")
    chart = ratio_chart_from_file(RESULTS / "bench-latest.json")
    path.with_suffix(".svg").write_text(chart)
    (RESULTS / "bench-latest.svg").write_text(chart)
    print(text.split("## Query plans")[0])
    print(f"Summary: {path}; chart: {path.with_suffix('.svg')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
