"""manage.py seed_demo --users N --transactions M [--seed S]: reproducible demo data at realistic volume."""

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from finance.demo import seeding


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--until must be YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Create demo users with accounts in several currencies, categories and transactions spread over "
        "years. The same --seed and --until give the same data. Every demo user's password is "
        f"{seeding.DEMO_PASSWORD!r}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=10, help="How many demo users (default 10).")
        parser.add_argument(
            "--transactions", type=int, default=10000, help="Transactions in all, spread unevenly over users."
        )
        parser.add_argument(
            "--heavy",
            type=int,
            default=0,
            help="Give the first demo user this many of the transactions (the rest are shared out).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--years", type=int, default=5, help="Years of history (default 5).")
        parser.add_argument(
            "--until", type=_day, default=None, help="Last day of the history, YYYY-MM-DD (default today)."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete earlier demo users and everything they own first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users, transactions = options["users"], options["transactions"]
        if users < 1 or transactions < 0 or options["years"] < 1:
            raise CommandError("--users and --years must be at least 1, --transactions at least 0.")
        if not 0 <= options["heavy"] <= transactions:
            raise CommandError("--heavy must be between 0 and --transactions.")
        if options["reset"]:
            removed = seeding.delete_demo_data()
            if removed:
                self.stdout.write(f"Deleted {removed} earlier demo users and their data.")
        elif seeding.demo_users().exists():
            raise CommandError("Demo users already exist; pass --reset to replace them.")

        started = time.monotonic()
        result = seeding.DemoSeeder(
            users=users,
            transactions=transactions,
            seed=options["seed"],
            years=options["years"],
            until=options["until"] or timezone.localdate(),
            heavy=options["heavy"],
        ).run()
        seeding.analyze()
        elapsed = time.monotonic() - started
        busiest = max(result.per_user.items(), key=lambda item: item[1])
        self.stdout.write(
            f"Seeded {result.users} users, {result.accounts} accounts, {result.categories} categories and "
            f"{result.transactions} transactions ({result.transfers} transfers, two legs each) in {elapsed:.1f} s.\n"
            f"Log in as {result.first_email} (… {seeding.demo_email(result.users)}) "
            f"with the password {seeding.DEMO_PASSWORD!r}; "
            f"{busiest[0]} has the most transactions ({busiest[1]})."
        )
