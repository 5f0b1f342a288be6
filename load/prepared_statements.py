"""Wall time per call of the hot statements: built by the ORM or plain SQL, with psycopg's client-side
binding (Django's default) or server-side prepared statements (OPTIONS server_side_binding + prepare_threshold).

    python -m load.prepared_statements [--database finance_bench] [--calls 2000]

Needs the database `make bench` seeds. Each mode runs in a process of its own (the OPTIONS are read when
Django connects); one connection, nothing else running, so the wall time is the client's work plus the
server's. The summary in docs/adr/0002-hot-path-sql.md came from this script.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

MODES = ("client", "prepared")


def measure(mode: str, database: str, calls: int) -> dict[str, float]:
    from urllib.parse import urlsplit

    server = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    os.environ.update(
        DATABASE_URL=urlsplit(server)._replace(path=f"/{database}").geturl(),
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django
    from django.conf import settings

    if mode == "prepared":
        settings.DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=1)
    django.setup()
    from django.db import connection, transaction
    from django.db.models import Q, Sum

    from finance.accounts.models import Account
    from finance.accounts.selectors import ACCOUNT_FOR_UPDATE_SQL, accounts_for
    from finance.reports import selectors as reports
    from finance.transactions.models import Transaction
    from finance.transactions.selectors import transaction_list, transactions_for
    from finance.users.models import User

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT user_id FROM transactions_transaction GROUP BY user_id ORDER BY abs(count(*) - 10000) LIMIT 1"
        )
        user = User.objects.get(pk=cursor.fetchone()[0])
    account = Account.objects.filter(user=user).first()
    assert account is not None
    first, last = date(2000, 1, 1), date(2100, 1, 1)

    def per_call(fn, n: int) -> float:
        for _ in range(20):
            fn()
        started = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - started) / n * 1e6

    def sql_lock() -> None:
        with connection.cursor() as cursor:
            cursor.execute(ACCOUNT_FOR_UPDATE_SQL, [account.pk, user.pk])
            cursor.fetchone()

    def orm_summary() -> list:
        return list(
            Transaction.objects.filter(user_id=user.pk, date__gte=first, date__lte=last)
            .values("account__currency")
            .annotate(
                income=Sum("amount", filter=Q(type="income")), expense=Sum("amount", filter=Q(type="expense"))
            )
            .order_by("account__currency")
        )

    found = {}
    with transaction.atomic():
        found["lock, ORM"] = per_call(
            lambda: accounts_for(user).select_for_update().filter(pk=account.pk).first(), calls
        )
        found["lock, SQL"] = per_call(sql_lock, calls)
    found["transaction page, ORM"] = per_call(lambda: list(transactions_for(user)[:20]), calls // 2)
    found["transaction page, SQL"] = per_call(lambda: transaction_list(user)[0:20], calls // 2)
    found["summary, ORM"] = per_call(orm_summary, max(20, calls // 20))
    found["summary, SQL"] = per_call(
        lambda: reports._rows(reports.SUMMARY_SQL, user.pk, first, last, None), max(20, calls // 20)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        found["prepared statements in the session"] = cursor.fetchone()[0]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="finance_bench")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(measure(args.mode, args.database, args.calls)))
        return 0
    results = {}
    for mode in MODES:
        output = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "load.prepared_statements",
                "--mode",
                mode,
                "--database",
                args.database,
                "--calls",
                str(args.calls),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results[mode] = json.loads(output.strip().splitlines()[-1])
    print("| statement | client-side binding (us) | prepared (us) |")
    print("|---|---:|---:|")
    for name in results["client"]:
        print(f"| {name} | {results['client'][name]:.0f} | {results['prepared'][name]:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
