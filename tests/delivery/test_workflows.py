"""The GitHub Actions workflow, Dependabot and pre-commit: valid, complete, and consistent with the Makefile."""

import functools
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy.local.live import ROOT

CHECK_JSONSCHEMA = ROOT / ".venv" / "bin" / "check-jsonschema"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CI = ROOT / ".github" / "workflows" / "ci.yml"
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
MAKE_CALL = re.compile(
    r"(?:^|[;&|]\s*|\s)make\s+((?:[A-Za-z_][A-Za-z0-9_]*=\S+\s+|-\S+\s+)*)([a-z0-9][a-z0-9_.-]*)"
)


def load(path: Path) -> dict:
    # PyYAML reads the bare key `on` as True: give it back its name.
    data = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


def check_jsonschema(schema: str, *paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_lines(workflow: dict) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def make_targets_called(workflow: dict) -> set[str]:
    return {match.group(2) for text in run_lines(workflow) for match in MAKE_CALL.finditer(text)}


def makefile_targets() -> set[str]:
    """Targets as make itself sees them (includes, pattern-free rules), from its database."""
    result = subprocess.run(
        ["make", "-pRrq", "-f", "Makefile", ":"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    targets = set()
    for line in result.stdout.splitlines():
        match = re.match(r"^([a-zA-Z0-9][^$#/\t=:%]*):(?!=)", line)
        if match:
            targets.add(match.group(1).strip())
    return targets


def test_it_has_the_workflow_files():
    assert CI in WORKFLOWS
    assert DEPENDABOT.exists()


def test_every_workflow_is_valid_for_github():
    result = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_job_has_a_timeout():
    result = check_jsonschema("custom.github-workflows-require-timeout", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_config_is_valid():
    result = check_jsonschema("vendor.dependabot", DEPENDABOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(CI.read_text().replace("runs-on:", "runs_on:", 1))
    result = check_jsonschema("vendor.github-workflows", broken)
    assert result.returncode != 0


def test_every_make_target_the_workflow_calls_exists_in_the_makefile():
    called = make_targets_called(load(CI))
    assert {"hygiene", "lint", "checks", "test"} <= called
    missing = called - makefile_targets()
    assert not missing, f"the workflow calls make targets the Makefile lacks: {sorted(missing)}"


def test_it_finds_make_targets_in_run_lines():
    workflow = {"jobs": {"j": {"steps": [{"run": 'make test PYTEST_ARGS="-x"\ncd x && make -s lint'}]}}}
    assert make_targets_called(workflow) == {"test", "lint"}


def test_it_runs_on_pushes_and_pull_requests_and_cancels_superseded_runs():
    workflow = load(CI)
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert "github.ref" in workflow["concurrency"]["group"]


def test_permissions_are_read_only_except_the_image_push():
    workflow = load(CI)
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        writes = {scope for scope, level in granted.items() if level == "write"}
        assert writes <= ({"packages"} if name == "build" else set()), (name, granted)


def test_images_are_pushed_to_ghcr_only_from_main_and_tags():
    build = load(CI)["jobs"]["build"]
    steps = {step.get("uses", "").split("@")[0]: step for step in build["steps"]}
    assert "refs/heads/main" in build["env"]["PUBLISH"]
    assert "refs/tags/" in build["env"]["PUBLISH"]
    assert "github.event_name == 'push'" in build["env"]["PUBLISH"]
    login = steps["docker/login-action"]
    assert login["if"] == "env.PUBLISH == 'true'"
    assert login["with"]["registry"] == "ghcr.io"
    assert login["with"]["password"] == "${{ secrets.GITHUB_TOKEN }}"
    push = steps["docker/build-push-action"]
    assert push["with"]["push"] == "${{ env.PUBLISH == 'true' }}"
    assert push["with"]["cache-from"] == "type=gha"
    assert push["with"]["cache-to"].startswith("type=gha")
    tags = steps["docker/metadata-action"]["with"]["tags"]
    assert "type=semver" in tags
    assert "type=sha" in tags


def test_tests_run_on_every_supported_python_against_postgresql_and_redis():
    job = load(CI)["jobs"]["test"]
    assert set(job["strategy"]["matrix"]["python-version"]) == {"3.11", "3.12"}
    assert job["services"]["postgres"]["image"] == "postgres:16"
    assert job["services"]["redis"]["image"] == "redis:7"
    for service in job["services"].values():
        assert "--health-cmd" in service["options"]
    assert job["env"]["DATABASE_URL"].startswith("postgresql://")
    assert job["env"]["REDIS_URL"].startswith("redis://")
    runs = "\n".join(run_lines({"jobs": {"test": job}}))
    assert "make system-packages" in runs
    assert "--cov-report=xml" in runs
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "coverage.xml"


def test_the_smoke_job_checks_the_stack_through_nginx_and_always_cleans_up():
    workflow = load(CI)
    job = workflow["jobs"]["smoke"]
    assert job["needs"] == ["build"]
    steps = job["steps"]
    # The stack runs the image this job loaded (compose takes APP_IMAGE from the environment over .env).
    build = next(step for step in steps if step.get("uses", "").startswith("docker/build-push-action"))
    assert build["with"]["load"] is True
    assert build["with"]["tags"] == "${{ env.APP_IMAGE }}"
    assert job["env"]["APP_IMAGE"]
    runs = [step.get("run", "") for step in steps]
    start = next(i for i, run in enumerate(runs) if "docker compose up -d --wait" in run)
    smoke = next(i for i, run in enumerate(runs) if "deploy/smoke_check.py http://localhost:8080" in run)
    assert "cp .env.example .env" in runs[start]
    assert start < smoke
    logs = next(step for step in steps if "docker compose logs" in step.get("run", ""))
    assert logs["if"] == "failure()"
    down = next(step for step in steps if "docker compose down -v" in step.get("run", ""))
    assert down["if"] == "always()"
    assert steps.index(down) == len(steps) - 1


def test_dependabot_updates_python_docker_and_actions_weekly_in_groups():
    config = yaml.safe_load(DEPENDABOT.read_text())
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert {"pip", "docker", "github-actions"} <= set(updates)
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"
        assert update.get("groups"), update["package-ecosystem"]


def make_dry_run(target: str) -> str:
    result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else ""


@functools.cache
def ci_commands() -> str:
    """Every command CI runs: its run lines, with each make target expanded into its recipe."""
    workflow = load(CI)
    lines = run_lines(workflow)
    lines += [make_dry_run(target) for target in sorted(make_targets_called(workflow))]
    return "\n".join(lines).replace(".venv/bin/", "")


@pytest.mark.parametrize(
    "hook",
    [
        hook
        for repo in yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"]
        for hook in ({**h, "repo": repo["repo"]} for h in repo["hooks"])
    ],
    ids=lambda hook: hook["id"],
)
def test_ci_runs_every_pre_commit_hook(hook):
    commands = ci_commands()
    if hook["repo"] == "local":
        command = hook["entry"].replace(".venv/bin/", "").replace(" --force-exclude", "")
        assert command in commands, f"CI does not run `{command}`"
    else:
        assert re.search(rf"\b{re.escape(hook['id'])}\b", commands), f"CI does not run the {hook['id']} hook"


def test_ci_run_and_the_workflow_run_the_one_definition():
    """.ci/run runs `make ci` as its two halves, the tests with the README's `make test`; the workflow runs
    every part of it; neither kills processes by name."""
    makefile = (ROOT / "Makefile").read_text()

    def prerequisites(target: str) -> set[str]:
        match = re.search(rf"^{target}:([^#\n]*)##", makefile, re.MULTILINE)
        assert match, f"the Makefile has no {target} target"
        return set(match.group(1).split())

    assert prerequisites("ci") == {"ci-checks", "test"}
    parts = prerequisites("ci-checks") | {"test"}
    assert {"hygiene", "lint", "checks", "image-check", "test"} <= parts
    assert parts <= make_targets_called(load(CI))
    script = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make ci-checks$", script, re.MULTILINE)
    assert re.search(r"^make test\b", script, re.MULTILINE)
    for text in (script, (ROOT / ".ci" / "install-packages").read_text(), *run_lines(load(CI))):
        assert not re.search(r"\b(pkill|killall|systemctl stop)\b", text), text


def test_packages_install_without_starting_their_daemons():
    script = (ROOT / ".ci" / "install-packages").read_text()
    assert "policy-rc.d" in script
    assert "exit 101" in script
