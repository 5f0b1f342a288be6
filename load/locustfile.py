"""Load test of the Finance API: people signing in and going about their money.

Each simulated user registers and logs in once (or logs in as a demo user from `manage.py seed_demo`),
opens accounts and categories, then lists, reads, records and deletes transactions and reads reports,
refreshing the access token before it expires. Every response is judged (status and shape), not only timed.

    locust -f load/locustfile.py --host http://127.0.0.1:8000 --headless --shape ramp \\
        --csv load/results/ramp --html load/results/ramp.html

Shapes: smoke, ramp, steady, spike, soak (load/shapes.py). Thresholds (load/thresholds.py) make the run
exit non-zero when breached. docs/load-testing.md has the whole story.
"""

import base64
import itertools
import json
import logging
import math
import random
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from locust import FastHttpUser, LoadTestShape, events, task
from locust.exception import StopUser
from locust.runners import WorkerRunner

import shapes
import thresholds
from target import DEMO_PASSWORD

log = logging.getLogger("load")

REGISTERED_PASSWORD = "load-Test-passw0rd-42"

PAGE_FIELDS = {"count", "next", "previous", "results"}
TOKEN_FIELDS = {"access", "refresh"}
ACCOUNT_FIELDS = {"id", "name", "currency", "balance", "opening_balance", "created_at"}
CATEGORY_FIELDS = {"id", "name", "type", "created_at"}
TRANSACTION_FIELDS = {
    "id",
    "account",
    "category",
    "type",
    "direction",
    "transfer",
    "amount",
    "currency",
    "description",
    "date",
    "import",
    "external_id",
    "created_at",
}
SUMMARY_FIELDS = {
    "from",
    "to",
    "account",
    "currency",
    "income",
    "expense",
    "balance",
    "transfers_in",
    "transfers_out",
    "by_currency",
}
BY_CATEGORY_FIELDS = {"from", "to", "account", "results"}
TRENDS_FIELDS = {"from", "to", "interval", "account", "category", "by_currency"}
NET_WORTH_FIELDS = {"from", "to", "interval", "by_currency"}
BALANCES_FIELDS = {"account", "currency", "interval", "points"}
TRANSFER_FIELDS = {
    "id",
    "from_account",
    "to_account",
    "amount",
    "currency",
    "to_amount",
    "to_currency",
    "rate",
    "date",
    "description",
    "from_transaction",
    "to_transaction",
    "created_at",
}
IMPORT_FIELDS = {
    "id",
    "account",
    "status",
    "format",
    "filename",
    "size_bytes",
    "headers",
    "sample",
    "suggested_mapping",
    "mapping",
    "row_count",
    "invalid_count",
    "income_category",
    "expense_category",
    "created",
    "skipped",
    "duplicates",
    "error",
    "created_at",
    "committed_at",
    "reverted_at",
}
SUGGESTION_FIELDS = {"outflow", "inflow", "days_apart"}
STATEMENT_ROWS = 20
PAGE_SIZE = 20
REPORTS = ("summary", "by-category", "trends", "net-worth", "balances")
DESCRIPTIONS = ["Lunch", "Weekly shop", "Taxi", "Cinema", "Pharmacy", ""]


@events.init_command_line_parser.add_listener
def _arguments(parser) -> None:
    group = parser.add_argument_group("Finance API load test")
    group.add_argument(
        "--shape",
        choices=sorted(shapes.SHAPES),
        default="smoke",
        env_var="LOAD_SHAPE",
        help="Load shape: " + "; ".join(f"{s.name}: {s.description}" for s in shapes.SHAPES.values()),
    )
    group.add_argument(
        "--peak-users", type=int, default=0, env_var="LOAD_PEAK_USERS", help="Peak users (0: shape default)."
    )
    group.add_argument(
        "--shape-seconds",
        type=float,
        default=0,
        env_var="LOAD_SHAPE_SECONDS",
        help="Length of the run in seconds; stages stretch to fit (0: shape default).",
    )
    group.add_argument(
        "--max-failure-ratio",
        type=float,
        default=-1,
        env_var="LOAD_MAX_FAILURE_RATIO",
        help="Largest share of failed requests that passes (default 0 for smoke, 0.01 otherwise).",
    )
    group.add_argument(
        "--p95-factor",
        type=float,
        default=0,
        env_var="LOAD_P95_FACTOR",
        help="Multiplies every p95 limit of load/thresholds.py (default 10 for smoke, 1 otherwise).",
    )
    group.add_argument(
        "--existing-users",
        type=int,
        default=0,
        env_var="LOAD_EXISTING_USERS",
        help="Log in as demo-00001..N@example.com (manage.py seed_demo) instead of registering new users.",
    )
    group.add_argument(
        "--user-password",
        default=DEMO_PASSWORD,
        env_var="LOAD_USER_PASSWORD",
        help="Password of the existing users.",
    )
    group.add_argument(
        "--think-time",
        default="0.5,2",
        env_var="LOAD_THINK_TIME",
        help="Pause between a user's actions: MIN,MAX seconds.",
    )
    group.add_argument(
        "--refresh-margin",
        type=float,
        default=30,
        env_var="LOAD_REFRESH_MARGIN",
        help="Refresh the access token this many seconds before it expires.",
    )


class SelectedShape(LoadTestShape):
    """The shape named by --shape, stretched by --shape-seconds and scaled by --peak-users."""

    def tick(self):
        options = self.runner.environment.parsed_options
        selected = shapes.plan(options.shape, seconds=options.shape_seconds, peak_users=options.peak_users)
        return selected.tick(self.get_run_time())


@events.quitting.add_listener
def _enforce_thresholds(environment, **_kwargs) -> None:
    """Turn breached thresholds into a non-zero exit code (on the master or a standalone run)."""
    options = environment.parsed_options
    if options is None or isinstance(environment.runner, WorkerRunner):
        return
    limits = thresholds.Limits.for_shape(
        options.shape, max_failure_ratio=options.max_failure_ratio, p95_factor=options.p95_factor
    )
    found = thresholds.breaches(environment.stats, limits)
    for line in found:
        log.error("threshold breached: %s", line)
    if found:
        environment.process_exit_code = 1
    else:
        log.info(
            "thresholds met: failure ratio <= %.2f%%, p95 within %.1fx the limits",
            limits.max_failure_ratio * 100,
            limits.p95_factor,
        )


def _claims(token: str) -> dict:
    """The payload of a JWT, unverified: the client only needs to know when it expires."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _places(money: str) -> int:
    """Minor-unit digits of a currency, read off an amount the API formatted ("12.50" -> 2, "500" -> 0)."""
    return len(money.partition(".")[2])


def _page_check(fields: set[str]):
    def check(body, _response) -> str | None:
        if not isinstance(body, dict) or set(body) != PAGE_FIELDS:
            return f"not a page: {str(body)[:200]}"
        if not isinstance(body["results"], list) or not isinstance(body["count"], int):
            return "page results must be a list and count an integer"
        for item in body["results"]:
            if set(item) != fields:
                return f"unexpected fields {sorted(item)}"
        return None

    return check


def _multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with the fields and one file, and its Content-Type."""
    boundary = f"----load{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _fields_check(fields: set[str]):
    def check(body, _response) -> str | None:
        if not isinstance(body, dict) or set(body) != fields:
            return f"unexpected body {str(body)[:200]}"
        return None

    return check


class FinanceUser(FastHttpUser):
    """One person using the API, from sign-up to reports."""

    _demo_numbers = itertools.count()

    # --- session --------------------------------------------------------------------------------------
    def on_start(self) -> None:
        options = self.environment.parsed_options
        low, _, high = options.think_time.partition(",")
        self.think = (float(low), float(high or low))
        self.refresh_margin = options.refresh_margin
        self.access = self.refresh = ""
        self.expires_at = self.lifetime = 0.0
        self.accounts: list[dict] = []
        self.categories: list[dict] = []
        self.created: list[int] = []  # transactions this user recorded: safe to read and delete
        self.transfers: list[int] = []  # transfers this user made: safe to change and delete
        self.seen: list[int] = []  # transaction ids met in lists
        self.pages = 1
        self.stale = dict.fromkeys(REPORTS, True)
        self.exclusive = not options.existing_users  # a shared demo user's cache is warmed by others too
        if options.existing_users:
            number = next(self._demo_numbers) % options.existing_users + 1
            self.email, self.password = f"demo-{number:05d}@example.com", options.user_password
            self.login()
            self.load_books()
        else:
            self.email, self.password = f"load-{uuid.uuid4().hex[:20]}@example.com", REGISTERED_PASSWORD
            self.register()
            self.login()
            self.set_up_books()
        if not (self.accounts and self.categories):
            raise StopUser()

    def wait_time(self) -> float:
        return random.uniform(*self.think)

    def _keep_tokens(self, body: dict) -> None:
        self.access, self.refresh = body["access"], body["refresh"]
        claims = _claims(self.access)
        self.lifetime = claims["exp"] - claims.get("iat", claims["exp"] - 300)
        self.expires_at = time.time() + self.lifetime

    def register(self) -> None:
        with self.client.post(
            "/auth/register",
            json={"email": self.email, "password": self.password},
            name="/auth/register",
            catch_response=True,
        ) as response:
            if response.status_code != 201 or response.json().get("email") != self.email:
                response.failure(f"register: {response.status_code} {(response.text or '')[:200]}")
                raise StopUser()
            response.success()

    def login(self) -> None:
        with self.client.post(
            "/auth/login",
            json={"email": self.email, "password": self.password},
            name="/auth/login",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or set(response.json() or {}) != TOKEN_FIELDS:
                response.failure(f"login: {response.status_code} {(response.text or '')[:200]}")
                raise StopUser()
            self._keep_tokens(response.json())
            response.success()

    def refresh_tokens(self) -> None:
        with self.client.post(
            "/auth/refresh", json={"refresh": self.refresh}, name="/auth/refresh", catch_response=True
        ) as response:
            if response.status_code == 200 and set(response.json() or {}) == TOKEN_FIELDS:
                self._keep_tokens(response.json())
                response.success()
                return
            response.failure(f"refresh: {response.status_code} {(response.text or '')[:200]}")
        self.login()

    def headers(self) -> dict[str, str]:
        # Refresh ahead of expiry; the margin never exceeds 90% of the lifetime, so a short-lived token
        # is not refreshed on every request.
        if time.time() >= self.expires_at - min(self.refresh_margin, 0.9 * self.lifetime):
            self.refresh_tokens()
        return {"Authorization": f"Bearer {self.access}"}

    def call(
        self,
        method: str,
        path: str,
        *,
        name: str,
        expect: int,
        params=None,
        body=None,
        check=None,
        upload=None,
    ):
        """One judged request: the status must be `expect` and `check(body, response)` must find nothing.
        `body` is sent as JSON; `upload`, a (body, content type) pair, as it is (a multipart file upload).

        Returns the parsed body (True for an empty one), or None when the request failed.
        """
        url = f"{path}?{urlencode(params)}" if params else path
        headers = self.headers()
        sent = {"json": body}
        if upload is not None:
            sent = {"data": upload[0]}
            headers["Content-Type"] = upload[1]
        with self.client.request(
            method, url, name=name, headers=headers, catch_response=True, **sent
        ) as response:
            if response.status_code != expect:
                response.failure(
                    f"expected {expect}, got {response.status_code}: {(response.text or '')[:200]}"
                )
                return None
            parsed = True
            if expect != 204:
                try:
                    parsed = response.json()
                except ValueError:
                    response.failure("the body is not JSON")
                    return None
            problem = check(parsed, response) if check else None
            if problem:
                response.failure(problem)
                return None
            response.success()
            return parsed

    # --- setting up -------------------------------------------------------------------------------------
    def set_up_books(self) -> None:
        for name, currency, opening in (("Checking", "USD", "1500.00"), ("Savings", "EUR", "800.00")):
            account = self.call(
                "POST",
                "/accounts",
                name="/accounts",
                expect=201,
                body={"name": name, "currency": currency, "opening_balance": opening},
                check=_fields_check(ACCOUNT_FIELDS),
            )
            if account:
                self.accounts.append(account)
        for name, type_ in (
            ("Salary", "income"),
            ("Groceries", "expense"),
            ("Transport", "expense"),
            ("Restaurants", "expense"),
        ):
            category = self.call(
                "POST",
                "/categories",
                name="/categories",
                expect=201,
                body={"name": name, "type": type_},
                check=_fields_check(CATEGORY_FIELDS),
            )
            if category:
                self.categories.append(category)
        if self.accounts and self.categories:
            for _ in range(8):
                self.create_transaction()
            self.import_statement()  # everyone imports a statement once, so even a short run has imports

    def load_books(self) -> None:
        accounts = self.call(
            "GET",
            "/accounts",
            name="/accounts",
            expect=200,
            params={"page_size": 100},
            check=_page_check(ACCOUNT_FIELDS),
        )
        categories = self.call(
            "GET",
            "/categories",
            name="/categories",
            expect=200,
            params={"page_size": 100},
            check=_page_check(CATEGORY_FIELDS),
        )
        self.accounts = accounts["results"] if accounts else []
        self.categories = categories["results"] if categories else []

    # --- journeys ---------------------------------------------------------------------------------------
    def _new_transaction(self) -> dict:
        account = random.choice(self.accounts)
        category = random.choice(self.categories)
        places = _places(account["balance"])
        amount = f"{random.uniform(1, 250) * (1 if places else 100):.{places}f}"
        return {
            "account": account["id"],
            "category": category["id"],
            "type": category["type"],
            "amount": amount,
            "date": (date.today() - timedelta(days=random.randrange(365))).isoformat(),
            "description": random.choice(DESCRIPTIONS),
        }

    @task(10)
    def create_transaction(self) -> None:
        sent = self._new_transaction()

        def check(body, _response):
            if set(body) != TRANSACTION_FIELDS:
                return f"unexpected fields {sorted(body)}"
            if body["amount"] != sent["amount"] or body["account"] != sent["account"]:
                return f"the transaction differs from what was sent: {body}"
            return None

        created = self.call("POST", "/transactions", name="/transactions", expect=201, body=sent, check=check)
        if created:
            self.created.append(created["id"])
            self.stale = dict.fromkeys(self.stale, True)

    @task(30)
    def list_transactions(self) -> None:
        params: dict = {}
        name = "/transactions"
        roll = random.random()
        if roll < 0.25:
            days = random.choice([30, 90, 365])
            params = {
                "from": (date.today() - timedelta(days=days)).isoformat(),
                "to": date.today().isoformat(),
            }
            name = "/transactions?filtered"
        elif roll < 0.4:
            params = {"account": random.choice(self.accounts)["id"]}
            name = "/transactions?filtered"
        elif roll < 0.6 and self.pages > 1:
            params = {"page": random.randint(2, min(self.pages, 50))}

        def check(body, response):
            problem = _page_check(TRANSACTION_FIELDS)(body, response)
            if problem:
                return problem
            results = body["results"]
            if len(results) > PAGE_SIZE:
                return f"{len(results)} results on a page of {PAGE_SIZE}"
            dates = [item["date"] for item in results]
            if dates != sorted(dates, reverse=True):
                return "results are not newest first"
            if "from" in params and any(not params["from"] <= d <= params["to"] for d in dates):
                return "a result lies outside the requested period"
            if "account" in params and any(item["account"] != params["account"] for item in results):
                return "a result belongs to another account"
            return None

        body = self.call("GET", "/transactions", name=name, expect=200, params=params, check=check)
        if body and not params:
            self.pages = max(1, math.ceil(body["count"] / PAGE_SIZE))
            self.seen = [item["id"] for item in body["results"]]

    @task(10)
    def get_transaction(self) -> None:
        known = self.created or self.seen
        if not known:
            return
        wanted = random.choice(known)

        def check(body, _response):
            if set(body) != TRANSACTION_FIELDS or body["id"] != wanted:
                return f"expected transaction {wanted}, got {str(body)[:200]}"
            return None

        self.call("GET", f"/transactions/{wanted}", name="/transactions/{id}", expect=200, check=check)

    @task(3)
    def delete_transaction(self) -> None:
        if len(self.created) <= 5:
            return
        victim = self.created.pop(random.randrange(len(self.created)))
        if self.call("DELETE", f"/transactions/{victim}", name="/transactions/{id}", expect=204):
            self.stale = dict.fromkeys(self.stale, True)
            if victim in self.seen:
                self.seen.remove(victim)

    def _report(self, report: str, path: str, fields: set[str], params: dict[str, str | int]) -> None:
        after_write = self.stale[report]

        def check(body, response):
            if set(body) != fields:
                return f"unexpected fields {sorted(body)}"
            cache = response.headers.get("X-Cache")
            if cache not in {"HIT", "MISS"}:
                return f"X-Cache is {cache!r}"
            if after_write and self.exclusive and cache != "MISS":
                return "a cached report was served after a write"
            return None

        name = path if report != "balances" else "/accounts/{id}/balances"
        name += " (after write)" if after_write else ""
        if self.call("GET", path, name=name, expect=200, params=params, check=check):
            self.stale[report] = False

    def _this_year(self) -> dict[str, str | int]:
        today = date.today()
        return {"from": today.replace(month=1, day=1).isoformat(), "to": today.isoformat()}

    @task(15)
    def summary(self) -> None:
        self._report("summary", "/reports/summary", SUMMARY_FIELDS, self._this_year())

    @task(8)
    def by_category(self) -> None:
        self._report("by-category", "/reports/by-category", BY_CATEGORY_FIELDS, self._this_year())

    @task(4)
    def trends(self) -> None:
        today = date.today()
        params = {
            "from": (today - timedelta(days=365)).isoformat(),
            "to": today.isoformat(),
            "interval": "month",
        }
        self._report("trends", "/reports/trends", TRENDS_FIELDS, params)

    @task(3)
    def net_worth(self) -> None:
        self._report("net-worth", "/reports/net-worth", NET_WORTH_FIELDS, self._this_year())

    @task(4)
    def balances(self) -> None:
        account = random.choice(self.accounts)["id"]
        self._report("balances", f"/accounts/{account}/balances", BALANCES_FIELDS, {"interval": "day"})

    @task(4)
    def create_transfer(self) -> None:
        if len(self.accounts) < 2:
            return
        source, target = random.sample(self.accounts, 2)
        body = {
            "from_account": source["id"],
            "to_account": target["id"],
            "amount": f"{random.uniform(5, 200):.{_places(source['balance'])}f}",
            "date": (date.today() - timedelta(days=random.randrange(60))).isoformat(),
            "description": "Savings",
        }
        if source["currency"] != target["currency"]:
            body["to_amount"] = f"{random.uniform(5, 200):.{_places(target['balance'])}f}"

        def check(body_, _response):
            if set(body_) != TRANSFER_FIELDS:
                return f"unexpected fields {sorted(body_)}"
            if body_["amount"] != body["amount"] or not (
                body_["from_transaction"] and body_["to_transaction"]
            ):
                return f"the transfer differs from what was sent: {body_}"
            return None

        created = self.call("POST", "/transfers", name="/transfers", expect=201, body=body, check=check)
        if created:
            self.transfers.append(created["id"])
            self.stale = dict.fromkeys(self.stale, True)

    @task(2)
    def list_transfers(self) -> None:
        self.call("GET", "/transfers", name="/transfers", expect=200, check=_page_check(TRANSFER_FIELDS))

    @task(1)
    def delete_transfer(self) -> None:
        if len(self.transfers) <= 2:
            return
        victim = self.transfers.pop(random.randrange(len(self.transfers)))
        if self.call("DELETE", f"/transfers/{victim}", name="/transfers/{id}", expect=204):
            self.stale = dict.fromkeys(self.stale, True)

    @task(1)
    def import_statement(self) -> None:
        """A small bank statement: uploaded, mapped as suggested, committed (the import's defaults take the
        rows without a category), read back, and undone now and then."""
        account = random.choice(self.accounts)
        places = _places(account["balance"])
        incomes = [c for c in self.categories if c["type"] == "income"]
        expenses = [c for c in self.categories if c["type"] == "expense"]
        if not (incomes and expenses):
            return
        batch = uuid.uuid4().hex[:12]
        lines = ["Id;Date;Description;Amount"]
        for number in range(STATEMENT_ROWS):
            day = (date.today() - timedelta(days=random.randrange(90))).strftime("%d.%m.%Y")
            amount = f"{random.uniform(1, 120) * (1 if places else 100):.{places}f}".replace(".", ",")
            sign = "" if number % 5 == 0 else "-"
            lines.append(f"{batch}-{number};{day};{random.choice(DESCRIPTIONS) or 'Card'};{sign}{amount}")
        upload = _multipart({"account": str(account["id"])}, "statement.csv", "\n".join(lines).encode())

        def uploaded_check(body, _response):
            if set(body) != IMPORT_FIELDS or body["format"] != "csv" or body["row_count"] != STATEMENT_ROWS:
                return f"unexpected upload answer {str(body)[:300]}"
            return None

        made = self.call("POST", "/imports", name="/imports", expect=201, upload=upload, check=uploaded_check)
        if not made:
            return
        mapped = self.call(
            "PUT",
            f"/imports/{made['id']}/mapping",
            name="/imports/{id}/mapping",
            expect=200,
            body=made["suggested_mapping"],
            check=lambda body, _r: None
            if body == {"row_count": STATEMENT_ROWS, "invalid_count": 0}
            else str(body),
        )
        if not mapped:
            return
        defaults = {"income_category": incomes[0]["id"], "expense_category": expenses[0]["id"]}
        if not self.call(
            "POST", f"/imports/{made['id']}/commit", name="/imports/{id}/commit", expect=202, body=defaults
        ):
            return
        self.stale = dict.fromkeys(self.stale, True)

        def state_check(body, _response):
            if set(body) != IMPORT_FIELDS or body["status"] not in ("importing", "done"):
                return f"unexpected import {str(body)[:300]}"
            if body["status"] == "done" and body["created"] != STATEMENT_ROWS:
                return f"the import created {body['created']} of {STATEMENT_ROWS} rows"
            return None

        state = self.call(
            "GET", f"/imports/{made['id']}", name="/imports/{id}", expect=200, check=state_check
        )
        if state and state["status"] == "done" and random.random() < 0.5:
            self.call("POST", f"/imports/{made['id']}/revert", name="/imports/{id}/revert", expect=202)

    @task(1)
    def transfer_suggestions(self) -> None:
        self.call(
            "GET",
            "/transfers/suggestions",
            name="/transfers/suggestions",
            expect=200,
            check=_page_check(SUGGESTION_FIELDS),
        )

    @task(10)
    def list_accounts(self) -> None:
        body = self.call("GET", "/accounts", name="/accounts", expect=200, check=_page_check(ACCOUNT_FIELDS))
        if body and body["results"]:
            self.accounts = body["results"]

    @task(3)
    def get_account(self) -> None:
        wanted = random.choice(self.accounts)["id"]
        self.call(
            "GET",
            f"/accounts/{wanted}",
            name="/accounts/{id}",
            expect=200,
            check=_fields_check(ACCOUNT_FIELDS),
        )
