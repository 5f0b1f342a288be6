"""The README's promises, kept by running them: `make run` on a fresh machine's defaults (on a free PORT),
and every command of the walk-through against it, printing exactly what the README shows - twice, since
the README says it can be pasted again."""

import os
import re
import signal
import subprocess
import tempfile

import pytest

from deploy.local.live import ROOT, Process, free_port, http, wait_until

pytestmark = pytest.mark.process

README = ROOT / "README.md"
# Settings that would take `make run` off its embedded defaults (the suite runs with some of them set).
NOT_FOR_MAKE_RUN = {
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "DJANGO_ENV",
    "DEBUG",
    "PUBLIC_BASE_URL",
    "S3_BUCKET",
    "VAR_DIR",
    "PORT",
    "TEST_DATABASE_NAME",
}


def walk_through() -> tuple[str, list[str]]:
    """The walk-through's shell block: (the script, the output lines it shows with `#>`)."""
    text = README.read_text()
    section = text.split("## Walk-through", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's walk-through has no bash block"
    lines = block.group(1).splitlines()
    script = "\n".join(line for line in lines if not line.startswith("#>"))
    expected = [line[3:] for line in lines if line.startswith("#> ")]
    return script, expected


@pytest.fixture(scope="module")
def make_run():
    """`make run PORT=<free port>` as a reader runs it, with its data in a throw-away directory."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="make-run-") as var:
        env = {key: value for key, value in os.environ.items() if key not in NOT_FOR_MAKE_RUN}
        env["VAR_DIR"] = var
        server = Process(["make", "--no-print-directory", "run", f"PORT={port}"], env=env, name="make-run")
        url = f"http://127.0.0.1:{port}"

        def answering() -> bool:
            if server.popen.poll() is not None:
                raise RuntimeError(f"make run exited:\n{server.output()[-4000:]}")
            try:
                return http("GET", f"{url}/health/live", timeout=2)[0] == 200
            except OSError:
                return False

        try:
            wait_until(answering, timeout=180, what="make run to serve")
            yield port, url, server
        finally:
            # make, the shell and runserver's reloader and child share the process group make started.
            if server.popen.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
            server.close()


def test_the_readme_is_short():
    assert len(README.read_bytes()) < 12 * 1024


def test_the_readme_links_to_pages_that_exist():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text())
    local = [link for link in links if not link.startswith("http")]
    assert local
    missing = [link for link in local if not (ROOT / link).exists()]
    assert not missing, missing


def test_every_command_of_the_walk_through_prints_what_the_readme_shows(make_run):
    port, _, server = make_run
    script, expected = walk_through()
    assert len(expected) >= 10, "the walk-through shows too little output to check"
    for attempt in (1, 2):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env={**os.environ, "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"run {attempt}: {result.stderr}\n{result.stdout}"
        # The CSV lines end in CRLF, which a terminal shows like any line end.
        printed = [line.rstrip("\r") for line in result.stdout.splitlines()]
        assert printed == expected, f"run {attempt} printed:\n" + "\n".join(printed)
    # make run's links follow its PORT: the "export ready" email (printed on the console) links here, and
    # the OpenAPI document names this address as its server (what Swagger UI's "Try it out" calls).
    assert f"http://127.0.0.1:{port}/exports/download/" in server.output()
    status, _, document = http("GET", f"http://127.0.0.1:{port}/schema?format=json")
    assert status == 200 and document["servers"][0]["url"] == f"http://127.0.0.1:{port}"


def test_make_run_answers_unknown_paths_and_bad_ids_with_problem_json_despite_debug(make_run):
    _, url, _ = make_run
    for path in ("/no-such-endpoint", "/accounts/abc", "/accounts/0", "/transactions/1.5"):
        status, headers, body = http("GET", url + path)
        assert status == 404, (path, body)
        assert headers["Content-Type"] == "application/problem+json", (path, headers["Content-Type"])
        assert body["detail"].startswith("No such endpoint"), body


def test_make_run_installs_only_what_serving_needs():
    planned = subprocess.run(
        ["make", "--dry-run", "--always-make", "--no-print-directory", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "-r requirements/base.lock" in planned
    assert "dev.lock" not in planned
