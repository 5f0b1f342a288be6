"""gunicorn settings for the Finance API, from the environment (see .env.example).

Used by the container entrypoint, Kubernetes and the process tests alike.
"""

import os
import shutil
import sys
from pathlib import Path

# Imported here, in the master, not inside child_exit: that hook runs in the SIGCHLD handler, and a second
# worker exiting during a first, lazy import re-enters it mid-import (ImportError, master exits 1 on SIGTERM).
from prometheus_client import multiprocess

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from config.env import env_int, env_str  # noqa: E402 - a blank variable is its default, as in the app
from config.logging import logging_dict  # noqa: E402

wsgi_app = "config.wsgi:application"
pythonpath = str(ROOT / "src")
bind = env_str("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = env_int("GUNICORN_WORKERS", 2, minimum=1)
threads = env_int("GUNICORN_THREADS", 4, minimum=1)
timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
# SIGTERM: stop accepting, let in-flight requests finish within this many seconds.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 25, minimum=0)
# Longer than nginx's upstream keepalive_timeout, so nginx closes idle connections first.
keepalive = env_int("GUNICORN_KEEPALIVE", 75, minimum=0)
# Recycle workers now and then (jittered so they do not restart together) to bound memory growth.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 50000, minimum=0)
max_requests_jitter = max_requests // 10
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
# Only the proxy may set X-Forwarded-Proto/For for gunicorn.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The worker heartbeat file lives in memory: a slow disk must not get workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = None
errorlog = "-"
logconfig_dict = logging_dict(level=env_str("LOG_LEVEL", "INFO").upper(), fmt=env_str("LOG_FORMAT", "json"))
proc_name = "finance-api"


def on_starting(server):
    """Start every run with an empty metrics directory: files of dead processes would skew counters."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        if path.exists():
            for child in path.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        path.mkdir(parents=True, exist_ok=True)


def post_worker_init(worker):
    """Serve token users from memory while PostgreSQL reports their changes (finance.users.user_cache).

    Here, after the app is loaded in the worker: a thread started in the master would not survive the fork.
    """
    from finance.users.user_cache import start_listening

    start_listening()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
