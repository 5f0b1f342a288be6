"""The image, proven on this machine: build it from the tree, run its roles as docker-compose.yml runs them,
and check what a user and an operator would notice.

    python -m deploy.local.image_check                          # `make image-check`
    python -m deploy.local.image_check --engine docker --python-image python:3.12-slim-bookworm

Docker or podman, always on the host network (builds included): the containers reach this machine's
PostgreSQL and Redis on 127.0.0.1 (DATABASE_URL and REDIS_URL name the servers, as for the tests; a fresh
database is created and dropped, and a cache key prefix and Celery queue of the run's own keep it apart).
The environment is .env.example's, with loopback hosts and a generated SECRET_KEY; each container gets
what compose gives the app services: init, no-new-privileges, a read-only root filesystem and a tmpfs /tmp.

Checks, in order: the example SECRET_KEY is refused; migrate succeeds; web and worker become healthy by
the image's own HEALTHCHECK command; both run as uid 10001 on a read-only root with a writable /tmp;
/static/ serves the docs' assets and no source file; a foreign Host is refused; a user's journey from
registration to reports (deploy/smoke_check.py, without the edge); the worker handled the welcome email
(email.not_sent, never email.sent without SMTP); SIGTERM with requests in flight: every request answered
in full or refused before a byte, the web container exits 0, and so does the worker; every line web and
worker wrote is a JSON object. Prints one line per check with its figures; exit status 1 on a failure.
"""

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from deploy.local.live import DEFAULT_POSTGRES, DEFAULT_REDIS, ROOT, free_port, http, metric_value, wait_until
from deploy.smoke_check import Journey, SmokeFailure

ENV_EXAMPLE = ROOT / ".env.example"
UID = "10001"
PODMAN_INIT = "/usr/libexec/podman/catatonit"
SOURCE_PATHS = ("/static/manage.py", "/static/src/config/settings.py", "/static/deploy/entrypoint.sh")


class CheckFailed(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# --- the engine ---------------------------------------------------------------------------------------------


@dataclass
class Engine:
    name: str  # docker or podman
    log_dir: Path

    def run(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [self.name, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise CheckFailed(
                f"{self.name} {' '.join(args[:3])} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
            )
        return result

    def build(self, tag: str, python_image: str | None) -> None:
        args = ["build", "--network", "host", "--tag", tag]
        if self.name == "podman":
            # Docker's image format (OCI drops HEALTHCHECK); no layer cache: the buildah of Debian 12's podman
            # mounts nothing for `RUN --mount=type=bind,from=build` when that stage comes from its cache
            # (containers/buildah#4375), so the wheels would be missing. Without layers, no intermediate
            # image is left behind either: removing the tag removes everything the run built.
            args += ["--format", "docker", "--layers=false"]
        if python_image:
            args += ["--build-arg", f"PYTHON_IMAGE={python_image}"]
        log = self.log_dir / "build.log"
        with log.open("w") as out:
            result = subprocess.run(
                [self.name, *args, str(ROOT)], stdout=out, stderr=subprocess.STDOUT, timeout=1800, check=False
            )
        if result.returncode != 0:
            raise CheckFailed(f"the image did not build:\n{log.read_text()[-4000:]}")

    def logs(self, container: str) -> str:
        result = self.run("logs", container, check=False)
        return result.stdout + result.stderr


@dataclass
class Run:
    """What one run of the check owns: its image tag, database, prefixes and containers."""

    engine: Engine
    tag: str
    env_file: Path
    web_port: int
    healthcheck: list[str]  # the image's HEALTHCHECK command
    token: str = field(default_factory=lambda: secrets.token_hex(4))
    containers: list[str] = field(default_factory=list)

    def container_args(self, role: str) -> list[str]:
        """How compose runs the app services (x-app in docker-compose.yml), on the host network."""
        name = f"finance-check-{self.token}-{role}"
        return [
            "--name",
            name,
            "--hostname",
            name,  # the worker's node name (celery@<hostname>) is this run's own
            "--network",
            "host",
            "--init",
            "--security-opt",
            "no-new-privileges",
            "--read-only",
            "--tmpfs",
            "/tmp",
            "--env-file",
            str(self.env_file),
        ]

    def once(self, role: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        extra = [item for key, value in (env or {}).items() for item in ("--env", f"{key}={value}")]
        return self.engine.run(
            "run", "--rm", *self.container_args(role), *extra, self.tag, role, *args, check=False
        )

    def start(self, role: str) -> str:
        args = self.container_args(role)
        self.engine.run("run", "--detach", *args, self.tag, role)
        self.containers.append(args[1])
        return args[1]

    def healthy(self, container: str) -> bool:
        """The image's own HEALTHCHECK command, run in the container (podman runs no health timer here)."""
        state = self.engine.run("inspect", "--format", "{{.State.Running}}", container, check=False)
        if state.stdout.strip() != "true":
            raise CheckFailed(f"{container} is not running:\n{self.engine.logs(container)[-4000:]}")
        return self.engine.run("exec", container, *self.healthcheck, check=False).returncode == 0

    def stop(self, container: str) -> int:
        """SIGTERM (what `docker compose stop` sends), then the container's exit status."""
        self.engine.run("kill", "--signal", "TERM", container)
        return int(self.engine.run("wait", container, timeout=90).stdout.strip().splitlines()[-1])

    def remove_all(self) -> None:
        for container in self.containers:
            self.engine.run("rm", "--force", container, check=False)


# --- the environment ----------------------------------------------------------------------------------------


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


@contextlib.contextmanager
def fresh_database(server: str) -> Iterator[str]:
    import psycopg

    name = f"finance_image_{secrets.token_hex(4)}"
    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server, name)
    finally:
        with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def forget_redis_keys(url: str, marker: str) -> None:
    """Delete what the run left in Redis: its cache keys and its Celery queue's bindings."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"*{marker}*", count=1000))
    if keys:
        client.delete(*keys)


def container_env(*, database_url: str, redis_url: str, token: str, port: int) -> dict[str, str]:
    env = env_example()
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            # .env.example's key is a placeholder, which production refuses (checked first).
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CACHE_KEY_PREFIX": f"image-check-{token}",
            "CELERY_QUEUE": f"image-check-{token}",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
        }
    )
    return env


# --- the checks ---------------------------------------------------------------------------------------------


def json_lines(text: str) -> tuple[list[dict], list[str]]:
    """(JSON objects, lines that are not one) of a container's output."""
    objects, other = [], []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            other.append(line)
            continue
        (objects if isinstance(value, dict) else other).append(value if isinstance(value, dict) else line)
    return objects, other


def check_user_and_filesystem(run: Run, container: str) -> str:
    user = run.engine.run("exec", container, "python", "-c", "import os; print(os.getuid(), os.getgid())")
    expect(user.stdout.split() == [UID, UID], f"{container} runs as uid/gid {user.stdout.strip()}")
    for path in ("/app/probe", "/app/var/probe", "/app/src/probe"):
        wrote = run.engine.run("exec", container, "sh", "-c", f": > {path}", check=False)
        expect(wrote.returncode != 0, f"{container} could write {path}: the root is not read-only")
    wrote = run.engine.run("exec", container, "sh", "-c", ": > /tmp/probe && rm /tmp/probe", check=False)
    expect(wrote.returncode == 0, f"{container} cannot write /tmp: {wrote.stderr}")
    return f"uid/gid {UID}, root read-only, /tmp writable"


def check_static(base: str) -> str:
    for path in SOURCE_PATHS:
        status = http("GET", base + path)[0]
        expect(status == 404, f"{path} answered {status}: /static/ serves the source")
    _, _, page = http("GET", f"{base}/docs")
    assets = sorted(set(re.findall(r"""["'](/static/[^"']+)["']""", str(page))))
    expect(len(assets) >= 2, f"/docs links no static assets: {str(page)[:300]}")
    for asset in assets:
        status = http("GET", base + asset)[0]
        expect(status == 200, f"{asset} (a /docs asset) answered {status}")
    return f"{len(SOURCE_PATHS)} source paths 404, {len(assets)} docs assets 200"


def check_journey(base: str) -> str:
    journey = Journey(base, edge=False)
    try:
        journey.run()
    except SmokeFailure as failure:
        raise CheckFailed(f"journey: {failure}") from None
    foreign = http("GET", f"{base}/health/live", headers={"Host": "evil.example"})[0]
    expect(foreign == 400, f"Host: evil.example answered {foreign}")
    return f"{len(journey.answers)} answers from registration to reports; a foreign Host 400"


HELD = 4  # requests held open across SIGTERM (fewer than gunicorn's 2 x 4 threads)


def check_sigterm(run: Run, container: str, base: str, database_url: str) -> str:
    """Requests in flight when SIGTERM comes are answered in full, the container exits 0.

    Each held request sends its headers and half its body, and the check waits until the app counts them
    in flight (finance_http_requests_in_flight): gunicorn has taken them and the view is reading the body.
    Then SIGTERM, then the other halves. A new connection after the signal must be refused.
    """
    user = Journey(base, edge=False)
    credentials = {"email": f"sigterm-{run.token}@example.com", "password": "sigterm-Passw0rd-5"}
    user.call("POST", "/auth/register", body=credentials, expect=201)
    token = user.call("POST", "/auth/login", body=credentials, expect=200).body["access"]
    host, port = urlsplit(base).hostname or "127.0.0.1", urlsplit(base).port or 80
    release = threading.Event()
    answers: list[tuple[int, dict]] = []

    def held(number: int) -> None:
        body = json.dumps({"name": f"held across SIGTERM {number}", "currency": "USD"}).encode()
        connection = HTTPConnection(host, port, timeout=60)
        connection.putrequest("POST", "/accounts")
        for name, value in (
            ("Authorization", f"Bearer {token}"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ):
            connection.putheader(name, value)
        connection.endheaders(body[: len(body) // 2])
        release.wait(60)
        connection.send(body[len(body) // 2 :])
        response = connection.getresponse()
        answers.append((response.status, json.loads(response.read())))
        connection.close()

    threads = [threading.Thread(target=held, args=(n,)) for n in range(HELD)]
    for thread in threads:
        thread.start()
    try:
        # One more in flight: the /metrics request that reads the gauge.
        wait_until(
            lambda: metric_value(base, "finance_http_requests_in_flight") >= HELD + 1,
            timeout=60,
            what="the held requests to be in flight",
        )
        run.engine.run("kill", "--signal", "TERM", container)
        wait_until(lambda: not accepts(host, port), timeout=30, what="gunicorn to stop accepting")
    finally:
        release.set()
        for thread in threads:
            thread.join(90)
    status = int(run.engine.run("wait", container, timeout=90).stdout.strip().splitlines()[-1])
    expect(status == 0, f"web exited {status} on SIGTERM")
    expect(len(answers) == HELD, f"{HELD - len(answers)} requests in flight got no answer")
    expect(all(code == 201 and body.get("id") for code, body in answers), f"in-flight answers: {answers}")
    import psycopg

    with psycopg.connect(database_url) as conn:
        [(stored,)] = conn.execute(
            "SELECT count(*) FROM accounts_account WHERE name LIKE 'held across SIGTERM %'"
        ).fetchall()
    expect(stored == HELD, f"{stored} of the {HELD} answered accounts were stored")
    return f"{HELD} requests in flight at SIGTERM answered 201 in full and stored; new connections refused; exit 0"


def accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def check_logs(run: Run, container: str, role: str) -> tuple[str, list[dict]]:
    objects, other = json_lines(run.engine.logs(container))
    expect(not other, f"{role} wrote lines that are not JSON: {other[:3]}")
    expect(bool(objects), f"{role} wrote nothing")
    return f"{len(objects)} lines, all JSON", objects


# --- the whole run ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_engine = "podman" if shutil.which("podman") else "docker"
    parser.add_argument("--engine", choices=["docker", "podman"], default=default_engine)
    parser.add_argument("--python-image", default="", help="base image (build argument PYTHON_IMAGE)")
    args = parser.parse_args(argv)
    if shutil.which(args.engine) is None:
        say(f"FAIL  {args.engine} is not installed (podman: ../shared/tools/container-engine.sh)")
        return 2
    if args.engine == "podman" and not (shutil.which("catatonit") or Path(PODMAN_INIT).exists()):
        say("FAIL  podman has no init for --init (compose's `init: true`): make system-packages installs it")
        return 2
    started = time.monotonic()
    database_server = os.environ.get("DATABASE_URL", "") or DEFAULT_POSTGRES
    redis_url = os.environ.get("REDIS_URL", "") or DEFAULT_REDIS
    with tempfile.TemporaryDirectory(prefix="image-check-") as tmp:
        engine = Engine(args.engine, Path(tmp))
        tag = f"localhost/finance-api:check-{secrets.token_hex(4)}"
        try:
            return _check(engine, tag, args.python_image, database_server, redis_url, Path(tmp), started)
        except CheckFailed as failure:
            say(f"FAIL  {failure}")
            return 1
        finally:
            engine.run("rmi", "--force", tag, check=False)


def _check(
    engine: Engine,
    tag: str,
    python_image: str,
    database_server: str,
    redis_url: str,
    tmp: Path,
    started: float,
) -> int:
    def step(label: str, detail: str) -> None:
        say(f"ok    {label}: {detail} ({time.monotonic() - started:.0f}s)")

    engine.build(tag, python_image or None)
    configured = engine.run("image", "inspect", "--format", "{{json .Config.Healthcheck}}", tag).stdout
    test = (json.loads(configured) or {}).get("Test") or []
    expect(test[:1] == ["CMD"] and "/app/deploy/healthcheck.py" in test, f"the image's HEALTHCHECK is {test}")
    step("build", f"{tag} ({engine.name}, host network{', base ' + python_image if python_image else ''})")

    with fresh_database(database_server) as database_url:
        port = free_port()
        run = Run(engine, tag, tmp / "app.env", port, healthcheck=test[1:])
        env = container_env(database_url=database_url, redis_url=redis_url, token=run.token, port=port)
        run.env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
        run.env_file.chmod(0o600)
        base = f"http://127.0.0.1:{port}"
        try:
            refused = run.once("migrate", env={"SECRET_KEY": env_example()["SECRET_KEY"]})
            output = refused.stdout + refused.stderr
            expect(refused.returncode != 0, "production started with the example SECRET_KEY")
            expect("SECRET_KEY looks like a placeholder" in output, f"no clear refusal:\n{output[-1500:]}")
            step("placeholder key", f"refused (exit {refused.returncode})")

            migrated = run.once("migrate")
            expect(
                migrated.returncode == 0,
                f"migrate failed:\n{migrated.stdout[-2000:]}{migrated.stderr[-2000:]}",
            )
            step("migrate", "applied on a fresh database")

            web = run.start("web")
            worker = run.start("worker")
            wait_until(lambda: run.healthy(web), timeout=120, what="web's health check")
            wait_until(lambda: run.healthy(worker), timeout=120, what="worker's health check")
            step("health", "web (GET /health/live) and worker (Celery ping) healthy by the image's check")

            for container in (web, worker):
                detail = check_user_and_filesystem(run, container)
            step("user and filesystem", f"web and worker: {detail}")
            step("static files", check_static(base))
            step("journey", check_journey(base))

            def welcomed() -> bool:
                events = [line.get("event") for line in json_lines(engine.logs(worker))[0]]
                return "email.not_sent" in events

            wait_until(welcomed, timeout=60, what="the worker to handle the welcome emails")
            events = [line.get("event") for line in json_lines(engine.logs(worker))[0]]
            expect("email.sent" not in events, "the worker logged email.sent without SMTP")
            step("worker", f"{events.count('email.not_sent')} welcome emails handled, none claimed as sent")

            step("SIGTERM (web)", check_sigterm(run, web, base, database_url))
            worker_status = run.stop(worker)
            expect(worker_status == 0, f"the worker exited {worker_status} on SIGTERM")
            step("SIGTERM (worker)", "exit 0")
            for container, role in ((web, "web"), (worker, "worker")):
                detail, _ = check_logs(run, container, role)
                step(f"logs ({role})", detail)
        finally:
            run.remove_all()
            forget_redis_keys(redis_url, run.token)
    say(f"image check passed in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
