"""Check balance == opening balance + income - expense for every account; exit 1 on any mismatch."""

from typing import Any

import structlog
from django.core.management.base import BaseCommand, CommandError

from finance.accounts.selectors import balance_mismatches
from finance.core.observability import metrics

log = structlog.get_logger("finance.balances")


class Command(BaseCommand):
    help = "Verify every account's balance against its transactions; exits non-zero on a mismatch."

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
        if mismatches:
            raise CommandError(f"{len(mismatches)} account(s) break the balance invariant")
        self.stdout.write("all balances match their transactions")
