# syntax=docker/dockerfile:1
# The Finance API image: gunicorn (role "web"), the Celery worker ("worker"), migrations ("migrate") and
# any manage.py command ("manage ..."), see deploy/entrypoint.sh.
#
#   docker build -t finance-api .
#   docker run --env-file .env -p 8000:8000 finance-api

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# --- build: every dependency as a wheel, each checked against the hashes of the lock file -----------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /build
COPY requirements/base.lock ./
RUN pip wheel --require-hashes --wheel-dir /wheels -r base.lock

# --- runtime: the wheels installed into a virtualenv, the code, collected static files; no compilers ------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app/src \
    VAR_DIR=/app/var \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus-multiproc \
    GUNICORN_BIND=0.0.0.0:8000

# The app's own user (uid/gid 10001): never root at run time.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# The wheels come from the build stage without becoming a layer of this image.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-index --find-links=/wheels /wheels/*.whl

WORKDIR /app
COPY manage.py ./
COPY src/ src/
COPY deploy/ deploy/

# Static files (the docs pages' assets) are collected once, here, into the default STATIC_ROOT
# (VAR_DIR/static = /app/var/static): an env file that leaves VAR_DIR or STATIC_ROOT empty gets the same
# directory, and /static/ serves these files only. Without DATABASE_URL and DJANGO_ENV the settings fall
# back to their embedded defaults, so this step needs no database, cache or secret; metrics stay in-process
# (the multiprocess directory exists only once a role has started).
RUN PROMETHEUS_MULTIPROC_DIR='' python manage.py collectstatic --no-input --verbosity 0 \
    && chown app:app /app/var \
    && chmod 0755 deploy/entrypoint.sh

# The code and the static files stay root-owned and read-only for the app; it writes only to /app/var (local
# export files, when no S3 is configured) and /tmp. It runs on a read-only root with a tmpfs /tmp as well.
USER 10001:10001
EXPOSE 8000
# Role-aware: gunicorn's /health/live for web, a Celery ping of this container's worker for worker.
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
