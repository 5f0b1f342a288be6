"""Settings read from the environment: a blank value is no value, and production judges its signing keys.

compose hands every line of .env to the app, so `STATIC_ROOT=` arrives as an empty string; it must mean
"the default", never "the current directory" (which served the source code under /static/).
"""

import json
import os
import re
import secrets
import subprocess

import pytest

from config.env import env_bool, env_int, env_list, env_str
from deploy.local.live import PYTHON, ROOT

# What the app signs with when nothing is configured (config.keys.DEVELOPMENT_SECRET_KEY).
DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-never-use-in-production-0123456789"
SETTINGS = ROOT / "src" / "config" / "settings.py"
APP_VARIABLES = {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME", "DJANGO_ENV"}


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_variable_leaves_the_default_in_place(monkeypatch, blank):
    for name in ("A_STR", "A_BOOL", "A_INT", "A_LIST"):
        monkeypatch.setenv(name, blank)
    assert env_str("A_STR", "/default/path") == "/default/path"
    assert env_bool("A_BOOL", True) is True
    assert env_int("A_INT", 7) == 7
    assert env_list("A_LIST", "127.0.0.1,::1") == ["127.0.0.1", "::1"]


def settings_of(**env: str) -> dict:
    """Import the settings in a fresh interpreter with `env` on top of a clean environment."""
    code = (
        "import json, config.settings as s; "
        "print(json.dumps({'STATIC_ROOT': str(s.STATIC_ROOT), 'VAR_DIR': str(s.VAR_DIR), "
        "'TRUSTED_PROXIES': s.TRUSTED_PROXIES, 'JWT': s.SIMPLE_JWT['SIGNING_KEY'] == s.SECRET_KEY}))"
    )
    result = run_settings(code, **env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def run_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    full = {key: value for key, value in os.environ.items() if key not in APP_VARIABLES}
    full.update({"PYTHONPATH": str(ROOT / "src"), **env})
    return subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True, timeout=60, check=False
    )


def test_blank_paths_in_an_env_file_fall_back_to_the_built_in_directories():
    values = settings_of(VAR_DIR="", STATIC_ROOT="", TRUSTED_PROXIES="")
    assert values["VAR_DIR"] == str(ROOT / "var")
    assert values["STATIC_ROOT"] == str(ROOT / "var" / "static")
    assert values["TRUSTED_PROXIES"] == ["127.0.0.1", "::1"]


@pytest.mark.parametrize("static_root", [".", str(ROOT), str(ROOT / "src" / "..")])
def test_a_static_root_holding_the_code_is_refused(static_root):
    result = run_settings("import config.settings", STATIC_ROOT=static_root)
    assert result.returncode != 0
    assert "STATIC_ROOT" in result.stderr
    assert "contains the application's code" in result.stderr


# --- production's signing keys ---------------------------------------------------------------------------


def production(**env: str) -> dict[str, str]:
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "finance.example.com",
        "DATABASE_URL": "postgresql://finance:unused@127.0.0.1:5432/finance",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        **env,
    }


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("SECRET_KEY", "change-me", "placeholder"),
        ("SECRET_KEY", "change-me-" + "x" * 60, "placeholder"),
        ("SECRET_KEY", "django-insecure-" + secrets.token_urlsafe(50), "placeholder"),
        ("SECRET_KEY", DEVELOPMENT_SECRET_KEY, "the development key"),
        ("SECRET_KEY", secrets.token_urlsafe(30), "shorter than 50"),
        ("SECRET_KEY", "a" * 60, "fewer than 5 different"),
        ("JWT_SIGNING_KEY", "change-me", "placeholder"),
        ("JWT_SIGNING_KEY", secrets.token_urlsafe(20), "shorter than 50"),
        ("SECRET_KEY_FALLBACKS", "change-me", "placeholder"),
    ],
)
def test_production_refuses_to_start_with_an_unsafe_key_and_never_prints_it(name, value, reason):
    result = run_settings("import config.settings", **production(**{name: value}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr
    assert reason in result.stderr
    assert value not in result.stderr


def test_production_starts_with_long_random_keys_and_signs_jwts_with_their_own_key_when_set():
    assert settings_of(**production())["JWT"] is True
    assert settings_of(**production(JWT_SIGNING_KEY=secrets.token_urlsafe(50)))["JWT"] is False


def test_development_keeps_working_on_the_development_key():
    result = run_settings("import config.settings as s; print(s.SECRET_KEY)")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith(DEVELOPMENT_SECRET_KEY)


def test_num_proxies_is_refused_with_the_rule_that_replaced_it():
    result = run_settings("import config.settings", NUM_PROXIES="1")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


def test_a_trusted_proxy_that_is_no_network_is_refused():
    result = run_settings("import config.settings", TRUSTED_PROXIES="127.0.0.1,nginx")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


def test_every_variable_the_settings_read_is_documented_in_env_example():
    read = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z][A-Z0-9_]*)"', SETTINGS.read_text()))
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "LOGIN_FAILURE_ADDRESS_LIMIT", "TRUSTED_PROXIES"} <= read
    refused = {"NUM_PROXIES"}  # read only to stop the app with a pointer to TRUSTED_PROXIES
    assert read - documented == refused
