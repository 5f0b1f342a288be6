"""The Kubernetes manifests as the cluster would receive them: rendered by kustomize, then checked.

Every overlay must pass every check of k8s/check.py (the same checks `make k8s-check` runs in CI); each
check is also shown to catch the mistake it exists for.
"""

import base64
import copy
import shutil
import subprocess
from pathlib import Path

import pytest
from k8s import check

from deploy.local.live import ROOT

pytestmark = pytest.mark.skipif(
    not (shutil.which("kustomize") or shutil.which("kubectl")),
    reason="rendering the overlays needs kustomize or kubectl (CI runners have both)",
)


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict]]:
    return {overlay: check.render(overlay) for overlay in check.OVERLAYS}


def one(docs: list[dict], kind: str, name: str | None = None) -> dict:
    found = [doc for doc in docs if doc["kind"] == kind and name in (None, doc["metadata"]["name"])]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def container(docs: list[dict], deployment: str) -> dict:
    return one(docs, "Deployment", deployment)["spec"]["template"]["spec"]["containers"][0]


def test_there_are_staging_and_production_overlays():
    assert set(check.OVERLAYS) == {"staging", "production"}


@pytest.mark.parametrize("overlay", ["staging", "production"])
@pytest.mark.parametrize("check_name", list(check.CHECKS))
def test_every_overlay_passes_every_check(rendered, overlay, check_name):
    assert check.CHECKS[check_name](rendered[overlay]) == []


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_every_object_is_in_the_overlay_namespace_which_enforces_restricted(rendered, overlay):
    docs = rendered[overlay]
    namespace = one(docs, "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == namespace["metadata"]["name"], check.ident(doc)


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_the_api_scales_from_two_pods_on_cpu_and_survives_drains(rendered, overlay):
    docs = rendered[overlay]
    backend = one(docs, "Deployment", "finance-api")
    hpa = one(docs, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "finance-api",
    }
    assert hpa["spec"]["minReplicas"] >= 2
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    # The HPA owns the replica count: a re-apply must not shrink a scaled-out Deployment.
    assert "replicas" not in backend["spec"]
    pdb = one(docs, "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert one(docs, "Deployment", "finance-api-worker")["spec"]["replicas"] >= 1


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_the_roles_of_the_image_are_web_worker_and_migrate(rendered, overlay):
    docs = rendered[overlay]
    assert container(docs, "finance-api")["args"] == ["web"]
    assert container(docs, "finance-api-worker")["args"] == ["worker"]
    job = one(docs, "Job", "finance-api-migrate")
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    images = {c["image"] for _, t in check.pod_templates(docs) for c in t["spec"]["containers"]}
    assert len(images) == 1
    assert images.pop().startswith("ghcr.io/")


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_the_first_deploy_step_holds_exactly_the_migrations_job_and_what_it_reads(rendered, overlay):
    phase = {
        doc["kind"]
        for doc in rendered[overlay]
        if doc["metadata"].get("labels", {}).get("deploy-phase") == "migrate"
    }
    assert phase == {"Namespace", "ServiceAccount", "ConfigMap", "Secret", "Job"}


def test_staging_is_served_by_ingress_nginx_with_a_rate_limit(rendered):
    docs = rendered["staging"]
    ingresses = {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == "Ingress"}
    assert sorted(ingresses) == ["finance-api", "finance-api-imports"]
    for ingress in ingresses.values():
        assert ingress["spec"]["rules"][0]["host"] == "finance-staging.example.com"
        assert ingress["spec"]["tls"][0]["hosts"] == ["finance-staging.example.com"]
        assert int(ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/limit-rps"]) > 0
    # Bank statements: only the /imports paths take a body larger than the API's 64 KB at the edge.
    sizes = {
        name: ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
        for name, ingress in ingresses.items()
    }
    assert sizes == {"finance-api": "64k", "finance-api-imports": "5184k"}
    [path] = ingresses["finance-api-imports"]["spec"]["rules"][0]["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/imports", "Prefix")
    assert "/imports" not in check.routed_prefixes(ingresses["finance-api"])
    assert not [doc for doc in docs if doc["kind"] == "HTTPRoute"]
    allowed = one(docs, "ConfigMap")["data"]["ALLOWED_HOSTS"].split(",")
    assert "finance-staging.example.com" in allowed


def test_production_is_served_by_a_gateway_api_httproute(rendered):
    docs = rendered["production"]
    route = one(docs, "HTTPRoute")
    assert route["spec"]["hostnames"] == ["finance.example.com"]
    assert route["spec"]["rules"][0]["backendRefs"] == [
        {"kind": "Service", "name": "finance-api", "port": 80}
    ]
    assert not [doc for doc in docs if doc["kind"] == "Ingress"]
    allowed = one(docs, "ConfigMap")["data"]["ALLOWED_HOSTS"].split(",")
    assert "finance.example.com" in allowed


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_the_edge_routes_the_api_but_neither_the_admin_nor_metrics(rendered, overlay):
    edges = [doc for doc in rendered[overlay] if doc["kind"] in {"Ingress", "HTTPRoute"}]
    routed = {prefix for edge in edges for prefix in check.routed_prefixes(edge)}
    assert "/" not in routed
    assert not {prefix for prefix in routed if prefix.startswith(("/admin", "/metrics"))}
    assert {
        "/auth",
        "/accounts",
        "/transactions",
        "/reports",
        "/health",
        "/docs",
        "/static",
        "/transfers",
        "/imports",
    } <= routed


def test_the_edge_routes_are_checked_against_every_route_django_serves():
    from django.urls import get_resolver

    served = {f"/{str(pattern.pattern).split('/')[0]}" for pattern in get_resolver().url_patterns}
    assert check.public_prefixes() == served - {"/admin", "/metrics"} | {"/static"}


@pytest.mark.parametrize(("overlay", "edge"), [("staging", "ingress-nginx"), ("production", "gateway")])
def test_only_the_edge_and_prometheus_reach_the_api_pods(rendered, overlay, edge):
    docs = rendered[overlay]
    backend = one(docs, "Deployment", "finance-api")["spec"]["template"]["metadata"]["labels"]
    sources = set()
    for policy in check.of_kind(docs, "NetworkPolicy"):
        if not check._policy_selects(policy["spec"]["podSelector"], backend):
            continue
        for rule in policy["spec"]["ingress"]:
            assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
            sources |= {
                peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                for peer in rule["from"]
            }
    assert sources == {edge, "monitoring"}
    trusted = one(docs, "ConfigMap")["data"]["TRUSTED_PROXIES"]
    assert "10.0.0.0/8" not in trusted
    assert "NUM_PROXIES" not in one(docs, "ConfigMap")["data"]


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_an_operator_can_route_the_admin_at_the_edge_with_one_component(tmp_path, overlay):
    tree = check.copy_with_example_secrets(tmp_path)
    kustomization = tree / "overlays" / overlay / "kustomization.yaml"
    text = kustomization.read_text()
    anchor = "  - ../../components/prometheus-operator\n"
    assert anchor in text
    kustomization.write_text(text.replace(anchor, anchor + "  - ../../components/admin-at-edge\n"))
    docs = check.render_tree(tree, overlay)
    edges = [doc for doc in docs if doc["kind"] in {"Ingress", "HTTPRoute"}]
    assert "/admin" in {prefix for edge in edges for prefix in check.routed_prefixes(edge)}
    for name, run in check.CHECKS.items():
        assert run(docs) == [], name


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_prometheus_scrapes_the_api_pods_metrics(rendered, overlay):
    docs = rendered[overlay]
    monitor = one(docs, "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    backend = container(docs, "finance-api")
    metrics_dir = next(e["value"] for e in backend["env"] if e["name"] == "PROMETHEUS_MULTIPROC_DIR")
    assert metrics_dir in {m["mountPath"] for m in backend["volumeMounts"]}


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_the_repository_ships_no_secret_values(rendered, overlay):
    secret = one(rendered[overlay], "Secret")
    values = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= set(values)
    assert "change-me" in values["SECRET_KEY"]
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", f"k8s/overlays/{overlay}/secrets.env"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0, "secrets.env must be ignored by git"


def references(docs: list[dict], kind: str) -> set[str]:
    key = {"ConfigMap": "configMapRef", "Secret": "secretRef"}[kind]
    return {
        source[key]["name"]
        for _, template in check.pod_templates(docs)
        for c in template["spec"]["containers"]
        for source in c.get("envFrom", [])
        if key in source
    }


@pytest.mark.parametrize(
    ("kind", "env_file", "key", "value"),
    [
        ("ConfigMap", "base/app.env", "REPORT_CACHE_TTL", "900"),
        ("Secret", "overlays/production/secrets.env", "SENTRY_DSN", "https://key@sentry.example/1"),
    ],
    ids=["config", "secret"],
)
def test_a_changed_setting_renames_its_object_and_so_rolls_every_pod(tmp_path, kind, env_file, key, value):
    tree = check.copy_with_example_secrets(tmp_path)
    before = check.render_tree(tree, "production")
    _set(tree / env_file, key, value)
    after = check.render_tree(tree, "production")
    old_name = one(before, kind)["metadata"]["name"]
    new_name = one(after, kind)["metadata"]["name"]
    assert old_name != new_name
    assert references(before, kind) == {old_name}
    assert references(after, kind) == {new_name}


def _set(path: Path, key: str, value: str) -> None:
    lines = path.read_text().splitlines()
    assert any(line.startswith(f"{key}=") for line in lines), f"{key} is not in {path}"
    path.write_text(
        "\n".join(f"{key}={value}" if line.startswith(f"{key}=") else line for line in lines) + "\n"
    )


# --- each check catches what it is for ------------------------------------------------------------------


def _backend(docs):
    return container(docs, "finance-api")


def _pod(docs):
    return one(docs, "Deployment", "finance-api")["spec"]["template"]["spec"]


MUTATIONS = {
    "misspelt field": (
        "schema",
        lambda docs: _backend(docs).update(imagePullPolice="Always"),
        "imagePullPolice",
    ),
    "wrong type": ("schema", lambda docs: _backend(docs)["ports"][0].update(containerPort="8000"), "8000"),
    "privilege escalation": (
        "pod security (restricted)",
        lambda docs: _backend(docs)["securityContext"].update(allowPrivilegeEscalation=True),
        "allowPrivilegeEscalation",
    ),
    "capabilities kept": (
        "pod security (restricted)",
        lambda docs: _backend(docs)["securityContext"].pop("capabilities"),
        "drop ALL",
    ),
    "no seccomp profile": (
        "pod security (restricted)",
        lambda docs: _pod(docs)["securityContext"].pop("seccompProfile"),
        "seccompProfile",
    ),
    "root allowed": (
        "pod security (restricted)",
        lambda docs: _pod(docs)["securityContext"].pop("runAsNonRoot"),
        "runAsNonRoot",
    ),
    "hostPath volume": (
        "pod security (restricted)",
        lambda docs: _pod(docs)["volumes"].append({"name": "host", "hostPath": {"path": "/"}}),
        "hostPath",
    ),
    "host network": (
        "pod security (restricted)",
        lambda docs: _pod(docs).update(hostNetwork=True),
        "hostNetwork",
    ),
    "writable root": (
        "hardening",
        lambda docs: _backend(docs)["securityContext"].update(readOnlyRootFilesystem=False),
        "readOnlyRootFilesystem",
    ),
    "token mounted": (
        "hardening",
        lambda docs: _pod(docs).update(automountServiceAccountToken=True),
        "automountServiceAccountToken",
    ),
    "no resources": ("hardening", lambda docs: _backend(docs).pop("resources"), "resources"),
    "no metrics volume": (
        "hardening",
        lambda docs: _backend(docs)["volumeMounts"].pop(),
        "/run/metrics",
    ),
    "rollout drops capacity": (
        "hardening",
        lambda docs: one(docs, "Deployment", "finance-api")["spec"]["strategy"]["rollingUpdate"].update(
            maxUnavailable=1
        ),
        "maxUnavailable",
    ),
    "probe Host not allowed": (
        "probes",
        lambda docs: _backend(docs)["readinessProbe"]["httpGet"]["httpHeaders"][0].update(
            value="example.org"
        ),
        "not in ALLOWED_HOSTS",
    ),
    "probe without Host": (
        "probes",
        lambda docs: _backend(docs)["livenessProbe"]["httpGet"].pop("httpHeaders"),
        "no Host header",
    ),
    "readiness on the liveness path": (
        "probes",
        lambda docs: _backend(docs)["readinessProbe"]["httpGet"].update(path="/health/live"),
        "/health/ready",
    ),
    "no startup probe": ("probes", lambda docs: _backend(docs).pop("startupProbe"), "startupProbe"),
    "scrape of a port the Service lacks": (
        "references",
        lambda docs: one(docs, "ServiceMonitor")["spec"]["endpoints"][0].update(port="metrics"),
        "metrics",
    ),
    "route to a port the Service lacks": (
        "references",
        lambda docs: one(docs, "HTTPRoute")["spec"]["rules"][0]["backendRefs"][0].update(port=8080),
        "8080",
    ),
    "Service selecting no pods": (
        "references",
        lambda docs: one(docs, "Service")["spec"]["selector"].update({"app.kubernetes.io/component": "web"}),
        "matches no pod",
    ),
    "missing ConfigMap": (
        "references",
        lambda docs: docs.remove(one(docs, "ConfigMap")),
        "no ConfigMap",
    ),
    "HPA on a missing Deployment": (
        "references",
        lambda docs: one(docs, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"].update(name="api"),
        "does not exist",
    ),
    "ServiceMonitor with a bad interval": (
        "custom resources",
        lambda docs: one(docs, "ServiceMonitor")["spec"]["endpoints"][0].update(interval="30 seconds"),
        "interval",
    ),
    "HTTPRoute without a Gateway": (
        "custom resources",
        lambda docs: one(docs, "HTTPRoute")["spec"].update(parentRefs=[]),
        "parentRefs",
    ),
    "API pods open to every source": (
        "network",
        lambda docs: one(docs, "NetworkPolicy", "finance-api-from-edge")["spec"]["ingress"][0].pop("from"),
        "admits every source",
    ),
    "API pods open to an address block": (
        "network",
        lambda docs: one(docs, "NetworkPolicy", "finance-api-from-edge")["spec"]["ingress"][0]["from"].append(
            {"ipBlock": {"cidr": "0.0.0.0/0"}}
        ),
        "ipBlock",
    ),
    "API pods open to another namespace": (
        "network",
        lambda docs: one(docs, "NetworkPolicy", "finance-api-from-edge")["spec"]["ingress"][0]["from"].append(
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "default"}}}
        ),
        "admit namespace default",
    ),
    "API pods closed to the edge": (
        "network",
        lambda docs: docs.remove(one(docs, "NetworkPolicy", "finance-api-from-edge")),
        "do not admit namespace gateway",
    ),
    "every private range trusted as a proxy": (
        "network",
        lambda docs: one(docs, "ConfigMap")["data"].update(TRUSTED_PROXIES="10.0.0.0/8,172.16.0.0/12"),
        "wider than /16",
    ),
    "a hop count of proxies": (
        "network",
        lambda docs: one(docs, "ConfigMap")["data"].update(NUM_PROXIES="1"),
        "NUM_PROXIES",
    ),
    "everything routed": (
        "edge routes",
        lambda docs: one(docs, "HTTPRoute")["spec"]["rules"][0]["matches"].append(
            {"path": {"type": "PathPrefix", "value": "/"}}
        ),
        "routes /,",
    ),
    "metrics routed": (
        "edge routes",
        lambda docs: one(docs, "HTTPRoute")["spec"]["rules"][0]["matches"].append(
            {"path": {"type": "PathPrefix", "value": "/metrics"}}
        ),
        "routes /metrics",
    ),
    "a public path not routed": (
        "edge routes",
        lambda docs: one(docs, "HTTPRoute")["spec"]["rules"][0].update(
            matches=[
                m
                for m in one(docs, "HTTPRoute")["spec"]["rules"][0]["matches"]
                if m["path"]["value"] != "/reports"
            ]
        ),
        "does not route /reports",
    ),
    "a path routed twice": (
        "edge routes",
        lambda docs: one(docs, "HTTPRoute")["spec"]["rules"][0]["matches"].append(
            {"path": {"type": "PathPrefix", "value": "/imports"}}
        ),
        "routes /imports more than once",
    ),
}


@pytest.mark.parametrize("mistake", list(MUTATIONS))
def test_each_check_catches_its_mistake(rendered, mistake):
    check_name, mutate, expected = MUTATIONS[mistake]
    docs = copy.deepcopy(rendered["production"])
    mutate(docs)
    problems = check.CHECKS[check_name](docs)
    assert any(expected in problem for problem in problems), problems


def test_the_schema_check_knows_the_oldest_supported_kubernetes(rendered):
    assert check.KUBERNETES_VERSIONS[0] == "1.30.0"
    docs = copy.deepcopy(rendered["production"])
    # A field Kubernetes 1.30 does not have: the check must refuse it there, even if newer versions know it.
    _pod(docs)["hostnameOverride"] = "api"
    problems = check.schema_problems(docs, versions=["1.30.0"])
    assert any("hostnameOverride" in problem for problem in problems), problems


def test_the_command_line_reports_each_check(capsys):
    assert check.main(["staging"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("staging: ")
    assert "FAIL" not in out
    for label in check.CHECKS:
        assert f"ok   {label}" in out


@pytest.mark.parametrize(
    ("file", "old", "new", "reported"),
    [
        (
            "base/backend-deployment.yaml",
            "readOnlyRootFilesystem: true",
            "readOnlyRootFilesystem: false",
            "FAIL hardening",
        ),
        (
            "overlays/staging/kustomization.yaml",
            "- namespace.yaml",
            "- missing.yaml",
            "FAIL staging: kustomize failed",
        ),
    ],
    ids=["failing-check", "render-error"],
)
def test_the_command_line_fails_on_a_broken_overlay(tmp_path, monkeypatch, capsys, file, old, new, reported):
    tree = check.copy_with_example_secrets(tmp_path)
    path = tree / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    monkeypatch.setattr(check, "K8S_DIR", tree)
    assert check.main(["staging"]) == 1
    assert reported in capsys.readouterr().out
