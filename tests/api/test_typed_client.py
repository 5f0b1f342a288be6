"""A typed client generated from the served OpenAPI document (openapi-python-client, once per session)
carries a whole user journey against the live server, and mypy --strict accepts the journey."""

import importlib
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.local.live import PYTHON
from tests.api.contract import PASSWORD

JOURNEY = Path(__file__).with_name("client_journey.py")
BIN = Path(PYTHON).parent


@pytest.fixture(scope="session")
def typed_client(served_document, tmp_path_factory) -> Path:
    """The directory holding the generated package `finance_api_client`."""
    directory = tmp_path_factory.mktemp("typed-client")
    document = directory / "openapi.json"
    document.write_text(json.dumps(served_document))
    # The generator formats its output with ruff, which it looks for on PATH.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--output-path",
            str(directory / "finance_api_client"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert result.returncode == 0 and "Warning" not in result.stdout + result.stderr, (
        result.stdout + result.stderr
    )
    return directory


def test_a_whole_journey_runs_through_the_generated_client_alone(typed_client, live_app, monkeypatch):
    monkeypatch.syspath_prepend(str(typed_client))
    journey = importlib.import_module("tests.api.client_journey")
    try:
        journey.run(live_app.url, f"journey-{secrets.token_hex(4)}@example.com", PASSWORD)
    finally:
        for name in [
            name
            for name in sys.modules
            if name.split(".")[0] in {"finance_api_client", "tests.api.client_journey"}
        ]:
            del sys.modules[name]


def test_the_journey_type_checks_against_the_generated_client(typed_client, tmp_path):
    result = subprocess.run(
        [
            str(BIN / "mypy"),
            "--strict",
            "--no-warn-unused-configs",
            "--config-file",
            os.devnull,
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            str(JOURNEY),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=typed_client,
        env={**os.environ, "MYPYPATH": str(typed_client)},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
