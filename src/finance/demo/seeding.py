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
from finance.transactions import figures
from finance.transactions.models import Transaction
from finance.transfers.models import Transfer
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
# Of a user's transactions, this share are transfer legs between their own accounts (two per transfer).
TRANSFER_SHARE = 0.01
TRANSFER_DESCRIPTIONS = ("Savings", "Transfer", "Top-up", "")
COPY_COLUMNS = (
    "user_id",
    "account_id",
    "category_id",
    "type",
    "direction",
    "transfer_id",
    "amount",
    "description",
    "date",
    "created_at",
)


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
    currency: str
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


@dataclass(frozen=True, slots=True)
class _TransferPlan:
    id: int
    source: _AccountPlan
    target: _AccountPlan
    sent: tuple[str, int]  # (decimal text, storage units) leaving source
    received: tuple[str, int]  # arriving on target
    description: str
    created: datetime


@dataclass
class SeedResult:
    users: int = 0
    accounts: int = 0
    categories: int = 0
    transactions: int = 0
    transfers: int = 0
    first_email: str = ""
    per_user: dict[str, int] = field(default_factory=dict)


def _transaction_counts(rng: random.Random, users: int, total: int, heavy: int = 0) -> list[int]:
    """Split `total` over users unevenly (log-normal weights), summing exactly to `total`; with `heavy`, the
    first user has that many and the others share the rest."""
    if heavy and users > 1:
        return [heavy, *_transaction_counts(rng, users - 1, total - heavy)]
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
    def __init__(self, *, users: int, transactions: int, seed: int, years: int, until: date, heavy: int = 0):
        self.user_count = users
        self.transaction_count = transactions
        self.heavy = heavy
        self.rng = random.Random(seed)  # noqa: S311 - demo data, reproducible on purpose
        self.days = max(1, years * 365)
        self.until = until
        self.first_day = datetime.combine(until - timedelta(days=self.days - 1), time(8, tzinfo=UTC))
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

    def _moment(self) -> datetime:
        """A day within the period and a time of day between 08:00 and 20:00 UTC."""
        random_ = self.rng.random
        return self.first_day + timedelta(days=int(random_() * self.days), seconds=int(random_() * 43200))

    # --- transfers ---------------------------------------------------------------------------------------
    def _plan_transfers(
        self, user_id: int, accounts: list[_AccountPlan], count: int
    ) -> list[tuple[Transfer, tuple[Any, ...]]]:
        """`count` transfers between the user's accounts (mostly out of the first, the checking account),
        unsaved, each with (source, target, sent, received, created) for its legs; the amounts are drawn in
        USD terms and converted with the currencies' scales."""
        rng = self.rng
        planned = []
        for _ in range(count):
            source = accounts[0] if rng.random() < 0.7 else rng.choice(accounts)
            target = rng.choice([account for account in accounts if account is not source])
            usd = math.exp(rng.uniform(math.log(50), math.log(2000)))
            sent = _amount(usd * source.scale, source)
            # Another currency arrives at a rate within 2% of the scales' ratio, as a bank would convert.
            spread = (
                1.0
                if source.scale == target.scale and source.places == target.places
                else rng.uniform(0.98, 1.0)
            )
            received = sent if spread == 1.0 else _amount(usd * target.scale * spread, target)
            created = self._moment()
            transfer = Transfer(
                user_id=user_id,
                from_account_id=source.id,
                to_account_id=target.id,
                amount=Decimal(sent[0]),
                currency=source.currency,
                to_amount=Decimal(received[0]),
                to_currency=target.currency,
                date=created.date(),
                description=rng.choice(TRANSFER_DESCRIPTIONS),
            )
            planned.append((transfer, (source, target, sent, received, created)))
        return planned

    # --- transactions ------------------------------------------------------------------------------------
    def _rows_for(
        self,
        user_id: int,
        count: int,
        accounts: _Picker,
        categories: _Picker,
        transfers: list[_TransferPlan],
        balances: dict[int, int],
    ) -> list[tuple]:
        """The user's transactions, oldest first, as COPY rows (`count` of income and expense, two legs per
        transfer); their effect is added to `balances`."""
        rng = self.rng
        random_, exp = rng.random, math.exp
        rows: list[tuple[Any, ...]] = []
        for _ in range(count):
            category: _CategoryPlan = categories.pick(rng)
            account: _AccountPlan = accounts.pick(rng)
            text, units = _amount(category.low * exp(category.log_span * random_()) * account.scale, account)
            created = self._moment()
            income = category.type == Category.Type.INCOME
            balances[account.id] += units if income else -units
            description = category.descriptions[int(random_() * len(category.descriptions))]
            direction = "in" if income else "out"
            row = (user_id, account.id, category.id, category.type, direction, None, text, description)
            rows.append((*row, created.date(), created))
        for plan in transfers:
            for account, direction, (text, units) in (
                (plan.source, "out", plan.sent),
                (plan.target, "in", plan.received),
            ):
                balances[account.id] += units if direction == "in" else -units
                leg = (user_id, account.id, None, "transfer", direction, plan.id, text, plan.description)
                rows.append((*leg, plan.created.date(), plan.created))
        # Oldest first, as a real ledger fills up: ids follow dates, and the (user, date) index is written
        # in order instead of being split all over.
        rows.sort(key=lambda row: row[9])
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

    @transaction.atomic
    def run(self) -> SeedResult:
        rng = self.rng
        result = SeedResult()
        users = self._make_users()
        counts = _transaction_counts(rng, len(users), self.transaction_count, self.heavy) if users else []

        account_plans, category_plans = [], []
        for user in users:
            account_plans.append(self._plan_accounts(user))
            category_plans.append(self._plan_categories(user))
        Account.objects.bulk_create([a for plan in account_plans for a, _, _ in plan], batch_size=1000)
        Category.objects.bulk_create([c for plan in category_plans for c, _, _ in plan], batch_size=1000)

        plans = []
        balances: dict[int, int] = {}
        unsaved_transfers: list[tuple[Transfer, tuple[Any, ...]]] = []
        for user, accounts, categories, count in zip(
            users, account_plans, category_plans, counts, strict=True
        ):
            account_list = [
                _AccountPlan(
                    account.pk,
                    account.currency,
                    scale,
                    10 ** minor_units(account.currency),
                    minor_units(account.currency),
                )
                for account, scale, _ in accounts
            ]
            account_picker = _Picker(
                [(plan, weight) for plan, (_, _, weight) in zip(account_list, accounts, strict=True)]
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
            transfers = int(count * TRANSFER_SHARE / 2) if len(account_list) > 1 else 0
            first = len(unsaved_transfers)
            unsaved_transfers += self._plan_transfers(user.pk, account_list, transfers)
            plans.append(
                (user.pk, account_picker, category_picker, count - 2 * transfers, (first, first + transfers))
            )

        saved = Transfer.objects.bulk_create([transfer for transfer, _ in unsaved_transfers], batch_size=2000)
        transfer_plans = [
            _TransferPlan(transfer.pk, source, target, sent, received, transfer.description, created)
            for transfer, (_, (source, target, sent, received, created)) in zip(
                saved, unsaved_transfers, strict=True
            )
        ]

        def every_row() -> Iterator[tuple]:
            for user_id, account_picker, category_picker, regular, (first, last) in plans:
                yield from self._rows_for(
                    user_id, regular, account_picker, category_picker, transfer_plans[first:last], balances
                )

        user_ids = [user.pk for user in users]
        with figures.paused(user_ids):
            self._write(every_row())

        every_account = [a for plan in account_plans for a, _, _ in plan]
        for account in every_account:
            account.balance = account.opening_balance + Decimal(balances[account.pk]).scaleb(-STORAGE_PLACES)
        Account.objects.bulk_update(every_account, ["balance"], batch_size=1000)

        result.users = len(users)
        result.accounts = len(every_account)
        result.categories = sum(len(plan) for plan in category_plans)
        result.transactions = sum(counts)
        result.transfers = len(transfer_plans)
        result.first_email = users[0].email if users else ""
        result.per_user = {user.email: count for user, count in zip(users, counts, strict=True)}
        return result


def delete_demo_data() -> int:
    """Remove every demo user and what they own; returns how many users went."""
    with transaction.atomic():
        ids = list(demo_users().values_list("pk", flat=True))
        if not ids:
            return 0
        # Transactions first, in one plain statement: they protect their categories and transfers from the
        # user's cascade, and the ORM's delete() would load millions of them to send signals nobody hears.
        placeholders = ", ".join(["%s"] * len(ids))
        with figures.paused(ids), connection.cursor() as cursor:
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
    tables = [model._meta.db_table for model in (User, Account, Category, Transaction, Transfer)]
    tables += list(figures.TABLES)
    with connection.cursor() as cursor:
        for table in tables:
            if connection.in_atomic_block:
                cursor.execute(f"ANALYZE {table}")
            else:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
