"""Container health: exit 0 when the app in this container answers /health/live, 1 otherwise.

Standard library only (no curl in the image). The port comes from GUNICORN_BIND; the Host header is the
first concrete name of ALLOWED_HOSTS, so the probe is a request the app accepts (HEALTHCHECK_HOST overrides).
"""

import os
import sys
import urllib.error
import urllib.request


def probe_host() -> str:
    explicit = os.environ.get("HEALTHCHECK_HOST", "").strip()
    if explicit:
        return explicit
    for name in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = name.strip().lstrip(".")
        if name and "*" not in name:
            return name
    return "localhost"


def probe_url() -> str:
    bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
    port = bind.rsplit(":", 1)[-1] if ":" in bind else "8000"
    return f"http://127.0.0.1:{port}/health/live"


def main() -> int:
    request = urllib.request.Request(probe_url(), headers={"Host": probe_host()})
    timeout = float(os.environ.get("HEALTHCHECK_TIMEOUT", "4"))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            healthy = response.status == 200
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if not healthy:
        print(f"unhealthy: /health/live answered {response.status}", file=sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
