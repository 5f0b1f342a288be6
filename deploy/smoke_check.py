"""A user's journey through the front door (nginx) of a running Finance API, checking the edge on the way.

    python deploy/smoke_check.py                          # http://localhost:8080, the compose stack
    python deploy/smoke_check.py https://finance.example.com

Health, register, login, an account, two categories, two transactions, the balance, a list and both
reports; an unauthenticated call (401), an unknown path (404) and /metrics (404 at the edge). Every answer
must carry nginx's hardening headers exactly once and echo the request id the check sent. Exits 1 at the
first thing that is wrong. Standard library only, so it runs anywhere Python 3.11+ does.

`make smoke` runs the same journey against the app and nginx started on loopback (deploy/local/stack.py).
"""

import argparse
import gzip
import json
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

# Headers nginx adds to every answer (nginx/includes/security-headers.conf), with their exact values.
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
RELAXED_CSP_PREFIXES = ("/docs", "/redoc", "/static/", "/admin/")
PROBLEM_FIELDS = {"type", "title", "status", "detail", "request_id"}
PASSWORD = "smoke-Check-passw0rd-7"


class SmokeFailure(AssertionError):
    """Something a user or operator would notice is wrong."""


@dataclass
class Answer:
    method: str
    path: str
    status: int
    headers: Message
    body: Any
    sent_request_id: str | None

    @property
    def request_id(self) -> str | None:
        return self.headers.get("X-Request-ID")


def header_problems(path: str, headers: Message, *, tls: bool = False) -> list[str]:
    """What is missing, wrong or repeated among the edge's headers of one answer to `path`."""
    problems = []

    def single(name: str) -> str | None:
        values = headers.get_all(name) or []
        if len(values) != 1:
            problems.append(f"{name} sent {len(values)} times (expected once)")
            return None
        return values[0]

    for name, expected in FIXED_HEADERS.items():
        value = single(name)
        if value is not None and value != expected:
            problems.append(f"{name} is {value!r}, expected {expected!r}")
    relaxed = path.split("?", 1)[0].startswith(RELAXED_CSP_PREFIXES)
    csp = single("Content-Security-Policy")
    if csp is not None and not relaxed and csp != API_CSP:
        problems.append(f"Content-Security-Policy of an API path is {csp!r}")
    if csp is not None and "frame-ancestors 'none'" not in csp:
        problems.append("Content-Security-Policy lets other sites frame the page")
    permissions = single("Permissions-Policy")
    if permissions is not None and "camera=()" not in permissions:
        problems.append(f"Permissions-Policy does not turn features off: {permissions!r}")
    if not path.startswith("/static/"):
        cache_control = single("Cache-Control")
        if cache_control is not None and cache_control != "no-store":
            problems.append(f"Cache-Control is {cache_control!r}, expected 'no-store'")
    hsts = headers.get_all("Strict-Transport-Security") or []
    if tls and len(hsts) != 1:
        problems.append(f"Strict-Transport-Security sent {len(hsts)} times over TLS (expected once)")
    if not tls and hsts:
        problems.append("Strict-Transport-Security sent over plain HTTP")
    single("X-Request-ID")
    server = headers.get("Server", "")
    if any(ch.isdigit() for ch in server):
        problems.append(f"Server header reveals a version: {server!r}")
    return problems


def problem_shape(answer: Answer) -> list[str]:
    """What is wrong with an error answer's problem+json body."""
    problems = []
    content_type = answer.headers.get("Content-Type", "")
    if not content_type.startswith("application/problem+json"):
        problems.append(f"Content-Type is {content_type!r}, expected application/problem+json")
    body = answer.body
    if not isinstance(body, dict) or not set(body) >= PROBLEM_FIELDS:
        return [*problems, f"body is not a problem document: {body!r}"]
    if body["status"] != answer.status:
        problems.append(f"body status {body['status']} differs from HTTP status {answer.status}")
    if body["request_id"] != answer.request_id:
        problems.append(
            f"body request_id {body['request_id']!r} differs from X-Request-ID {answer.request_id!r}"
        )
    return problems


def send(
    base_url: str,
    method: str,
    path: str,
    *,
    body: Any = None,
    token: str | None = None,
    client_ip: str | None = None,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
    raw: bytes | None = None,
) -> Answer:
    """One HTTP request with an X-Request-ID (a fresh one unless given); any status is an answer. `body` is
    sent as JSON; `raw` as it is (give its Content-Type in `headers`)."""
    sent_id = request_id or f"smoke-{uuid.uuid4().hex}"
    data = json.dumps(body).encode() if body is not None else raw
    request = urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method)
    request.add_header("Accept", "application/json")
    request.add_header("X-Request-ID", sent_id)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if client_ip:
        request.add_header("X-Forwarded-For", client_ip)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, response_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, error.headers, error.read()
    if response_headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    return Answer(method, path, status, response_headers, _parse(raw), sent_id)


@dataclass
class Journey:
    """Calls through the edge, every answer checked; `answers` keeps them for whoever wants more.

    `edge=False` walks the same journey against the app itself (the image check): nginx's headers and its
    404 for /metrics are not asked for there.
    """

    base_url: str
    client_ip: str | None = None
    timeout: float = 30.0
    tls: bool = False
    edge: bool = True
    answers: list[Answer] = field(default_factory=list)

    def call(
        self,
        method: str,
        path: str,
        *,
        expect: int,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """One request with a fresh request id; raises SmokeFailure unless the answer is `expect` and right."""
        answer = send(
            self.base_url,
            method,
            path,
            body=body,
            token=token,
            client_ip=self.client_ip,
            headers=headers,
            timeout=self.timeout,
        )
        self.answers.append(answer)
        where = f"{method} {path}"
        if answer.status != expect:
            raise SmokeFailure(f"{where}: expected {expect}, got {answer.status}: {answer.body!r}")
        problems = header_problems(path, answer.headers, tls=self.tls) if self.edge else []
        if answer.request_id != answer.sent_request_id:
            problems.append(
                f"X-Request-ID came back as {answer.request_id!r}, sent {answer.sent_request_id!r}"
            )
        if answer.status >= 400:
            problems += problem_shape(answer)
        if problems:
            raise SmokeFailure(f"{where} ({answer.status}): " + "; ".join(problems))
        return answer

    def run(self) -> "Journey":
        """The whole journey; raises SmokeFailure at the first wrong answer."""
        live = self.call("GET", "/health/live", expect=200)
        _expect(live.body == {"status": "ok"}, f"/health/live said {live.body!r}")
        ready = self.call("GET", "/health/ready", expect=200)
        _expect(ready.body.get("status") == "ok", f"/health/ready said {ready.body!r}")

        email = f"smoke-{uuid.uuid4().hex[:12]}@example.com"
        credentials = {"email": email, "password": PASSWORD}
        self.call("POST", "/auth/register", body=credentials, expect=201)
        tokens = self.call("POST", "/auth/login", body=credentials, expect=200).body
        _expect({"access", "refresh"} <= set(tokens), f"login answered {tokens!r}")
        token = tokens["access"]
        me = self.call("GET", "/auth/me", token=token, expect=200).body
        _expect(me.get("email") == email, f"/auth/me is {me!r}")
        self.call("GET", "/accounts", expect=401)

        account = self.call(
            "POST",
            "/accounts",
            token=token,
            body={"name": "Smoke wallet", "currency": "USD", "opening_balance": "100.00"},
            expect=201,
        ).body
        salary = self.call(
            "POST", "/categories", token=token, body={"name": "Salary", "type": "income"}, expect=201
        ).body
        food = self.call(
            "POST", "/categories", token=token, body={"name": "Groceries", "type": "expense"}, expect=201
        ).body
        for category, kind, amount in ((salary, "income", "50.00"), (food, "expense", "12.50")):
            self.call(
                "POST",
                "/transactions",
                token=token,
                body={
                    "account": account["id"],
                    "category": category["id"],
                    "type": kind,
                    "amount": amount,
                    "date": "2024-01-15",
                    "description": f"smoke {kind}",
                },
                expect=201,
            )
        balance = self.call("GET", f"/accounts/{account['id']}", token=token, expect=200).body["balance"]
        _expect(balance == "137.50", f"balance is {balance!r}, expected '137.50' (100.00 + 50.00 - 12.50)")
        listed = self.call("GET", "/transactions?from=2024-01-01&to=2024-01-31", token=token, expect=200).body
        _expect(listed.get("count") == 2, f"the January list has {listed.get('count')!r} transactions")
        summary = self.call(
            "GET", "/reports/summary?from=2024-01-01&to=2024-01-31", token=token, expect=200
        ).body
        figures = (summary.get("income"), summary.get("expense"), summary.get("balance"))
        _expect(figures == ("50.00", "12.50", "37.50"), f"the January summary is {summary!r}")
        by_category = self.call(
            "GET", "/reports/by-category?from=2024-01-01&to=2024-01-31", token=token, expect=200
        ).body
        totals = sorted((row["name"], row["total"]) for row in by_category.get("results", []))
        _expect(totals == [("Groceries", "12.50"), ("Salary", "50.00")], f"by category: {by_category!r}")

        self.call("GET", "/no-such-endpoint", expect=404)
        if self.edge:
            self.call("GET", "/metrics", expect=404)
        return self


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def _parse(raw: bytes) -> Any:
    text = raw.decode(errors="replace")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def check(base_url: str) -> int:
    """Walk the journey, print one line per answer; 0 when everything was right, 1 otherwise."""
    journey = Journey(base_url, tls=base_url.startswith("https://"))
    try:
        journey.run()
    except SmokeFailure as failure:
        for answer in journey.answers:
            print(f"      {answer.status} {answer.method} {answer.path}")
        print(f"FAIL  {failure}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"FAIL  {base_url} is not reachable: {error}", file=sys.stderr)
        return 1
    for answer in journey.answers:
        print(f"ok    {answer.status} {answer.method} {answer.path}")
    print(f"smoke check passed: {len(journey.answers)} answers from {base_url}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", nargs="?", default="http://localhost:8080", help="the API's front door")
    return check(parser.parse_args(argv).base_url)


if __name__ == "__main__":
    sys.exit(main())
