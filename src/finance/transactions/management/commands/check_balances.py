"""Check every account's balance, and on PostgreSQL the pre-aggregated figures, against the transactions."""

from typing import Any

import structlog
from django.core.management.base import BaseCommand, CommandError

from finance.core.observability import metrics
from finance.transactions import figures
from finance.transactions.selectors import balance_mismatches

log = structlog.get_logger("finance.balances")


class Command(BaseCommand):
    help = (
        "Verify balance == opening balance + money in - money out for every account, and that the "
        "pre-aggregated figures equal the rows they summarise; exits non-zero on a mismatch."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = list(balance_mismatches())
        for account in mismatches:
            metrics.BALANCE_MISMATCHES.inc()
            log.error(
                "balance.mismatch",
                account_id=account["id"],
                user_id=account["user_id"],
                balance=f"{account['balance']:f}",
                expected=f"{account['expected']:f}",
            )
            self.stderr.write(
                f"account {account['id']}: balance {account['balance']} != expected {account['expected']}"
            )
        figure_mismatches = figures.mismatches() if figures.kept() else []
        for table, key in figure_mismatches:
            log.error("figures.mismatch", table=table, key=[str(part) for part in key])
            self.stderr.write(f"{table} {key}: differs from the transactions")
        if mismatches or figure_mismatches:
            raise CommandError(
                f"{len(mismatches)} account(s) break the balance invariant; "
                f"{len(figure_mismatches)} pre-aggregated figure(s) differ from the rows"
            )
        kept = " and the pre-aggregated figures" if figures.kept() else ""
        self.stdout.write(f"all balances{kept} match their transactions")
