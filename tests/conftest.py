import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from config.celery import app as celery_app
from tests.factories import AccountFactory, CategoryFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Files (exports, bank statements) go to the test's own directory, never the project's var/.
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "storage"), "allow_overwrite": True},
        },
    }
    # In-process tests run tasks inline; only the worker tests use a real broker and worker.
    celery_app.conf.task_always_eager = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def client(user) -> APIClient:
    return client_for(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return client_for(other_user)


@pytest.fixture
def account(user):
    return AccountFactory(user=user, currency="USD", opening_balance="100.00")


@pytest.fixture
def income_category(user):
    return CategoryFactory(user=user, type="income", name="Salary")


@pytest.fixture
def expense_category(user):
    return CategoryFactory(user=user, type="expense", name="Food")
