"""Demo data at realistic volume, reproducible from a seed.

Users get accounts in several currencies, income and expense categories, and transactions spread over
years. The same seed and last day give the same rows. Rows are written with COPY on PostgreSQL (a million
transactions in about a minute) and with batched INSERTs elsewhere. Balances are computed from the
generated transactions, so balance == opening balance + income - expense holds for every account.

Every demo user has the password DEMO_PASSWORD. They share one salted hash: hashing is deliberately slow,
and these accounts exist only to be looked at and load-tested.
"""

import bisect
import contextlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import QuerySet

from finance.accounts.models import Account
from finance.categories.models import Category
from finance.core.money import STORAGE_PLACES, minor_units
from finance.transactions.models import Transaction
from finance.users.models import User

DEMO_PASSWORD = "demo-Passw0rd-2026"
EMAIL_PREFIX = "demo-"
EMAIL_DOMAIN = "@example.com"

# (code, share of users whose home currency it is, how many units buy what 1 USD buys)
CURRENCIES = [
    ("USD", 35, 1),
    ("EUR", 30, 1),
    ("GBP", 12, 1),
    ("JPY", 8, 150),
    ("CHF", 5, 1),
    ("SEK", 5, 10),
    ("CAD", 5, 1),
]
# name -> (share of transactions of that type, smallest and largest amount in USD terms)
INCOME = {
    "Salary": (50, 1500, 6000),
    "Freelance": (20, 100, 2500),
    "Interest": (20, 1, 80),
    "Gifts": (10, 20, 500),
}
EXPENSE = {
    "Groceries": (25, 5, 180),
    "Transport": (20, 2, 90),
    "Restaurants": (15, 8, 120),
    "Entertainment": (10, 5, 150),
    "Shopping": (10, 10, 600),
    "Utilities": (5, 30, 250),
    "Health": (5, 10, 400),
    "Education": (5, 20, 800),
    "Rent": (3, 600, 2200),
    "Travel": (2, 50, 1500),
}
INCOME_SHARE = 0.07
DESCRIPTIONS = {
    "Salary": ["Monthly salary", "Salary"],
    "Groceries": ["Weekly shop", "Supermarket", "Farmers market", ""],
    "Transport": ["Metro card", "Taxi", "Fuel", ""],
    "Restaurants": ["Lunch", "Dinner out", "Coffee", ""],
}
COPY_COLUMNS = ("user_id", "account_id", "category_id", "type", "amount", "description", "date", "created_at")


def demo_email(number: int) -> str:
    return f"{EMAIL_PREFIX}{number:05d}{EMAIL_DOMAIN}"


def demo_users() -> QuerySet[User]:
    return User.objects.filter(email__startswith=EMAIL_PREFIX, email__endswith=EMAIL_DOMAIN)


@dataclass
class _Picker:
    """Weighted choice with one random() call: cumulative weights and bisect."""

    items: list
    cumulative: list[float] = field(init=False)

    def __init__(self, weighted: list[tuple[object, float]]):
        self.items = [item for item, _ in weighted]
        total, self.cumulative = 0.0, []
        for _, weight in weighted:
            total += weight
            self.cumulative.append(total)

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True, slots=True)
class _AccountPlan:
    id: int
    scale: float  # units of this currency that buy what 1 USD buys
    minor: int  # 10 ** the currency's minor-unit digits
    places: int


@dataclass(frozen=True, slots=True)
class _CategoryPlan:
    id: int
    type: str
    low: float  # smallest amount, in USD terms
    log_span: float  # log(largest / smallest)
    descriptions: tuple[str, ...]


@dataclass
class SeedResult:
    users: int = 0
    accounts: int = 0
    categories: int = 0
    transactions: int = 0
    first_email: str = ""
    per_user: dict[str, int] = field(default_factory=dict)


def _transaction_counts(rng: random.Random, users: int, total: int) -> list[int]:
    """Split `total` over users unevenly (log-normal weights), summing exactly to `total`."""
    weights = [rng.lognormvariate(0, 0.5) for _ in range(users)]
    scale = total / sum(weights)
    counts = [math.floor(w * scale) for w in weights]
    for index in range(total - sum(counts)):
        counts[index % users] += 1
    return counts


def _amount(value: float, account: _AccountPlan) -> tuple[str, int]:
    """`value` in the account's currency: (decimal text with its minor-unit digits, storage units)."""
    minor = max(1, round(value * account.minor))
    units = minor * (10**STORAGE_PLACES // account.minor)
    if account.places == 0:
        return str(minor), units
    whole, part = divmod(minor, account.minor)
    return f"{whole}.{part:0{account.places}d}", units


@contextlib.contextmanager
def _foreign_keys_checked_once(cursor: Any, table: str) -> Iterator[None]:
    """Drop the table's foreign keys for the bulk load and add them back unchanged afterwards.

    A foreign key checks each copied row with a trigger (three per transaction row, a minute for a
    million); adding it back validates every row in one join instead. All of it happens inside the
    seeding transaction, so a failure leaves the constraints as they were.
    """
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    constraints = cursor.fetchall()
    # Run the checks still pending from earlier inserts: a table with pending trigger events cannot change.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class DemoSeeder:
    def __init__(self, *, users: int, transactions: int, seed: int, years: int, until: date):
        self.user_count = users
        self.transaction_count = transactions
        self.rng = random.Random(seed)  # noqa: S311 - demo data, reproducible on purpose
        self.days = max(1, years * 365)
        self.until = until
        self.currencies = _Picker([((code, per_usd), share) for code, share, per_usd in CURRENCIES])

    # --- users, accounts, categories -------------------------------------------------------------------
    def _make_users(self) -> list[User]:
        password = make_password(DEMO_PASSWORD)
        users = [
            User(email=demo_email(number), password=password) for number in range(1, self.user_count + 1)
        ]
        return User.objects.bulk_create(users, batch_size=1000)

    def _plan_accounts(self, user: User) -> list[tuple[Account, float, float]]:
        rng = self.rng
        home, home_scale = self.currencies.pick(rng)
        extra = rng.sample(["Savings", "Cash", "Travel card"], k=rng.randint(0, 3))
        planned = []
        for name in ["Checking", *sorted(extra)]:
            code, scale = home, home_scale
            if name == "Travel card":
                code, scale = self.currencies.pick(rng)
            places = minor_units(code)
            opening_minor = round(math.exp(rng.uniform(math.log(50), math.log(8000))) * scale * 10**places)
            opening = Decimal(opening_minor).scaleb(-places)
            account = Account(user=user, name=name, currency=code, opening_balance=opening, balance=opening)
            planned.append((account, scale, 0.7 if name == "Checking" else 0.3 / len(extra)))
        return planned

    def _plan_categories(self, user: User) -> list[tuple[Category, str, float]]:
        rng = self.rng
        planned = []
        kinds = (
            (Category.Type.INCOME, INCOME, INCOME_SHARE),
            (Category.Type.EXPENSE, EXPENSE, 1 - INCOME_SHARE),
        )
        for type_, table, type_share in kinds:
            names = list(table)
            # Everyone has the first two of each kind; the rest vary from user to user.
            kept = names[:2] + [name for name in names[2:] if rng.random() < 0.75]
            total = sum(table[name][0] for name in kept)
            for name in kept:
                weight = type_share * table[name][0] / total
                planned.append((Category(user=user, name=name, type=type_), name, weight))
        return planned

    # --- transactions ------------------------------------------------------------------------------------
    def _rows_for(
        self, user_id: int, count: int, accounts: _Picker, categories: _Picker, balances: dict[int, int]
    ) -> list[tuple]:
        """The user's transactions, oldest first, as COPY rows; their effect is added to `balances`."""
        rng = self.rng
        random_, exp = rng.random, math.exp
        days = self.days
        first_day = datetime.combine(self.until - timedelta(days=days - 1), time(8, tzinfo=UTC))
        rows = []
        for _ in range(count):
            category: _CategoryPlan = categories.pick(rng)
            account: _AccountPlan = accounts.pick(rng)
            text, units = _amount(category.low * exp(category.log_span * random_()) * account.scale, account)
            # A day within the period and a time of day between 08:00 and 20:00 UTC.
            created = first_day + timedelta(days=int(random_() * days), seconds=int(random_() * 43200))
            balances[account.id] += units if category.type == Category.Type.INCOME else -units
            description = category.descriptions[int(random_() * len(category.descriptions))]
            rows.append(
                (user_id, account.id, category.id, category.type, text, description, created.date(), created)
            )
        # Oldest first, as a real ledger fills up: ids follow dates, and the (user, date) index is written
        # in order instead of being split all over.
        rows.sort(key=lambda row: row[7])
        return rows

    def _write(self, rows: Iterator[tuple]) -> None:
        table = Transaction._meta.db_table
        columns = ", ".join(COPY_COLUMNS)
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            with (
                connection.connection.cursor() as cursor,
                _foreign_keys_checked_once(cursor, table),
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(COPY_COLUMNS))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - fixed names
        batch: list[tuple] = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append(row)
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)

    def _all_rows(
        self, plans: list[tuple[int, _Picker, _Picker]], counts: list[int], balances: dict[int, int]
    ) -> Iterator[tuple]:
        for (user_id, accounts, categories), count in zip(plans, counts, strict=True):
            yield from self._rows_for(user_id, count, accounts, categories, balances)

    @transaction.atomic
    def run(self) -> SeedResult:
        rng = self.rng
        result = SeedResult()
        users = self._make_users()
        counts = _transaction_counts(rng, len(users), self.transaction_count) if users else []

        account_plans, category_plans = [], []
        for user in users:
            account_plans.append(self._plan_accounts(user))
            category_plans.append(self._plan_categories(user))
        Account.objects.bulk_create([a for plan in account_plans for a, _, _ in plan], batch_size=1000)
        Category.objects.bulk_create([c for plan in category_plans for c, _, _ in plan], batch_size=1000)

        plans = []
        balances: dict[int, int] = {}
        for user, accounts, categories in zip(users, account_plans, category_plans, strict=True):
            account_picker = _Picker(
                [
                    (
                        _AccountPlan(
                            account.pk,
                            scale,
                            10 ** minor_units(account.currency),
                            minor_units(account.currency),
                        ),
                        weight,
                    )
                    for account, scale, weight in accounts
                ]
            )
            category_picker = _Picker(
                [
                    (
                        _CategoryPlan(
                            category.pk,
                            category.type,
                            low=table[name][1],
                            log_span=math.log(table[name][2] / table[name][1]),
                            descriptions=tuple(DESCRIPTIONS.get(name, [""])),
                        ),
                        weight,
                    )
                    for category, name, weight in categories
                    for table in [INCOME if category.type == Category.Type.INCOME else EXPENSE]
                ]
            )
            for account, _, _ in accounts:
                balances[account.pk] = 0
            plans.append((user.pk, account_picker, category_picker))

        self._write(self._all_rows(plans, counts, balances))

        every_account = [a for plan in account_plans for a, _, _ in plan]
        for account in every_account:
            account.balance = account.opening_balance + Decimal(balances[account.pk]).scaleb(-STORAGE_PLACES)
        Account.objects.bulk_update(every_account, ["balance"], batch_size=1000)

        result.users = len(users)
        result.accounts = len(every_account)
        result.categories = sum(len(plan) for plan in category_plans)
        result.transactions = sum(counts)
        result.first_email = users[0].email if users else ""
        result.per_user = {user.email: count for user, count in zip(users, counts, strict=True)}
        return result


def delete_demo_data() -> int:
    """Remove every demo user and what they own; returns how many users went."""
    with transaction.atomic():
        ids = list(demo_users().values_list("pk", flat=True))
        if not ids:
            return 0
        # Transactions first, in one plain statement: they protect their categories from the user's cascade,
        # and the ORM's delete() would load a million of them to send signals nobody listens to.
        placeholders = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM transactions_transaction WHERE user_id IN ({placeholders})",  # noqa: S608 - only %s
                ids,
            )
        User.objects.filter(pk__in=ids).delete()
        return len(ids)


def analyze() -> None:
    """Fresh planner statistics (and, outside a transaction, the visibility map for index-only scans)."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (User, Account, Category, Transaction)]
    with connection.cursor() as cursor:
        for table in tables:
            if connection.in_atomic_block:
                cursor.execute(f"ANALYZE {table}")
            else:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
