"""deploy/entrypoint.sh and deploy/healthcheck.py, run as the container runs them (roles, health probe)."""

import json
import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from deploy.local.live import PYTHON, ROOT, Process, RedisServer, app_env, free_port, http, wait_until

pytestmark = pytest.mark.process

ENTRYPOINT = str(ROOT / "deploy" / "entrypoint.sh")


def role_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The app's environment on a SQLite file, with this interpreter's tools first on PATH (as in the image)."""
    env = app_env(f"sqlite:///{tmp_path}/db.sqlite3", **overrides)
    env.pop("REDIS_URL", None)
    env["DJANGO_ENV"] = "development"
    env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    # Where the entrypoint writes the role the health check reads (/tmp in the image).
    env["TMPDIR"] = str(tmp_path)
    return env


def run_role(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ENTRYPOINT, *args], env=env, capture_output=True, text=True, timeout=300)


def test_web_role_starts_gunicorn_with_an_empty_metrics_directory_and_the_probe_sees_it(tmp_path):
    port = free_port()
    env = role_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1")
    stale = tmp_path / "metrics" / "counter_4242.db"
    stale.parent.mkdir()
    stale.write_bytes(b"left by a process of an earlier run")
    server = Process([ENTRYPOINT, "web"], env=env, name="entrypoint-web")
    try:
        wait_until(
            lambda: _answers(f"http://127.0.0.1:{port}/health/live"), timeout=60, what="the web role to serve"
        )
        assert not stale.exists()
        assert probe_health(env).returncode == 0
    finally:
        server.close()
    stopped = probe_health(env)
    assert stopped.returncode == 1
    assert "unhealthy" in stopped.stderr


def probe_health(env: dict[str, str]) -> subprocess.CompletedProcess:
    """The image's HEALTHCHECK command."""
    return subprocess.run(
        [PYTHON, "deploy/healthcheck.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )


def _answers(url: str) -> bool:
    try:
        return http("GET", url, timeout=2)[0] == 200
    except OSError:
        return False


def test_migrate_role_applies_the_migrations(tmp_path):
    result = run_role(role_env(tmp_path), "migrate")
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        applied = {app for (app,) in db.execute("SELECT DISTINCT app FROM django_migrations")}
    assert {"users", "accounts", "transactions"} <= applied


def test_manage_role_passes_its_arguments_to_manage_py(tmp_path):
    result = run_role(role_env(tmp_path), "manage", "check", "--fail-level", "ERROR")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout


def test_worker_role_runs_the_celery_worker_of_the_config_app(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    recorded = tmp_path / "celery-args"
    fake = bin_dir / "celery"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {recorded}\n')
    fake.chmod(0o755)
    env = role_env(tmp_path, LOG_LEVEL="WARNING")
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    result = run_role(env, "worker", "--concurrency", "2")
    assert result.returncode == 0, result.stderr
    assert recorded.read_text().split() == [
        "-A",
        "config.celery",
        "--quiet",
        "worker",
        "--loglevel",
        "WARNING",
        "--concurrency",
        "2",
    ]
    assert (tmp_path / "metrics").is_dir()


def test_the_worker_role_writes_only_json_lines_and_its_health_check_pings_it(tmp_path):
    """The worker started from the image alone: healthy while its Celery worker answers, every line JSON."""
    broker = RedisServer()  # a private broker: no other worker on this machine can answer the ping
    env = role_env(tmp_path, CELERY_BROKER_URL=broker.url, LOG_FORMAT="json", LOG_LEVEL="INFO")
    worker = Process([ENTRYPOINT, "worker", "--concurrency", "1"], env=env, name="entrypoint-worker")
    try:
        wait_until(lambda: probe_health(env).returncode == 0, timeout=90, what="the worker's health check")
        worker.send(signal.SIGTERM)
        assert worker.popen.wait(60) == 0
        stopped = probe_health(env)
        assert stopped.returncode == 1
        assert "did not answer" in stopped.stderr
        output = worker.output()
    finally:
        worker.close()
        broker.stop()
    lines = [line for line in output.splitlines() if line.strip()]
    not_json = [line for line in lines if not _is_json_object(line)]
    assert not_json == [], not_json[:5]
    events = [json.loads(line)["event"] for line in lines]
    assert any(event.endswith(" ready.") for event in events)
    assert "worker: Warm shutdown (MainProcess)" in events


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def test_a_one_shot_role_is_healthy_while_it_runs_and_web_is_probed_over_http(tmp_path):
    env = role_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{free_port()}")
    assert run_role(env, "manage", "check").returncode == 0
    assert probe_health(env).returncode == 0  # the role file says "manage": nothing to probe
    (tmp_path / "finance-role").write_text("web\n")
    web = probe_health(env)
    assert web.returncode == 1  # nothing listens on the port
    assert "unhealthy" in web.stderr


def test_an_unknown_role_is_refused(tmp_path):
    result = run_role(role_env(tmp_path), "serve")
    assert result.returncode == 64
    assert "unknown role 'serve'" in result.stderr
