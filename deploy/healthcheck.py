"""Container health for the image's HEALTHCHECK: exit 0 when what this container runs is healthy, 1 otherwise.

The entrypoint writes the container's role to $TMPDIR/finance-role (/tmp in the image); the check follows it:

- web (or no role file): GET /health/live on gunicorn's port with a Host header the app accepts (the first
  concrete name of ALLOWED_HOSTS; HEALTHCHECK_HOST overrides) - standard library only, no curl in the image;
- worker: a Celery ping to this container's worker (`celery@<hostname>`, its default node name) through the
  broker (CELERY_BROKER_URL, else REDIS_URL), without loading Django;
- migrate, manage: one-shot commands, healthy while they run.

HEALTHCHECK_TIMEOUT (seconds, default 4) bounds each probe. A blank variable counts as unset, as in the app.
"""

import os
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path


def env(name: str, default: str = "", environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(name, "").strip() or default


def role_file() -> Path:
    """Where the entrypoint wrote the role: $TMPDIR (unset in the image: /tmp)."""
    return Path(env("TMPDIR", "/tmp")) / "finance-role"


def role() -> str:
    try:
        return role_file().read_text().strip() or "web"
    except OSError:
        return "web"


def timeout() -> float:
    return float(env("HEALTHCHECK_TIMEOUT", "4"))


def probe_host(environ: Mapping[str, str] = os.environ) -> str:
    """A Host header the app accepts: HEALTHCHECK_HOST, else the first concrete name of ALLOWED_HOSTS."""
    explicit = env("HEALTHCHECK_HOST", environ=environ)
    if explicit:
        return explicit
    for name in env("ALLOWED_HOSTS", environ=environ).split(","):
        name = name.strip().lstrip(".")
        if name and "*" not in name:
            return name
    return "localhost"


def probe_url() -> str:
    bind = env("GUNICORN_BIND", "0.0.0.0:8000")
    port = bind.rsplit(":", 1)[-1] if ":" in bind else "8000"
    return f"http://127.0.0.1:{port}/health/live"


def web() -> int:
    request = urllib.request.Request(probe_url(), headers={"Host": probe_host()})
    try:
        with urllib.request.urlopen(request, timeout=timeout()) as response:
            healthy = response.status == 200
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if not healthy:
        print(f"unhealthy: /health/live answered {response.status}", file=sys.stderr)
    return 0 if healthy else 1


def worker_name() -> str:
    return f"celery@{socket.gethostname()}"


def worker() -> int:
    from celery import Celery

    broker = env("CELERY_BROKER_URL") or env("REDIS_URL")
    if not broker:
        print("unhealthy: no broker (CELERY_BROKER_URL or REDIS_URL)", file=sys.stderr)
        return 1
    app = Celery("healthcheck", broker=broker, set_as_current=False)
    app.conf.broker_connection_retry = False
    app.conf.broker_connection_timeout = timeout()
    app.conf.broker_transport_options = {"socket_connect_timeout": timeout(), "socket_timeout": timeout()}
    name = worker_name()
    try:
        replies = app.control.ping(destination=[name], timeout=timeout())
    except Exception as error:  # the broker unreachable, refused, timed out...
        print(f"unhealthy: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if not any(name in reply for reply in replies):
        print(f"unhealthy: {name} did not answer a ping within {timeout()}s", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    running = role()
    if running == "worker":
        return worker()
    if running in {"migrate", "manage"}:
        return 0
    return web()


if __name__ == "__main__":
    sys.exit(main())
