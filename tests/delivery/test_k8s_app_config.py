"""The app under gunicorn with the Kubernetes ConfigMap's settings answers the cluster's own requests:
the probes exactly as the Deployment declares them and Prometheus' scrape of a pod address, while public
requests over plain HTTP are sent to HTTPS."""

import shutil
from urllib.parse import urlsplit

import pytest
from k8s import check

from deploy.local.live import app_env, http, running_app

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(
        not (shutil.which("kustomize") or shutil.which("kubectl")),
        reason="rendering the overlays needs kustomize or kubectl",
    ),
]

# Settings that belong to this test run, not to the cluster: the database and cache of the test machine.
RUN_OWN = {"CACHE_KEY_PREFIX", "GUNICORN_WORKERS", "GUNICORN_THREADS"}


@pytest.fixture(scope="module")
def cluster():
    docs = check.render("production")
    config = check.of_kind(docs, "ConfigMap")[0]["data"]
    backend = check.by_name(docs, "Deployment")["finance-api"]["spec"]["template"]["spec"]["containers"][0]
    overrides = {key: value for key, value in config.items() if key not in RUN_OWN}
    # Production settings need PostgreSQL and Redis; without them the run keeps the development mode.
    if app_env("postgresql://probe")["DJANGO_ENV"] != "production":
        overrides.pop("DJANGO_ENV")
    with running_app(workers=1, threads=4, **overrides) as app:
        yield app, backend, config


def probe(app, get: dict) -> tuple[int, object]:
    headers = {header["name"]: header["value"] for header in get.get("httpHeaders", [])}
    status, _, body = http("GET", f"{app.url}{get['path']}", headers=headers)
    return status, body


@pytest.mark.parametrize("probe_name", ["startupProbe", "readinessProbe", "livenessProbe"])
def test_every_probe_as_declared_succeeds(cluster, probe_name):
    app, backend, _ = cluster
    status, body = probe(app, backend[probe_name]["httpGet"])
    assert status == 200, body
    assert body["status"] == "ok"


def test_prometheus_can_scrape_a_pod_address_over_plain_http(cluster):
    app, _, config = cluster
    assert config["SECURE_SSL_REDIRECT"] == "true"
    status, _, body = http("GET", f"{app.url}/metrics", headers={"Host": "10.42.3.17:8000"})
    assert status == 200
    assert "django_http_requests_total_by_method_total" in body


def test_public_requests_over_plain_http_are_sent_to_https(cluster):
    app, _, config = cluster
    host = next(h for h in config["ALLOWED_HOSTS"].split(",") if "." in h)
    status, headers, _ = http("GET", f"{app.url}/auth/me", headers={"Host": host}, follow_redirects=False)
    assert status == 301
    location = urlsplit(headers["Location"])
    assert (location.scheme, location.hostname) == ("https", host)


def test_requests_the_proxy_marks_as_https_are_served(cluster):
    app, _, config = cluster
    host = next(h for h in config["ALLOWED_HOSTS"].split(",") if "." in h)
    status, headers, _ = http(
        "GET", f"{app.url}/auth/me", headers={"Host": host, "X-Forwarded-Proto": "https"}
    )
    assert status == 401
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
