"""One live server for the API contract and the typed client: gunicorn with the project's configuration on
a fresh database (PostgreSQL and Redis when reachable), started once per test session."""

import subprocess

import pytest

from deploy.local.live import PYTHON, ROOT, http, running_app
from load.target import RELAXED_LIMITS
from tests.api.contract import Contract, Person

# Many users register and log in from one address: the abuse limits are tested elsewhere.
LIVE_SETTINGS = {**RELAXED_LIMITS, "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher"}


@pytest.fixture(scope="session")
def live_app():
    with running_app(workers=1, threads=4, static=True, **LIVE_SETTINGS) as app:
        yield app


@pytest.fixture(scope="session")
def served_document(live_app) -> dict:
    status, _, document = http("GET", f"{live_app.url}/schema?format=json")
    assert status == 200 and isinstance(document, dict), document
    return document


@pytest.fixture(scope="session")
def contract(live_app, served_document) -> Contract:
    return Contract(served_document, live_app.url)


@pytest.fixture(scope="session")
def ann(contract) -> Person:
    return contract.register("ann")


@pytest.fixture(scope="session")
def admin(contract, live_app) -> Person:
    person = contract.register("admin")
    promote = (
        "from finance.users.models import User; "
        f"User.objects.filter(email={person.email!r}).update(role=User.Role.ADMIN)"
    )
    subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", promote], cwd=ROOT, env=live_app.env, check=True, timeout=120
    )
    return person
