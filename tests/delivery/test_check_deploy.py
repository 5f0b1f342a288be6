"""Django's deployment checklist passes on production settings, warnings included (`make check-deploy`)."""

import os
import secrets
import subprocess

from deploy.local.live import PYTHON, ROOT

APP_VARIABLES = {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME", "DEBUG", "SECURE_SSL_REDIRECT"}


def production_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in APP_VARIABLES}
    env.update(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "finance.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://finance.example.com",
            "DATABASE_URL": "postgresql://finance:unused@127.0.0.1:5432/finance",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "SECURE_SSL_REDIRECT": "true",
            "SECURE_HSTS_SECONDS": "31536000",
            "DEBUG": "false",
        }
    )
    env.update(overrides)
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = check_deploy(production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_checklist_fails_on_an_unsafe_production_setting():
    result = check_deploy(production_env(SECURE_SSL_REDIRECT="false"))
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def make_check_deploy(**env: str) -> subprocess.CompletedProcess:
    full = {key: value for key, value in os.environ.items() if key not in APP_VARIABLES | {"SECRET_KEY"}}
    full.update(env)
    return subprocess.run(
        ["make", "--no-print-directory", "check-deploy"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_make_check_deploy_judges_the_key_it_finds_in_the_environment():
    refused = make_check_deploy(SECRET_KEY="change-me")
    assert refused.returncode != 0
    assert "SECRET_KEY looks like a placeholder" in refused.stdout + refused.stderr
    assert make_check_deploy(SECRET_KEY=secrets.token_urlsafe(50)).returncode == 0


def test_make_check_deploy_makes_up_a_key_only_when_none_is_set():
    result = make_check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
