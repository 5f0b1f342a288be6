"""CSV files for exports: UTF-8, a header row, plain decimal amounts with a currency column, ISO dates.

Rows are written one at a time into a binary file the caller provides (a SpooledTemporaryFile), so a large
export never sits in memory as a whole. Report data comes from the report and transaction selectors.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO

from django.conf import settings
from django.db.models import OuterRef, Subquery

from finance.core.money import format_money
from finance.exports.models import Export
from finance.reports import selectors as reports
from finance.transactions.models import Transaction
from finance.transactions.selectors import transactions_for

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): the ASCII signs, their
# full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20, which some spreadsheets normalise), "|" (DDE in older
# Excel), tab, carriage return and line feed.
FORMULA_PREFIXES = ("=", "+", "-", "@", "|", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r", "\n")
# What a spreadsheet skips before it looks at the first character: a byte order mark, zero-width and other
# invisible characters, spaces.
_IGNORED_LEAD = "\ufeff\u200b\u200c\u200d\u2060 \u00a0"
# ...but a plain number such as a negative balance is data, and stays a number.
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")

TRANSACTION_COLUMNS = [
    "id",
    "date",
    "type",
    "account",
    "category",
    "amount",
    "currency",
    "description",
    "direction",
    "transfer",
    "counterpart_account",
]
SUMMARY_COLUMNS = ["from", "to", "currency", "income", "expense", "balance", "transfers_in", "transfers_out"]
BY_CATEGORY_COLUMNS = ["from", "to", "category_id", "category", "type", "currency", "total", "count"]


def neutralise(value: object) -> str:
    """The cell text, with a leading ' when a spreadsheet would read it as a formula."""
    text = "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
    if text.lstrip(_IGNORED_LEAD).startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _transaction_rows(export: Export) -> Iterator[list]:
    filters = export.filters
    rows = (
        transactions_for(
            export.user,
            date_from=export.date_from,
            date_to=export.date_to,
            account_id=filters.get("account"),
            category_id=filters.get("category"),
            type=filters.get("type"),
        )
        # A transfer leg names the account on the other side: the other leg's account.
        .annotate(
            counterpart=Subquery(
                Transaction.objects.filter(transfer_id=OuterRef("transfer_id"))
                .exclude(pk=OuterRef("pk"))
                .values("account__name")[:1]
            )
        )
        .values_list(
            "id",
            "date",
            "type",
            "account__name",
            "category__name",
            "amount",
            "account__currency",
            "description",
            "direction",
            "transfer_id",
            "counterpart",
        )
        # Server-side cursor on PostgreSQL: rows arrive in chunks instead of one list of everything.
        .iterator(chunk_size=settings.EXPORT_CHUNK_SIZE)
    )
    for (
        tx_id,
        day,
        kind,
        account,
        category,
        amount,
        currency,
        description,
        direction,
        transfer,
        other,
    ) in rows:
        money = format_money(amount, currency)
        yield [tx_id, day, kind, account, category, money, currency, description, direction, transfer, other]


def _summary_rows(export: Export) -> Iterator[list]:
    report = reports.summary(
        user_id=export.user_id,
        date_from=export.date_from,
        date_to=export.date_to,
        account_id=export.filters.get("account"),
    )
    for line in report["by_currency"]:
        yield [
            report["from"],
            report["to"],
            line["currency"],
            line["income"],
            line["expense"],
            line["balance"],
            line["transfers_in"],
            line["transfers_out"],
        ]


def _by_category_rows(export: Export) -> Iterator[list]:
    report = reports.by_category(
        user_id=export.user_id,
        date_from=export.date_from,
        date_to=export.date_to,
        account_id=export.filters.get("account"),
    )
    for line in report["results"]:
        yield [
            report["from"],
            report["to"],
            line["category_id"],
            line["name"],
            line["type"],
            line["currency"],
            line["total"],
            line["count"],
        ]


LAYOUTS = {
    Export.Report.TRANSACTIONS: (TRANSACTION_COLUMNS, _transaction_rows),
    Export.Report.SUMMARY: (SUMMARY_COLUMNS, _summary_rows),
    Export.Report.BY_CATEGORY: (BY_CATEGORY_COLUMNS, _by_category_rows),
}


def write_rows(out: IO[bytes], header: list[str], rows: Iterable[list]) -> int:
    """Write a header and the rows as UTF-8 CSV into `out`; returns the number of data rows."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow([neutralise(cell) for cell in row])
            count += 1
        text.flush()
        return count
    finally:
        text.detach()  # hand `out` back open: the caller uploads it


def write_export(export: Export, out: IO[bytes]) -> int:
    header, rows = LAYOUTS[Export.Report(export.report)]
    return write_rows(out, header, rows(export))
