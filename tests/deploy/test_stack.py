"""The compose stack's edge, run for real on loopback: the project's nginx in front of gunicorn.

One nginx + gunicorn stack serves the module (deploy/local/stack.py, the same one `make smoke` starts);
tests that must stop or replace the upstream start their own short-lived nginx. nginx trusts loopback peers'
X-Forwarded-For (NGINX_REAL_IP_FROM defaults to 127.0.0.1/32), so each test speaks for its own client
address and nginx's per-address limits of one test never touch another.
"""

import concurrent.futures
import gzip
import itertools
import json
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.request

import pytest

from deploy.local.live import (
    NGINX_DIR,
    Gunicorn,
    Nginx,
    free_port,
    http,
    nginx_binary,
    running_app,
    wait_until,
)
from deploy.local.stack import edge_stack
from deploy.smoke_check import Journey, header_problems, problem_shape, send
from finance.core.http.middleware import API_CSP, DOCS_CSP

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (CI installs nginx-light)"),
]

_addresses = (f"198.51.100.{n}" for n in itertools.count(10))
PERIOD = "from=2024-01-01&to=2024-12-31"


def new_client() -> str:
    """A client address of its own (TEST-NET-2), named to nginx through X-Forwarded-For."""
    return next(_addresses)


@pytest.fixture(scope="module")
def stack():
    with edge_stack() as running:
        yield running


@pytest.fixture(scope="module")
def member(stack):
    """A user with an account, two categories and 40 transactions, and an access token."""
    journey = Journey(stack.url, client_ip=new_client())
    email = f"member-{time.monotonic_ns()}@example.com"
    credentials = {"email": email, "password": "member-Passw0rd-91"}
    journey.call("POST", "/auth/register", body=credentials, expect=201)
    token = journey.call("POST", "/auth/login", body=credentials, expect=200).body["access"]
    account = journey.call(
        "POST", "/accounts", token=token, body={"name": "Main", "currency": "EUR"}, expect=201
    ).body
    categories = {
        kind: journey.call(
            "POST", "/categories", token=token, body={"name": f"{kind} things", "type": kind}, expect=201
        ).body
        for kind in ("income", "expense")
    }
    for day in range(40):
        kind = "income" if day % 2 else "expense"
        journey.call(
            "POST",
            "/transactions",
            token=token,
            body={
                "account": account["id"],
                "category": categories[kind]["id"],
                "type": kind,
                "amount": f"{day + 1}.25",
                "date": f"2024-{day % 12 + 1:02d}-{day % 28 + 1:02d}",
                "description": f"entry number {day} of the member's ledger, long enough to fill a page",
            },
            expect=201,
        )
    return {"token": token, "account": account["id"], "transactions": 40}


def app_request_lines(app, request_id: str) -> list[dict]:
    return [
        line
        for line in app.process.json_lines()
        if line.get("event") == "request.finished" and line.get("request_id") == request_id
    ]


def nginx_line(nginx, request_id: str) -> dict:
    """nginx writes its access line after answering: poll for it."""
    found: list[dict] = []

    def logged() -> bool:
        found[:] = [line for line in nginx.access_log() if line["request_id"] == request_id]
        return bool(found)

    wait_until(logged, timeout=30, what=f"nginx's access line for {request_id}")
    return found[0]


def assert_edge_answer(answer, *, status: int) -> None:
    assert answer.status == status, answer.body
    assert header_problems(answer.path, answer.headers) == []
    if status >= 400:
        assert problem_shape(answer) == []


# --- through the stack --------------------------------------------------------------------------------------


def test_a_users_journey_works_through_nginx(stack):
    client = new_client()
    journey = Journey(stack.url, client_ip=client).run()

    login = next(answer for answer in journey.answers if answer.path == "/auth/login")
    (app_line,) = app_request_lines(stack.app, login.request_id)
    assert app_line["route"] == "/auth/login"
    assert app_line["status"] == 200
    # real_ip: the app and nginx both see the client nginx trusted, not nginx or the loopback peer.
    assert app_line["client_ip"] == client
    edge_line = nginx_line(stack.nginx, login.request_id)
    assert edge_line["client_ip"] == client
    assert edge_line["status"] == 200
    assert edge_line["upstream_status"] == "200"
    assert float(edge_line["upstream_response_time"]) >= 0


def test_one_request_id_runs_from_the_client_through_the_app_and_back(stack):
    sent = "edge-test-" + "7f3a9c" * 4
    answer = send(stack.url, "GET", "/health/live", request_id=sent)
    assert answer.request_id == sent
    assert [line["route"] for line in app_request_lines(stack.app, sent)] == ["/health/live"]
    assert nginx_line(stack.nginx, sent)["path"] == "/health/live"

    # No id from the client: nginx makes one, and the app logs that one.
    status, headers, _ = http("GET", f"{stack.url}/health/live")
    made = headers["X-Request-ID"]
    assert status == 200
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert len(app_request_lines(stack.app, made)) == 1

    # A malformed id is replaced (the app's rule), consistently at the edge and in the app.
    bad = send(stack.url, "GET", "/health/live", request_id="not an id; drop table")
    assert re.fullmatch(r"[0-9a-f]{32}", bad.request_id)
    assert len(app_request_lines(stack.app, bad.request_id)) == 1


def test_every_answer_carries_each_security_header_once(stack):
    client = new_client()
    answers = {
        200: send(stack.url, "GET", "/health/live", client_ip=client),
        401: send(stack.url, "GET", "/accounts", client_ip=client),
        404: send(stack.url, "GET", "/no-such-endpoint", client_ip=client),
        413: send(stack.url, "POST", "/transactions", body={"description": "x" * 100_000}, client_ip=client),
    }
    for _ in range(30):
        limited = send(stack.url, "POST", "/auth/register", body={}, client_ip=client)
        if limited.status == 429:
            answers[429] = limited
            break
    assert 429 in answers, "nginx never limited /auth/register"
    for status, answer in answers.items():
        assert_edge_answer(answer, status=status)
        assert answer.headers["Content-Security-Policy"] == API_CSP
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["Server"] == "nginx"
        assert "Strict-Transport-Security" not in answer.headers
    # The 413 and the 429 are nginx's own: the app never saw those requests.
    for status in (413, 429):
        assert app_request_lines(stack.app, answers[status].request_id) == []
        assert nginx_line(stack.nginx, answers[status].request_id)["upstream_status"] == ""


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type, as a browser's form or curl -F sends it."""
    boundary = f"----finance{time.monotonic_ns()}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_bank_statement_of_megabytes_passes_the_edge_on_its_own_path_only(stack, member):
    client = new_client()
    filler = "x" * 150
    rows = [f"2026-03-{n % 28 + 1:02d},Card purchase {n} {filler},-{n % 90 + 1}.25" for n in range(10_000)]
    statement = ("Date,Description,Amount\n" + "\n".join(rows)).encode()
    assert 1_500_000 < len(statement) <= 5 * 1024 * 1024  # far over the 64 KB of every other body
    body, content_type = multipart(
        {"account": str(member["account"])}, {"file": ("statement.csv", statement)}
    )
    headers = {"Content-Type": content_type}
    token = member["token"]
    uploaded = send(
        stack.url, "POST", "/imports", raw=body, headers=headers, token=token, client_ip=client, timeout=120
    )
    assert_edge_answer(uploaded, status=201)
    assert (uploaded.body["format"], uploaded.body["row_count"]) == ("csv", 10_000)
    # The same megabytes on another path, and more than a statement may hold on this one: nginx's own 413.
    elsewhere = send(
        stack.url, "POST", "/transactions", raw=body, headers=headers, token=token, client_ip=client
    )
    huge, huge_type = multipart({"account": str(member["account"])}, {"file": ("big.csv", b"1" * (6 << 20))})
    too_big = send(
        stack.url,
        "POST",
        "/imports",
        raw=huge,
        headers={"Content-Type": huge_type},
        token=token,
        client_ip=client,
    )
    for refused in (elsewhere, too_big):
        assert_edge_answer(refused, status=413)
        assert refused.body["title"] == "Request body too large"
        assert app_request_lines(stack.app, refused.request_id) == []


def test_the_docs_get_the_relaxed_policy_the_app_uses_for_them(stack):
    docs = send(stack.url, "GET", "/docs", headers={"Accept": "text/html"})
    assert docs.status == 200
    assert docs.headers.get_all("Content-Security-Policy") == [DOCS_CSP]
    assert header_problems("/docs", docs.headers) == []
    api = send(stack.url, "GET", "/health/ready")
    assert api.headers.get_all("Content-Security-Policy") == [API_CSP]


def test_login_is_limited_by_nginx_with_a_429_problem(stack):
    client, neighbour = new_client(), new_client()
    answers = []
    for _ in range(40):
        answers.append(send(stack.url, "POST", "/auth/login", body={}, client_ip=client))
        if answers[-1].status == 429:
            break
    statuses = [answer.status for answer in answers]
    # The first attempts reach the app (400: no credentials), then nginx's strict zone answers.
    assert statuses[0] == 400
    assert statuses[-1] == 429, statuses
    limited = answers[-1]
    assert_edge_answer(limited, status=429)
    assert limited.body["title"] == "Too many requests"
    assert limited.body["request_id"] == limited.request_id
    assert len(app_request_lines(stack.app, answers[0].request_id)) == 1
    assert app_request_lines(stack.app, limited.request_id) == []
    # Register shares the zone; another address is not affected.
    assert send(stack.url, "POST", "/auth/register", body={}, client_ip=client).status == 429
    assert send(stack.url, "POST", "/auth/login", body={}, client_ip=neighbour).status == 400


def test_metrics_are_not_served_through_nginx(stack):
    for path in ("/metrics", "/metrics/", "/metrics?format=prometheus", "//metrics"):
        answer = send(stack.url, "GET", path)
        assert_edge_answer(answer, status=404)
        assert app_request_lines(stack.app, answer.request_id) == []
    # The app does serve them, to a direct request from the internal network.
    status, _, body = http("GET", f"{stack.app.url}/metrics")
    assert status == 200
    assert "django_http_requests" in body


def test_the_admin_is_closed_at_the_edge_by_default(stack):
    for path in ("/admin/", "/admin/login/", "/admin/users/user/"):
        answer = send(stack.url, "GET", path)
        assert_edge_answer(answer, status=404)
        assert app_request_lines(stack.app, answer.request_id) == []
    for disguised in ("//admin/login/", "/%61dmin/login/", "/static/../admin/login/"):
        answer = send(stack.url, "GET", disguised)
        assert answer.status in {400, 404}, disguised
        assert app_request_lines(stack.app, answer.request_id) == []
    posted = send(stack.url, "POST", "/admin/login/", body={"username": "a@b.c", "password": "x"})
    assert_edge_answer(posted, status=404)
    # The app serves it, to whoever reaches the backend directly (an operator's tunnel).
    status, _, body = http("GET", f"{stack.app.url}/admin/login/")
    assert status == 200
    assert "Django" in body


def test_an_operator_can_open_the_admin_whose_login_shares_the_strict_limit(stack):
    nginx = Nginx(backend=f"127.0.0.1:{stack.app.port}", NGINX_ADMIN="on")
    try:
        client = new_client()
        page = send(nginx.url, "GET", "/admin/login/", client_ip=client)
        assert page.status == 200
        assert page.headers["Content-Type"].startswith("text/html")
        # /auth/login's zone: 10r/m with a burst of 5; the admin's logins count in it.
        answers = [
            send(nginx.url, "POST", "/admin/login/", body={}, client_ip=client).status for _ in range(7)
        ]
        assert answers[-1] == 429
        assert send(nginx.url, "POST", "/auth/login", body={}, client_ip=client).status == 429
    finally:
        nginx.close()


def test_download_tokens_stay_out_of_the_access_log(stack):
    token = "eyJrZXkiOiJleHBvcnRzLzkvZWRnZS5jc3YifQ:1uEdge:bmdpbngtbG9nLXNpZ25hdHVyZQ"
    answer = send(stack.url, "GET", f"/exports/download/{token}")
    assert answer.status == 403  # a token this app never signed
    line = nginx_line(stack.nginx, answer.request_id)
    assert line["path"] == "/exports/download/[redacted]"
    for part in token.split(":"):
        assert part not in stack.nginx.process.output()
        assert part not in stack.app.process.output()


def test_clients_behind_nginx_have_a_login_throttle_each():
    """The app's own login rate (10/min) behind nginx: ten clients failing do not stop an eleventh."""
    with running_app(THROTTLE_LOGIN_RATE="10/min", LOGIN_FAILURE_LIMIT="1000") as app:
        nginx = Nginx(backend=f"127.0.0.1:{app.port}", NGINX_AUTH_RATE="6000r/m", NGINX_AUTH_BURST="1000")
        try:
            owner = {"email": "owner@example.com", "password": "owner-Passw0rd-17"}
            assert send(nginx.url, "POST", "/auth/register", body=owner, client_ip=new_client()).status == 201
            wrong = {"email": "owner@example.com", "password": "not-the-Passw0rd"}
            failed = [
                send(nginx.url, "POST", "/auth/login", body=wrong, client_ip=new_client()) for _ in range(10)
            ]
            assert [answer.status for answer in failed] == [401] * 10
            assert send(nginx.url, "POST", "/auth/login", body=owner, client_ip=new_client()).status == 200
            # One client is still limited: its eleventh try in the minute is refused by the app.
            client = new_client()
            statuses = [
                send(nginx.url, "POST", "/auth/login", body=wrong, client_ip=client).status for _ in range(11)
            ]
            assert statuses == [401] * 10 + [429]
        finally:
            nginx.close()


def test_json_answers_are_compressed(stack, member):
    request = urllib.request.Request(
        f"{stack.url}/transactions?page_size=100&{PERIOD}",
        headers={"Authorization": f"Bearer {member['token']}", "Accept-Encoding": "gzip"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Content-Encoding"] == "gzip"
        raw = response.read()
    body = json.loads(gzip.decompress(raw))
    assert body["count"] == member["transactions"]
    assert len(raw) < len(json.dumps(body)) / 2


# --- a stopped, missing or slow upstream -----------------------------------------------------------------------


def test_sigterm_lets_in_flight_requests_finish(stack, member):
    """Requests gunicorn accepted before SIGTERM complete with their full answer; later ones get nginx's 502."""
    upstream = Gunicorn(stack.app.env, workers=1, threads=8)
    nginx = Nginx(
        backend=f"127.0.0.1:{upstream.port}",
        NGINX_API_RATE="10000r/s",
        NGINX_API_BURST="10000",
        NGINX_CONN_LIMIT="10000",
    )
    first_answer = threading.Event()
    finished_at: dict[str, float] = {}

    def fetch(number: int):
        # Lists and reports over distinct periods: nothing comes from the report cache.
        path = (
            f"/transactions?page_size=100&{PERIOD}"
            if number % 2
            else f"/reports/by-category?from=2024-01-{number % 28 + 1:02d}&to=2024-12-31"
        )
        answer = send(nginx.url, "GET", path, token=member["token"], timeout=60)
        finished_at[answer.sent_request_id] = time.monotonic()
        first_answer.set()
        return answer

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
            futures = [pool.submit(fetch, number) for number in range(40)]
            assert first_answer.wait(60), "no answer at all"
            signalled_at = time.monotonic()
            upstream.process.send(signal.SIGTERM)
            answers = [future.result() for future in futures]
        assert upstream.process.popen.wait(60) == 0
        output = upstream.process.output()
        assert "WORKER TIMEOUT" not in output
        assert "SIGKILL" not in output

        served = [answer for answer in answers if answer.status == 200]
        refused = [answer for answer in answers if answer.status != 200]
        for answer in served:
            assert header_problems(answer.path, answer.headers) == []
            if answer.path.startswith("/transactions"):
                assert answer.body["count"] == member["transactions"]
                assert len(answer.body["results"]) == member["transactions"]
            else:
                assert isinstance(answer.body["results"], list)
        # Anything else may only be a request gunicorn never took: nginx's 502, unseen by the app.
        for answer in refused:
            assert_edge_answer(answer, status=502)
            assert app_request_lines(upstream, answer.request_id) == []
        # SIGTERM came while requests were in flight, and they were answered in full after it.
        late = [answer for answer in served if finished_at[answer.sent_request_id] > signalled_at]
        assert late, f"all {len(served)} answers came before SIGTERM; {len(refused)} refused"

        after = send(nginx.url, "GET", "/accounts", token=member["token"])
        assert_edge_answer(after, status=502)
        assert after.body["title"] == "Bad gateway"
    finally:
        nginx.close()
        upstream.close()


def test_a_missing_upstream_gives_a_502_problem():
    nginx = Nginx(backend=f"127.0.0.1:{free_port()}")
    try:
        answer = send(nginx.url, "POST", "/auth/login", body={"email": "a@example.com", "password": "x"})
        assert_edge_answer(answer, status=502)
        assert answer.body["detail"] == "The API is not reachable right now; retry shortly."
    finally:
        nginx.close()


def test_a_silent_upstream_gives_a_504_problem_after_the_proxy_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    nginx = Nginx(backend=f"127.0.0.1:{listener.getsockname()[1]}", NGINX_PROXY_TIMEOUT="1s")
    try:
        answer = send(nginx.url, "GET", "/reports/summary")
        assert_edge_answer(answer, status=504)
        assert answer.body["title"] == "Gateway timeout"
    finally:
        nginx.close()
        stop.set()
        thread.join(5)
        for connection in held:
            connection.close()
        listener.close()


def test_hsts_is_sent_over_tls_only(stack, tmp_path):
    """nginx/includes/tls/tls.conf.example turned on as documented, with a throwaway certificate."""
    key, cert = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    tls_port = free_port()
    example = (NGINX_DIR / "includes" / "tls" / "tls.conf.example").read_text()
    replacements = {
        "listen 443 ssl;": f"listen 127.0.0.1:{tls_port} ssl;",
        "/etc/nginx/certs/fullchain.pem": str(cert),
        "/etc/nginx/certs/privkey.pem": str(key),
    }
    for shipped, here in replacements.items():
        assert shipped in example
        example = example.replace(shipped, here)
    nginx = Nginx(backend=f"127.0.0.1:{stack.app.port}", extra_files={"includes/tls/tls.conf": example})
    try:
        # nginx opens all its listening sockets before it answers on any: the TLS port is ready too.
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        request = urllib.request.Request(f"https://127.0.0.1:{tls_port}/health/live")
        with urllib.request.urlopen(request, timeout=30, context=context) as response:
            assert response.status == 200
            secure_headers = response.headers
        assert secure_headers.get_all("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]
        assert header_problems("/health/live", secure_headers, tls=True) == []
        plain = send(nginx.url, "GET", "/health/live")
        assert "Strict-Transport-Security" not in plain.headers
    finally:
        nginx.close()
