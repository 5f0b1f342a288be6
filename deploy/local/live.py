"""Real processes on loopback for the tests, the load tools and make targets: gunicorn and nginx with the
project's configuration, Prometheus, redis-server and PgBouncer, fresh databases, free ports.

Process tests use their own PostgreSQL database (created and dropped here) and their own cache key prefix,
so they never see the rows of the in-process tests or of another run. Without a reachable PostgreSQL they
use a SQLite file; without Redis, the in-process cache.
"""

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from deploy import healthcheck

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], *, timeout: float = 30.0, what: str = "condition") -> None:
    """Poll `check` until it is true; fail after `timeout` seconds. Polling, not a timing assumption."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def _tcp_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def postgres_url() -> str | None:
    """The PostgreSQL server to use: DATABASE_URL when it is PostgreSQL, else the local one if it runs."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return DEFAULT_POSTGRES if _tcp_open("127.0.0.1", 5432) else None


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL", "")
    if url:
        return url
    return DEFAULT_REDIS if _tcp_open("127.0.0.1", 6379) else None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextlib.contextmanager
def live_database() -> Iterator[str]:
    """A fresh, empty database URL for processes; dropped afterwards."""
    server = postgres_url()
    if server is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/live.sqlite3"
        return
    import psycopg

    name = f"finance_live_{secrets.token_hex(4)}"
    with psycopg.connect(_with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server, name)
    finally:
        with psycopg.connect(_with_database(server, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Process:
    """A child process whose output goes to a file the test can read."""

    def __init__(
        self,
        args: list[str],
        *,
        env: dict[str, str],
        cwd: Path = ROOT,
        name: str = "process",
        user: str | None = None,
    ):
        self.name = name
        self._log = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log", delete=False)  # noqa: SIM115
        self.popen = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=user,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def json_lines(self) -> list[dict]:
        lines = []
        for line in self.output().splitlines():
            with contextlib.suppress(ValueError):
                value = json.loads(line)
                if isinstance(value, dict):
                    lines.append(value)
        return lines

    def send(self, sig: int) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        return self.popen.returncode

    def close(self) -> None:
        self.stop()
        self._log.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._log.name)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(
    method: str,
    url: str,
    *,
    body: dict | None = None,
    headers: dict | None = None,
    timeout: float = 15,
    follow_redirects: bool = True,
):
    """A plain HTTP call: (status, headers, parsed JSON or text). A redirect not followed is the answer."""
    opener = urllib.request.build_opener() if follow_redirects else urllib.request.build_opener(_NoRedirects)
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with opener.open(request, timeout=timeout) as response:
            status, response_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, error.headers, error.read()
    text = raw.decode(errors="replace")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return status, response_headers, parsed


def metric_value(base_url: str, name: str) -> float:
    """The value of an unlabelled metric on the app's /metrics (summed over the live workers)."""
    status, _, text = http("GET", f"{base_url}/metrics")
    if status != 200:
        raise AssertionError(f"/metrics answered {status}")
    [value] = [line.split()[1] for line in text.splitlines() if line.startswith(f"{name} ")]
    return float(value)


def app_env(database_url: str, **overrides: str) -> dict[str, str]:
    """Environment for an app process: production settings on the given database and this machine's Redis."""
    # Child processes may write bytecode: each Django start otherwise recompiles about a thousand modules.
    dropped = {"DATABASE_URL", "REDIS_URL", "PYTHONDONTWRITEBYTECODE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    cache = redis_url()
    production = database_url.startswith("postgres") and cache is not None
    env.update(
        {
            "DJANGO_ENV": "production" if production else "development",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "CACHE_KEY_PREFIX": f"live-{secrets.token_hex(4)}",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "SECURE_HSTS_SECONDS": "0",
            "PYTHONPATH": str(ROOT / "src"),
            "PYTHONUNBUFFERED": "1",
            # Background tasks run inline unless a test starts a worker (and sets this to false).
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
    )
    if cache:
        env["REDIS_URL"] = cache
    env.update(overrides)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.metrics_dir = tempfile.mkdtemp(prefix="metrics-")
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir,
        }
        self.process = Process(
            [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
            env=self.env,
            name="gunicorn",
        )
        try:
            wait_until(self._live, timeout=60, what="gunicorn to answer /health/live")
        except TimeoutError:
            output = self.process.output()[-4000:]
            self.close()  # a gunicorn that never answered must not outlive the test
            raise RuntimeError(f"gunicorn did not start:\n{output}") from None

    def _live(self) -> bool:
        if self.process.popen.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.process.output()[-4000:]}")
        try:
            # With the Host the image's health check sends: the app refuses names outside ALLOWED_HOSTS.
            host = healthcheck.probe_host(self.env)
            return http("GET", f"{self.url}/health/live", headers={"Host": host}, timeout=2)[0] == 200
        except OSError:
            return False

    def close(self) -> None:
        self.process.close()
        shutil.rmtree(self.metrics_dir, ignore_errors=True)


@contextlib.contextmanager
def running_app(
    *, workers: int = 2, threads: int = 4, static: bool = False, **overrides: str
) -> Iterator[Gunicorn]:
    """A migrated database and gunicorn serving the app on it; with `static`, the static files collected as
    the image collects them (what /docs and /redoc load)."""
    with live_database() as database_url, tempfile.TemporaryDirectory(prefix="static-") as static_root:
        env = app_env(database_url, **({"STATIC_ROOT": static_root} if static else {}), **overrides)
        migrate(env)
        if static:
            subprocess.run(
                [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
                timeout=300,
            )
        server = Gunicorn(env, workers=workers, threads=threads)
        try:
            yield server
        finally:
            server.close()


# --- nginx ----------------------------------------------------------------------------------------------
NGINX_DIR = ROOT / "nginx"
COMPOSE_FILE = ROOT / "docker-compose.yml"
_REFERENCE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_COMPOSE_DEFAULT = re.compile(r"^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):?-(?P<default>[^}]*)\}$")

# The shape of the nginx image's /etc/nginx/nginx.conf (its http block includes conf.d/*.conf), with the
# process's own files in a temporary directory so that nginx runs without root and beside other copies.
_IMAGE_MAIN_CONF = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log stderr notice;

events {{
    worker_connections 1024;
}}

http {{
    include mime.types;
    default_type application/octet-stream;
    client_body_temp_path {dir}/client_temp;
    proxy_temp_path {dir}/proxy_temp;
    fastcgi_temp_path {dir}/fastcgi_temp;
    uwsgi_temp_path {dir}/uwsgi_temp;
    scgi_temp_path {dir}/scgi_temp;
    log_format main '$remote_addr - $remote_user [$time_local] "$request" $status';
    access_log {dir}/access.log main;
    sendfile on;
    keepalive_timeout 65;
    include conf.d/*.conf;
}}
"""
_MINIMAL_MIME_TYPES = "types {\n    text/html html;\n    text/css css;\n    application/javascript js;\n}\n"


def envsubst(text: str, variables: dict[str, str]) -> str:
    """What the nginx image's entrypoint does to a template: replace $NAME and ${NAME} for the given names
    only, leaving every other $word (nginx's own variables) as it is."""

    def replace(match: re.Match) -> str:
        name = match.group("braced") or match.group("bare")
        return variables[name] if name in variables else match.group(0)

    return _REFERENCE.sub(replace, text)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def compose_nginx_variables() -> dict[str, str]:
    """The NGINX_* environment the compose file gives the nginx service, with every ${VAR:-default} at its
    default: the configuration a fresh `docker compose up` runs."""
    import yaml

    environment = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["nginx"]["environment"]
    variables = {}
    for name, value in environment.items():
        match = _COMPOSE_DEFAULT.match(str(value))
        variables[name] = match.group("default") if match else str(value)
    return variables


def loopback_nginx_variables(*, listen: str, backend: str, **overrides: str) -> dict[str, str]:
    """The compose defaults, with nginx listening on `listen` and proxying to `backend` on loopback."""
    variables = compose_nginx_variables()
    variables.update(
        {
            "NGINX_LISTEN": listen,
            "NGINX_BACKEND": backend,
            # `resolve` asks Docker's DNS for the replicas of the backend service; a loopback address needs
            # no resolving (and this machine's nginx may predate `resolve`).
            "NGINX_BACKEND_OPTIONS": "",
            # The image's entrypoint sets this from /etc/resolv.conf (NGINX_ENTRYPOINT_LOCAL_RESOLVERS).
            "NGINX_LOCAL_RESOLVERS": "127.0.0.1",
        }
    )
    variables.update(overrides)
    return variables


def render_nginx(directory: Path, variables: dict[str, str]) -> Path:
    """Lay out nginx/ in `directory` as the container has it in /etc/nginx; return the main config file."""
    shutil.copytree(NGINX_DIR / "includes", directory / "includes")
    for template in (NGINX_DIR / "templates").rglob("*.template"):
        target = directory / "conf.d" / template.relative_to(NGINX_DIR / "templates").with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        rendered = envsubst(template.read_text(), variables)
        left = sorted(set(re.findall(r"\$\{?(NGINX_[A-Z0-9_]+)", rendered)))
        if left:
            raise ValueError(f"{template.name} uses variables that were not given: {', '.join(left)}")
        target.write_text(rendered)
    system_types = Path("/etc/nginx/mime.types")
    mime_types = system_types.read_text() if system_types.exists() else _MINIMAL_MIME_TYPES
    (directory / "mime.types").write_text(mime_types)
    main = directory / "nginx.conf"
    main.write_text(_IMAGE_MAIN_CONF.format(dir=directory))
    return main


def nginx_config_test(variables: dict[str, str]) -> subprocess.CompletedProcess:
    """`nginx -t` on the rendered configuration."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed")
    with tempfile.TemporaryDirectory(prefix="nginx-t-") as tmp:
        directory = Path(tmp)
        main = render_nginx(directory, variables)
        return subprocess.run(
            [binary, "-t", "-e", "stderr", "-p", f"{directory}/", "-c", str(main)],
            capture_output=True,
            text=True,
            timeout=30,
        )


class Nginx:
    """nginx serving the project's configuration (nginx/) on a free loopback port, in front of `backend`.

    `variables` override the compose defaults (NGINX_*); `extra_files` are written into the configuration
    directory after rendering, as an operator would add them (e.g. includes/tls/tls.conf).
    """

    def __init__(self, *, backend: str, extra_files: dict[str, str] | None = None, **variables: str):
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="nginx-"))
        # When started as root, nginx's workers run as an unprivileged user that must reach the temp dirs.
        self.dir.chmod(0o755)
        self.variables = loopback_nginx_variables(
            listen=f"127.0.0.1:{self.port}", backend=backend, **variables
        )
        main = render_nginx(self.dir, self.variables)
        for name, text in (extra_files or {}).items():
            (self.dir / name).write_text(text)
        self.process = Process(
            [binary, "-e", "stderr", "-p", f"{self.dir}/", "-c", str(main)],
            env=dict(os.environ),
            name="nginx",
        )
        try:
            wait_until(self._listening, timeout=30, what="nginx to listen")
        except TimeoutError:
            self.close()
            raise RuntimeError(f"nginx did not start:\n{self.process.output()[-4000:]}") from None

    def _listening(self) -> bool:
        if self.process.popen.poll() is not None:
            raise RuntimeError(f"nginx exited:\n{self.process.output()[-4000:]}")
        return _tcp_open("127.0.0.1", self.port)

    def access_log(self) -> list[dict]:
        """The JSON access log lines (stdout) so far."""
        return [line for line in self.process.json_lines() if line.get("event") == "nginx.request"]

    def close(self) -> None:
        self.process.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def prometheus_binary() -> str | None:
    return shutil.which("prometheus")


class Prometheus:
    """A real Prometheus on a free loopback port with the given configuration (YAML text), its own storage."""

    def __init__(self, config: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.directory = Path(tempfile.mkdtemp(prefix="prometheus-"))
        config_file = self.directory / "prometheus.yml"
        config_file.write_text(config)
        self.process = Process(
            [
                prometheus_binary() or "prometheus",
                f"--config.file={config_file}",
                f"--storage.tsdb.path={self.directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            env=dict(os.environ),
            name="prometheus",
        )
        try:
            wait_until(self._ready, timeout=60, what="Prometheus to be ready")
        except TimeoutError:
            self.close()
            raise RuntimeError(f"Prometheus did not start:\n{self.process.output()[-4000:]}") from None

    def _ready(self) -> bool:
        if self.process.popen.poll() is not None:
            raise RuntimeError(f"Prometheus exited:\n{self.process.output()[-4000:]}")
        try:
            return http("GET", f"{self.url}/-/ready", timeout=2)[0] == 200
        except OSError:
            return False

    def api(self, path: str, **params: str) -> dict | list:
        """GET /api/v1/<path>; the `data` of a success, AssertionError with Prometheus' message otherwise."""
        url = f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        status, _, body = http("GET", url, timeout=30)
        if status != 200 or not isinstance(body, dict) or body.get("status") != "success":
            raise AssertionError(f"Prometheus answered {status} to {path} {params}: {body}")
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        """An instant query at the current time: the list of {metric, value} results."""
        data = self.api("query", query=expr)
        assert isinstance(data, dict), data
        return data["result"]

    def value(self, expr: str) -> float | None:
        """The single value of a query that returns one series (None when it returns nothing)."""
        result = self.query(expr)
        assert len(result) <= 1, result
        return float(result[0]["value"][1]) if result else None

    def close(self) -> None:
        self.process.close()
        shutil.rmtree(self.directory, ignore_errors=True)


class RedisServer:
    """A private redis-server on a free loopback port (no persistence), to stop and start at will."""

    def __init__(self, port: int | None = None):
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed")
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Process | None = None
        self.start()

    def start(self) -> None:
        args = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = Process(args, env=dict(os.environ), name="redis")
        wait_until(lambda: _tcp_open("127.0.0.1", self.port), timeout=30, what="redis-server to listen")

    def stop(self) -> None:
        if self.process is not None:
            self.process.close()
            self.process = None
        wait_until(lambda: not _tcp_open("127.0.0.1", self.port), timeout=30, what="redis-server to stop")


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None
    )


class PgBouncer:
    """PgBouncer on a free loopback port in front of the PostgreSQL server the tests use, in transaction
    pooling mode (the most common production setup): each transaction may run on another server connection,
    so LISTEN is accepted but no notification ever reaches the client."""

    def __init__(self, server_url: str, *, pool_mode: str = "transaction"):
        binary = pgbouncer_binary()
        if binary is None:
            raise RuntimeError("pgbouncer is not installed (.ci/install-packages)")
        upstream = urlsplit(server_url)
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.directory.chmod(0o755)
        user = upstream.username or "postgres"
        (self.directory / "users.txt").write_text(f'"{user}" ""\n')
        config = self.directory / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host={upstream.hostname or '127.0.0.1'} port={upstream.port or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.directory / 'users.txt'}\n"
            f"pool_mode = {pool_mode}\nmax_client_conn = 500\ndefault_pool_size = 20\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
        for path in self.directory.iterdir():
            path.chmod(0o644)
        # PgBouncer refuses to run as root: as root, run it as the PostgreSQL server's own user.
        as_user = "postgres" if os.geteuid() == 0 else None
        self.process = Process([binary, str(config)], env=dict(os.environ), name="pgbouncer", user=as_user)
        self.url = urlunsplit(
            (upstream.scheme, f"{user}@127.0.0.1:{self.port}", upstream.path, upstream.query, "")
        )
        try:
            wait_until(self._listening, timeout=30, what="pgbouncer to listen")
        except TimeoutError:
            self.close()
            raise RuntimeError(f"pgbouncer did not start:\n{self.process.output()[-4000:]}") from None

    def database_url(self, name: str) -> str:
        """The URL of database `name` through this PgBouncer."""
        return _with_database(self.url, name)

    def _listening(self) -> bool:
        if self.process.popen.poll() is not None:
            raise RuntimeError(f"pgbouncer exited:\n{self.process.output()[-4000:]}")
        return _tcp_open("127.0.0.1", self.port)

    def close(self) -> None:
        self.process.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def leaked(text: str, secrets_: dict[str, str]) -> list[str]:
    """Names of the secrets whose value appears in `text` (logs, response bodies)."""
    return sorted(name for name, value in secrets_.items() if value and value in text)


class ApiUser:
    """A user of a running app: registers, logs in, and calls the API with its access token.

    Every token it receives and every response body it reads are kept, so a test can assert that none of
    them shows up where it must not (logs) and that no error body carries a secret.
    """

    def __init__(self, base_url: str, email: str, password: str = "correct-horse-battery-9"):
        self.base_url = base_url
        self.email = email
        self.password = password
        self.tokens: list[str] = []
        self.bodies: list[str] = []
        status, _, body = self.call(
            "POST", "/auth/register", {"email": email, "password": password}, auth=False
        )
        if status != 201:
            raise RuntimeError(f"registration failed: {status} {body}")
        self.login()

    def login(self) -> None:
        status, _, body = self.call(
            "POST", "/auth/login", {"email": self.email, "password": self.password}, auth=False
        )
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        self.access, self.refresh = body["access"], body["refresh"]

    def call(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        *,
        headers: dict | None = None,
        auth: bool = True,
        timeout: float = 30,
    ):
        sent = dict(headers or {})
        if auth:
            sent.setdefault("Authorization", f"Bearer {self.access}")
        status, response_headers, parsed = http(
            method, f"{self.base_url}{path}", body=body, headers=sent, timeout=timeout
        )
        self.bodies.append(json.dumps(parsed) if not isinstance(parsed, str) else parsed)
        if isinstance(parsed, dict):
            self.tokens += [
                parsed[name] for name in ("access", "refresh") if isinstance(parsed.get(name), str)
            ]
        return status, response_headers, parsed

    def secrets(self) -> dict[str, str]:
        found = {"password": self.password}
        found.update({f"token {index}": token for index, token in enumerate(self.tokens)})
        return found
