"""The API's route table, read from the URL resolver, and how the tests make objects and bodies for it.

Tests that walk every route (ownership matrix, server-owned fields) take the routes from here. A new route
fails them until it is registered below: OWNED_OBJECTS for detail routes, WRITE_BODIES for write methods.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, get_resolver
from rest_framework_simplejwt.tokens import RefreshToken

from finance.accounts.models import Account
from finance.categories.models import Category
from finance.exports.models import Export
from finance.exports.services import request_export
from finance.imports import services as imports
from finance.imports.models import Import, ImportedKey, ImportRow
from finance.transactions.models import AccountDay, CategoryDay, CategoryMonth, Transaction
from finance.transfers.models import RejectedPair, Transfer
from finance.transfers.services import create_transfer, match_transfer
from finance.users.api import IsAdminRole
from finance.users.models import User
from tests.factories import PASSWORD, AccountFactory, CategoryFactory, make_transaction

WRITE_METHODS = ("post", "put", "patch")
# Write routes whose body is multipart/form-data (a file upload); every other body is JSON.
MULTIPART = {("import-list", "post")}
# A small bank statement: a header and two rows (rows 2 and 3 of the file).
STATEMENT = b"Date,Description,Amount\n2026-03-01,Coffee,-4.75\n2026-03-02,Salary,1200.00\n"


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    view_class: type
    methods: tuple[str, ...]

    @property
    def is_detail(self) -> bool:
        return "<id:pk>" in self.pattern

    @property
    def admin_only(self) -> bool:
        return any(
            permission is IsAdminRole for permission in getattr(self.view_class, "permission_classes", [])
        )

    def path(self, pk: int | None = None) -> str:
        # A row of an import: the first data row of STATEMENT.
        return "/" + self.pattern.replace("<id:pk>", str(pk)).replace("<id:row>", "2")


def _methods(view_class: type) -> tuple[str, ...]:
    names = [m for m in view_class.http_method_names if m != "options" and hasattr(view_class, m)]
    if "get" in names and "head" not in names:
        names.append("head")  # Django serves HEAD with the GET handler
    return (*names, "options")


def api_routes() -> list[Route]:
    """Every class-based API route of the project (the admin site, an include, has its own auth)."""
    routes = []
    for entry in get_resolver().url_patterns:
        view_class = getattr(getattr(entry, "callback", None), "view_class", None)
        if not isinstance(entry, URLPattern) or view_class is None:
            continue
        routes.append(Route(entry.name, str(entry.pattern), view_class, _methods(view_class)))
    return routes


@dataclass
class World:
    """One user's own objects, from which valid request bodies are built."""

    user: User
    account: Account = field(init=False)
    income: Category = field(init=False)
    expense: Category = field(init=False)
    transaction: Transaction = field(init=False)
    savings: Account = field(init=False)
    transfer: Transfer = field(init=False)
    outflow: Transaction = field(init=False)
    inflow: Transaction = field(init=False)
    matched: Transfer = field(init=False)
    mapped_import: Import = field(init=False)
    done_import: Import = field(init=False)

    def __post_init__(self) -> None:
        self.account = AccountFactory(user=self.user, currency="USD", opening_balance=Decimal("100.00"))
        self.income = CategoryFactory(user=self.user, type="income")
        self.expense = CategoryFactory(user=self.user, type="expense")
        self.transaction = make_transaction(self.account, self.expense, amount="5.00")
        self.savings = AccountFactory(user=self.user, currency="USD", opening_balance=Decimal("0"))
        self.transfer = _transfer(self.account, self.savings)
        # An expense and an income that look like one transfer, and another pair matched into one.
        self.outflow = make_transaction(self.account, self.expense, amount="9.00")
        self.inflow = make_transaction(self.savings, self.income, amount="9.00")
        self.matched = _matched(self.account, self.savings, self.expense, self.income)
        self.mapped_import = mapped_import(self.user, self.account)
        self.done_import = _done_import(self.user, self.income, self.expense)

    def transaction_body(self) -> dict:
        return {
            "account": self.account.pk,
            "category": self.expense.pk,
            "type": "expense",
            "amount": "1.25",
            "date": "2026-03-01",
            "description": "coffee",
        }


def _transfer(source: Account, target: Account) -> Transfer:
    return create_transfer(
        user=source.user,
        from_account_id=source.pk,
        to_account_id=target.pk,
        amount=Decimal("4.00"),
        date=date(2026, 3, 2),
    )


def _matched(source: Account, target: Account, expense: Category, income: Category) -> Transfer:
    out = make_transaction(source, expense, amount="6.00")
    arrived = make_transaction(target, income, amount="6.00")
    return match_transfer(user=source.user, outflow_id=out.pk, inflow_id=arrived.pk)


def _owned_matched(owner: User) -> int:
    source = AccountFactory(user=owner, currency="USD", opening_balance=Decimal("50.00"))
    target = AccountFactory(user=owner, currency="USD")
    expense = CategoryFactory(user=owner, type="expense")
    return _matched(source, target, expense, CategoryFactory(user=owner, type="income")).pk


def mapped_import(owner: User, account: Account) -> Import:
    """An import of STATEMENT on the account, mapped (its rows are read), not committed."""
    made = imports.upload(
        user=owner, account_id=account.pk, file=SimpleUploadedFile("statement.csv", STATEMENT)
    )
    return imports.set_mapping(user=owner, import_id=made.pk, mapping=made.suggested_mapping)


def _done_import(owner: User, income: Category, expense: Category) -> Import:
    """A committed import on an account of its own (its rows are no duplicates of another import's)."""
    account = AccountFactory(user=owner, currency="USD", opening_balance=Decimal("10.00"))
    made = mapped_import(owner, account)
    imports.request_commit(
        user=owner, import_id=made.pk, income_category_id=income.pk, expense_category_id=expense.pk
    )
    imports.commit_import(import_id=made.pk)  # the task, run here: the test's transaction never commits
    return Import.objects.get(pk=made.pk)


def _owned_import(owner: User) -> int:
    return mapped_import(owner, AccountFactory(user=owner, currency="USD")).pk


def _owned_done_import(owner: User) -> int:
    income, expense = CategoryFactory(user=owner, type="income"), CategoryFactory(user=owner, type="expense")
    return _done_import(owner, income, expense).pk


def _owned_transfer(owner: User) -> int:
    source = AccountFactory(user=owner, currency="USD", opening_balance=Decimal("50.00"))
    return _transfer(source, AccountFactory(user=owner, currency="USD")).pk


def _owned_transaction(owner: User) -> int:
    account = AccountFactory(user=owner, currency="USD", opening_balance=Decimal("50.00"))
    return make_transaction(account, CategoryFactory(user=owner, type="expense"), amount="7.00").pk


# Detail routes: how to create an object of `owner` that the route addresses.
OWNED_OBJECTS = {
    "account-detail": lambda owner: AccountFactory(user=owner, currency="EUR").pk,
    "category-detail": lambda owner: CategoryFactory(user=owner).pk,
    "transaction-detail": _owned_transaction,
    "transfer-detail": _owned_transfer,
    "account-balances": lambda owner: AccountFactory(user=owner, currency="EUR").pk,
    "user-detail": lambda owner: owner.pk,
    "export-detail": lambda owner: request_export(
        user=owner, report="summary", date_from=date(2026, 1, 1), date_to=date(2026, 1, 31)
    ).pk,
    "transfer-unlink": _owned_matched,
    "import-detail": _owned_import,
    "import-mapping": _owned_import,
    "import-rows": _owned_import,
    "import-row": _owned_import,
    "import-commit": _owned_import,
    "import-revert": _owned_done_import,
}
# Detail routes that serve no GET: where their owner reads the object they address.
READ_BACK = {
    "transfer-unlink": "/transfers/{}",
    "import-mapping": "/imports/{}",
    "import-row": "/imports/{}/rows",
    "import-commit": "/imports/{}",
    "import-revert": "/imports/{}",
}


def read_path(route: "Route", pk: int) -> str:
    """A GET that its owner may send for the object a detail route addresses."""
    return READ_BACK[route.name].format(pk) if route.name in READ_BACK else route.path(pk)


def send(client, route: "Route", method: str, path: str, body: dict | None):
    """The request as a client sends it: multipart for an upload, JSON otherwise."""
    if method not in WRITE_METHODS:
        return getattr(client, method)(path)
    body_format = "multipart" if (route.name, method) in MULTIPART else "json"
    return getattr(client, method)(path, body or {}, format=body_format)


# (route name, method): a valid body for the acting user's world. Each must succeed as sent.
WRITE_BODIES = {
    ("auth-register", "post"): lambda w: {"email": "brand-new@example.com", "password": PASSWORD},
    ("auth-login", "post"): lambda w: {"email": w.user.email, "password": PASSWORD},
    ("auth-refresh", "post"): lambda w: {"refresh": str(RefreshToken.for_user(w.user))},
    ("auth-logout", "post"): lambda w: {"refresh": str(RefreshToken.for_user(w.user))},
    ("auth-password", "post"): lambda w: {"current_password": PASSWORD, "new_password": "fresh-long-pass-42"},
    ("user-detail", "patch"): lambda w: {"is_active": True},
    ("account-list", "post"): lambda w: {"name": "Savings", "currency": "EUR", "opening_balance": "10.00"},
    ("account-detail", "put"): lambda w: {"name": "Renamed", "currency": "USD"},
    ("account-detail", "patch"): lambda w: {"name": "Renamed"},
    ("category-list", "post"): lambda w: {"name": "Books", "type": "expense"},
    ("category-detail", "put"): lambda w: {"name": "Groceries", "type": "expense"},
    ("category-detail", "patch"): lambda w: {"name": "Groceries"},
    ("transaction-list", "post"): lambda w: w.transaction_body(),
    ("transaction-detail", "put"): lambda w: w.transaction_body(),
    ("transaction-detail", "patch"): lambda w: {"amount": "2.00"},
    ("transfer-list", "post"): lambda w: {
        "from_account": w.account.pk,
        "to_account": w.savings.pk,
        "amount": "3.00",
        "date": "2026-03-03",
        "description": "savings",
    },
    ("transfer-detail", "patch"): lambda w: {"amount": "2.00", "description": "less"},
    ("export-list", "post"): lambda w: {
        "report": "transactions",
        "from": "2026-03-01",
        "to": "2026-03-31",
        "account": w.account.pk,
    },
    ("transfer-match", "post"): lambda w: {"outflow": w.outflow.pk, "inflow": w.inflow.pk},
    ("transfer-reject", "post"): lambda w: {"outflow": w.outflow.pk, "inflow": w.inflow.pk},
    ("transfer-unlink", "post"): lambda w: {},
    ("import-list", "post"): lambda w: {
        "account": w.account.pk,
        "file": SimpleUploadedFile("statement.csv", STATEMENT),
    },
    ("import-mapping", "put"): lambda w: {
        "delimiter": ",",
        "has_header": True,
        "skip_rows": 0,
        "columns": {"date": 0, "description": 1, "amount": 2},
        "date_format": "%Y-%m-%d",
        "decimal_separator": ".",
        "thousands_separator": "",
        "sign": "inflow_positive",
    },
    ("import-row", "patch"): lambda w: {"action": "skip"},
    ("import-commit", "post"): lambda w: {"income_category": w.income.pk, "expense_category": w.expense.pk},
    ("import-revert", "post"): lambda w: {},
}


def detail_object_id(route: Route, world: World) -> int:
    """The id a detail route of the acting user's own world addresses (for write-body checks)."""
    return {
        "account-detail": world.account.pk,
        "category-detail": world.expense.pk,
        "transaction-detail": world.transaction.pk,
        "transfer-detail": world.transfer.pk,
        "account-balances": world.account.pk,
        "user-detail": world.user.pk,
        "transfer-unlink": world.matched.pk,
        "import-detail": world.mapped_import.pk,
        "import-mapping": world.mapped_import.pk,
        "import-rows": world.mapped_import.pk,
        "import-row": world.mapped_import.pk,
        "import-commit": world.mapped_import.pk,
        "import-revert": world.done_import.pk,
    }[route.name]


def snapshot() -> dict:
    """Every row a request could change, to prove that a refused request changed nothing."""
    return {
        "users": list(User.objects.order_by("pk").values()),
        "accounts": list(Account.objects.order_by("pk").values()),
        "categories": list(Category.objects.order_by("pk").values()),
        "transactions": list(Transaction.objects.order_by("pk").values()),
        "transfers": list(Transfer.objects.order_by("pk").values()),
        "figures": [
            list(model.objects.order_by("pk").values()) for model in (AccountDay, CategoryDay, CategoryMonth)
        ],
        "exports": list(Export.objects.order_by("pk").values()),
        "imports": [
            list(model.objects.order_by("pk").values()) for model in (Import, ImportRow, ImportedKey)
        ],
        "rejected_pairs": list(RejectedPair.objects.order_by("pk").values()),
    }
