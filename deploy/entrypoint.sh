#!/bin/sh
# The image's entrypoint: one role per container.
#
#   web              gunicorn with deploy/gunicorn.conf.py (the default command)
#   worker [args]    the Celery worker (config.celery)
#   migrate [args]   manage.py migrate --no-input
#   manage ARGS      any manage.py command, e.g. `manage createsuperuser`
set -eu

cd "$(dirname "$0")/.."

# prometheus_client writes one file per process here when it is set; the directory must exist.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

role="${1:-web}"
if [ "$#" -gt 0 ]; then shift; fi

# The image's health check (deploy/healthcheck.py) probes what this container runs: it reads the role here.
# /tmp is writable even on a read-only root (a tmpfs or an emptyDir); without it the check assumes "web".
printf '%s\n' "$role" > "${TMPDIR:-/tmp}/finance-role" 2>/dev/null || true

case "$role" in
  web)
    # Files left by the processes of an earlier run would skew the counters the workers report.
    if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
      find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete
    fi
    exec gunicorn --config deploy/gunicorn.conf.py "$@"
    ;;
  worker)
    # --quiet: no startup banner (plain text); every line the worker writes is a JSON log line.
    exec celery -A config.celery --quiet worker --loglevel "${LOG_LEVEL:-INFO}" "$@"
    ;;
  migrate)
    exec python manage.py migrate --no-input "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    echo "unknown role '$role': use web, worker, migrate or manage" >&2
    exit 64
    ;;
esac
