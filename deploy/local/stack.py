"""The compose stack's pieces as processes on loopback: gunicorn (deploy/local/live.py) behind the project's nginx.

    python -m deploy.local.stack smoke         # `make smoke`: start both, walk deploy/smoke_check.py's journey
    python -m deploy.local.stack nginx-check   # `make nginx-check`: nginx -t on nginx/ as compose renders it

The app runs with production settings on PostgreSQL and Redis when they are reachable (deploy/local/live.py picks
them), nginx with the defaults of docker-compose.yml except for its listen address and backend.
"""

import contextlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

from deploy import smoke_check
from deploy.local.live import (
    Gunicorn,
    Nginx,
    loopback_nginx_variables,
    nginx_binary,
    nginx_config_test,
    running_app,
)

# The app's own limits key on the client address too. A stack that many checks share from one machine
# raises them, so that they never answer before nginx's limits (which the tests exercise on purpose).
SHARED_STACK_SETTINGS = {
    "THROTTLE_LOGIN_RATE": "10000/min",
    "THROTTLE_REGISTER_RATE": "10000/min",
    "LOGIN_FAILURE_LIMIT": "10000",
    # A token made when the stack starts stays valid for its whole life, however slow the machine.
    "JWT_ACCESS_TTL": "3600",
}
NO_NGINX = "nginx is not installed (apt-get install nginx-light)\n"


@dataclass
class EdgeStack:
    app: Gunicorn
    nginx: Nginx

    @property
    def url(self) -> str:
        return self.nginx.url


@contextlib.contextmanager
def edge_stack(*, workers: int = 2, threads: int = 4, **nginx_variables: str) -> Iterator[EdgeStack]:
    """A migrated database, gunicorn on it and nginx in front of gunicorn."""
    with running_app(workers=workers, threads=threads, **SHARED_STACK_SETTINGS) as app:
        nginx = Nginx(backend=f"127.0.0.1:{app.port}", **nginx_variables)
        try:
            yield EdgeStack(app, nginx)
        finally:
            nginx.close()


def smoke() -> int:
    if nginx_binary() is None:
        sys.stderr.write(NO_NGINX)
        return 2
    started = time.monotonic()
    with edge_stack() as stack:
        sys.stdout.write(
            f"app {stack.app.url} behind nginx {stack.url}, up in {time.monotonic() - started:.1f}s\n"
        )
        return smoke_check.check(stack.url)


def nginx_check() -> int:
    if nginx_binary() is None:
        sys.stderr.write(NO_NGINX)
        return 2
    result = nginx_config_test(loopback_nginx_variables(listen="127.0.0.1:8080", backend="127.0.0.1:8000"))
    sys.stdout.write(result.stdout + result.stderr)
    return result.returncode


def main(argv: list[str]) -> int:
    commands = {"smoke": smoke, "nginx-check": nginx_check}
    if len(argv) != 1 or argv[0] not in commands:
        sys.stderr.write(f"usage: python -m deploy.local.stack {{{','.join(commands)}}}\n")
        return 64
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
