"""deploy/k8s-deploy.sh against a stand-in kubectl that records each call (no cluster here).

The stand-in renders with the real kustomize, so what each `kubectl apply` would send is checked as well as
the order: migrations Job first, wait for it, then the workloads.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from k8s import check

from deploy.local.live import ROOT

RENDER = shutil.which("kustomize") or shutil.which("kubectl")
pytestmark = pytest.mark.skipif(RENDER is None, reason="needs kustomize or kubectl to render the overlays")

SCRIPT = ROOT / "deploy" / "k8s-deploy.sh"
FILLED_SECRETS = (
    "SECRET_KEY=8c1f0f6b2e0a4d9fa3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9\n"
    "DATABASE_URL=postgresql://finance:s3cr3t-pw@db.internal:5432/finance\n"
    "REDIS_URL=rediss://:s3cr3t-pw@redis.internal:6379/0\n"
)
STUB = """#!/usr/bin/env bash
# Records every call; renders with the real kustomize; reports the migrations Job as $JOB_STATE.
n=$(( $(ls "$LOG_DIR" | wc -l) + 1 ))
printf '%s\\n' "$@" > "$LOG_DIR/$(printf %03d "$n").call"
case "$1" in
  kustomize) shift; exec $RENDER "$@" ;;
  apply) $RENDER "$3" > "$LOG_DIR/$(printf %03d "$n").yaml" ;;
  get) printf '%s ' $JOB_STATE ;;
  logs) echo "migration error: relation does not exist" ;;
esac
"""


@pytest.fixture
def k8s_tree(tmp_path) -> Path:
    tree = check.copy_with_example_secrets(tmp_path / "repo")
    (tree / "overlays" / "production" / "secrets.env").write_text(FILLED_SECRETS)
    return tree


def deploy(tmp_path: Path, overlay: Path, *args: str, job_state: str = "SuccessCriteriaMet Complete"):
    bin_dir = tmp_path / "bin"
    log_dir = tmp_path / "calls"
    bin_dir.mkdir(exist_ok=True)
    log_dir.mkdir(exist_ok=True)
    stub = bin_dir / "kubectl"
    stub.write_text(STUB)
    stub.chmod(0o755)
    render = f"{RENDER} build" if RENDER.endswith("kustomize") else f"{RENDER} kustomize"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "LOG_DIR": str(log_dir),
        "RENDER": render,
        "JOB_STATE": job_state,
        "DEPLOY_TIMEOUT": "30",
    }
    result = subprocess.run(
        ["bash", str(SCRIPT), str(overlay), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    calls = []
    for path in sorted(log_dir.glob("*.call")):
        argv = path.read_text().splitlines()
        rendered = path.with_suffix(".yaml")
        docs = [d for d in yaml.safe_load_all(rendered.read_text()) if d] if rendered.exists() else None
        calls.append((argv, docs))
    return result, [(argv, docs) for argv, docs in calls if argv[0] != "kustomize"]


def selected(docs: list[dict], selector: str) -> set[str]:
    """What `kubectl apply -l <selector>` sends: kubectl filters the rendered objects by label."""
    key, _, value = selector.replace("!=", "=").partition("=")
    negate = "!=" in selector
    return {
        check.ident(doc) for doc in docs if (doc["metadata"].get("labels", {}).get(key) == value) != negate
    }


def test_it_migrates_first_then_rolls_out_the_requested_image(tmp_path, k8s_tree):
    image = "registry.example.com:5000/acme/finance-api:1.2.3"
    result, calls = deploy(tmp_path, k8s_tree / "overlays" / "production", image)
    assert result.returncode == 0, result.stderr
    verbs = [argv[:2] for argv, _ in calls]
    assert verbs == [
        ["delete", "job"],
        ["apply", "-k"],
        ["get", "job"],
        ["apply", "-k"],
        ["rollout", "status"],
        ["rollout", "status"],
    ]
    (first, first_docs), (second, second_docs) = calls[1], calls[3]
    assert first[-2:] == ["-l", "deploy-phase=migrate"]
    assert second[-2:] == ["-l", "deploy-phase!=migrate"]
    assert selected(first_docs, first[-1]) == {
        "Namespace/finance",
        "ServiceAccount/finance-api",
        "ConfigMap/" + check.of_kind(first_docs, "ConfigMap")[0]["metadata"]["name"],
        "Secret/" + check.of_kind(first_docs, "Secret")[0]["metadata"]["name"],
        "Job/finance-api-migrate",
    }
    assert {"Deployment/finance-api", "Deployment/finance-api-worker"} <= selected(second_docs, second[-1])
    images = {c["image"] for _, t in check.pod_templates(second_docs) for c in t["spec"]["containers"]}
    assert images == {image}
    assert calls[0][0][2] == "finance-api-migrate"
    assert calls[0][0][3:5] == ["-n", "finance"]
    assert [argv[2] for argv, _ in calls[4:]] == ["deployment/finance-api", "deployment/finance-api-worker"]


def test_it_accepts_an_image_pinned_by_digest(tmp_path, k8s_tree):
    image = "ghcr.io/acme/finance-api@sha256:" + "ab" * 32
    result, calls = deploy(tmp_path, k8s_tree / "overlays" / "production", image)
    assert result.returncode == 0, result.stderr
    docs = calls[3][1]
    assert {c["image"] for _, t in check.pod_templates(docs) for c in t["spec"]["containers"]} == {image}


def test_a_failed_migration_stops_the_rollout_and_shows_the_job_logs(tmp_path, k8s_tree):
    result, calls = deploy(tmp_path, k8s_tree / "overlays" / "production", job_state="FailureTarget Failed")
    assert result.returncode != 0
    assert "migrations failed" in result.stderr
    assert "relation does not exist" in result.stderr
    verbs = [argv[0] for argv, _ in calls]
    assert verbs.count("apply") == 1
    assert "rollout" not in verbs
    assert "logs" in verbs


def test_it_refuses_placeholder_secrets_without_printing_them(tmp_path, k8s_tree):
    overlay = k8s_tree / "overlays" / "production"
    (overlay / "secrets.env").write_text(
        FILLED_SECRETS.replace("s3cr3t-pw@db", "change-me@db") + "SENTRY_DSN=https://key@sentry.example/1\n"
    )
    result, calls = deploy(tmp_path, overlay)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert "change-me" not in result.stderr
    assert "s3cr3t" not in result.stdout + result.stderr
    assert calls == []


def test_it_refuses_an_overlay_without_secrets(tmp_path, k8s_tree):
    overlay = k8s_tree / "overlays" / "staging"
    (overlay / "secrets.env").unlink()
    result, calls = deploy(tmp_path, overlay)
    assert result.returncode != 0
    assert "secrets.env.example" in result.stderr
    assert calls == []
