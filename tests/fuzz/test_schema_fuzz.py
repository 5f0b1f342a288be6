"""Schemathesis over the project's own OpenAPI schema (/schema), in-process on the test database.

Every operation gets FUZZ_EXAMPLES generated requests (derandomized: the same requests every run) as an
authenticated user who owns accounts, categories and a transaction; generated ids are pointed at those
objects most of the time, so detail routes and transaction bodies reach real rows, not only 404s. Every
response must pass all of schemathesis' checks: no 5xx, status code, content type, headers and body as
documented, and authentication not ignored.
"""

from datetime import date
from decimal import Decimal

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken

from config.wsgi import application
from finance.accounts.models import Account
from finance.categories.models import Category
from finance.exports.models import Export
from finance.exports.services import request_export
from finance.imports.models import Import
from finance.transactions.models import Transaction
from tests.factories import AccountFactory, CategoryFactory, UserFactory, make_transaction
from tests.reliability.routes import mapped_import

FUZZ_EXAMPLES = 20

schema = schemathesis.from_wsgi("/schema?format=json", application)


class FuzzWorld:
    """The fuzzing user's objects; recreated when a generated DELETE removed them."""

    def __init__(self):
        self.user = UserFactory()
        self.headers = {"Authorization": f"Bearer {RefreshToken.for_user(self.user).access_token}"}

    def _ensure(self) -> dict[str, list[int]]:
        accounts = list(Account.objects.filter(user=self.user).values_list("pk", flat=True))
        if not accounts:
            accounts = [
                AccountFactory(user=self.user, currency="USD", opening_balance=Decimal("100.00")).pk,
                AccountFactory(user=self.user, currency="JPY", opening_balance=Decimal("5000")).pk,
            ]
        categories = list(Category.objects.filter(user=self.user).values_list("pk", flat=True))
        if len(categories) < 2:
            CategoryFactory(user=self.user, type="income")
            CategoryFactory(user=self.user, type="expense")
            categories = list(Category.objects.filter(user=self.user).values_list("pk", flat=True))
        transactions = list(Transaction.objects.filter(user=self.user).values_list("pk", flat=True))
        if not transactions:
            account = Account.objects.get(pk=accounts[0])
            category = Category.objects.filter(user=self.user, type="expense").first()
            if category is not None:
                transactions = [make_transaction(account, category).pk]
        exports = list(Export.objects.filter(user=self.user).values_list("pk", flat=True))
        if not exports:
            exports = [
                request_export(
                    user=self.user, report="summary", date_from=date(2026, 1, 1), date_to=date(2026, 1, 31)
                ).pk
            ]
        imports = list(Import.objects.filter(user=self.user).values_list("pk", flat=True))
        if not imports:
            imports = [mapped_import(self.user, Account.objects.get(pk=accounts[0])).pk]
        return {
            "imports": imports,
            "exports": exports,
            "accounts": accounts,
            "categories": categories,
            "transactions": transactions,
            "users": [self.user.pk],
        }

    def point_ids(self, case) -> None:
        """Map generated ids onto the user's objects, keeping every third one as generated (404s)."""
        owned = self._ensure()
        collection = case.path.strip("/").split("/")[0]
        ids = case.path_parameters or {}
        if "id" in ids and owned.get(collection) and int(ids["id"]) % 3:
            ids["id"] = owned[collection][int(ids["id"]) % len(owned[collection])]
        body = case.body if isinstance(case.body, dict) else {}
        for field, pool in (("account", "accounts"), ("category", "categories")):
            if isinstance(body.get(field), int) and body[field] % 3 and owned[pool]:
                body[field] = owned[pool][body[field] % len(owned[pool])]


@pytest.fixture
def fuzz_world(db):
    # Like Django's test client: the WSGI app must not close the connection that holds the test's
    # transaction at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    cache.clear()
    yield FuzzWorld()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        # One user and their objects serve every example of an operation, on purpose.
        HealthCheck.function_scoped_fixture,
    ],
)
def test_every_operation_conforms_to_the_schema(case, fuzz_world):
    fuzz_world.point_ids(case)
    case.call_and_validate(headers=fuzz_world.headers)
