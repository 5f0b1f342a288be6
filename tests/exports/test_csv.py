"""The CSV files: exact content per report, formula cells neutralised, rows streamed into a file."""

import datetime
import io
import tempfile
from decimal import Decimal

import pytest

from finance.exports import csv_writer
from finance.exports.models import Export
from finance.transactions.models import Transaction
from finance.transfers.services import create_transfer
from tests.exports.support import transactions_csv
from tests.factories import AccountFactory, CategoryFactory, make_transaction


def build(
    user, report: str, date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 1, 31), **filters
):
    export = Export(user=user, report=report, date_from=date_from, date_to=date_to, filters=filters)
    out = io.BytesIO()
    rows = csv_writer.write_export(export, out)
    return rows, out.getvalue()


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-12.50", "-12.50"),
        ("plain = text", "plain = text"),
        (datetime.date(2026, 1, 2), "2026-01-02"),
        (None, ""),
    ],
)
def test_it_neutralises_cells_a_spreadsheet_would_run(cell, written):
    assert csv_writer.neutralise(cell) == written


@pytest.mark.parametrize(
    "cell",
    [
        "\ufeff=1+1",  # a byte order mark first: spreadsheets skip it, then run the formula
        "\ufeff@SUM(A1)",
        '\u200b=HYPERLINK("http://x")',
        " =1+1",
        "\uff1d1+1",  # full-width = + - @
        "\uff0b1",
        "\uff0d1",
        "\uff20SUM(A1)",
        "|calc!A0",  # DDE
        "\n=1+1",
    ],
    ids=repr,
)
def test_it_neutralises_formulas_behind_invisible_characters_and_in_other_forms(cell):
    assert csv_writer.neutralise(cell) == "'" + cell


def test_it_writes_the_transactions_report_exactly(user, ledger):
    rows, content = build(user, "transactions")
    assert rows == 3
    assert content == transactions_csv(ledger)


def test_it_filters_transactions_by_type_category_and_account(user, ledger):
    other_account = AccountFactory(user=user, name="Card", currency="EUR")
    make_transaction(other_account, CategoryFactory(user=user, name="Rent", type="expense"), "500.00")
    assert build(user, "transactions", type="expense")[0] == 3
    assert build(user, "transactions", category=ledger.food.pk)[0] == 2
    rows, content = build(user, "transactions", account=other_account.pk)
    assert rows == 1
    assert b",Card,Rent,500.00,EUR," in content


def test_it_writes_the_summary_with_one_line_per_currency(user, ledger):
    euros = AccountFactory(user=user, name="Card", currency="JPY")
    make_transaction(euros, CategoryFactory(user=user, name="Travel", type="expense"), "1500")
    rows, content = build(user, "summary")
    assert rows == 2
    assert content == (
        b"from,to,currency,income,expense,balance,transfers_in,transfers_out\r\n"
        b"2026-01-01,2026-01-31,JPY,0,1500,-1500,0,0\r\n"
        b"2026-01-01,2026-01-31,USD,1000.00,19.75,980.25,0.00,0.00\r\n"
    )


def test_it_writes_totals_by_category(user, ledger):
    rows, content = build(user, "by-category")
    assert rows == 2
    assert content == (
        b"from,to,category_id,category,type,currency,total,count\r\n"
        + f"2026-01-01,2026-01-31,{ledger.food.pk},Food,expense,USD,19.75,2\r\n".encode()
        + f"2026-01-01,2026-01-31,{ledger.salary.pk},Salary,income,USD,1000.00,1\r\n".encode()
    )


def test_it_escapes_a_category_name_that_looks_like_a_formula(user):
    account = AccountFactory(user=user, currency="USD")
    make_transaction(account, CategoryFactory(user=user, name="@cmd", type="expense"), "1.00")
    _, content = build(user, "by-category")
    assert b",'@cmd,expense,USD,1.00,1\r\n" in content


def test_an_empty_period_gives_just_the_header(user, ledger):
    rows, content = build(user, "transactions", datetime.date(2025, 1, 1), datetime.date(2025, 1, 31))
    assert (rows, content) == (
        0,
        b"id,date,type,account,category,amount,currency,description,direction,transfer,counterpart_account\r\n",
    )


def test_it_streams_rows_into_a_spooled_file_that_spills_to_disk(user, settings):
    """Rows cross several iterator chunks into a file that leaves memory once it is large."""
    settings.EXPORT_CHUNK_SIZE = 100
    account = AccountFactory(user=user, currency="USD")
    category = CategoryFactory(user=user, type="income")
    Transaction.objects.bulk_create(
        Transaction(
            user=user,
            account=account,
            category=category,
            type="income",
            direction="in",
            amount=Decimal("1.00"),
            date=datetime.date(2026, 2, 1 + n % 28),
            description="x" * 200,
        )
        for n in range(250)
    )
    export = Export(
        user=user,
        report="transactions",
        date_from=datetime.date(2026, 2, 1),
        date_to=datetime.date(2026, 2, 28),
    )
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024) as out:
        rows = csv_writer.write_export(export, out)
        assert rows == 250
        assert out._rolled  # larger than max_size: written to a temporary file, not held in memory
        out.seek(0)
        lines = out.read().decode().splitlines()
    assert len(lines) == 1 + 250
    assert lines[1].split(",")[1] == "2026-02-28"
    assert lines[-1].split(",")[1] == "2026-02-01"


def test_transfer_legs_name_the_account_on_the_other_side(user, ledger):
    savings = AccountFactory(user=user, name="Savings", currency="USD")
    transfer = create_transfer(
        user=user,
        from_account_id=ledger.account.pk,
        to_account_id=savings.pk,
        amount=Decimal("300.00"),
        date=datetime.date(2026, 1, 25),
        description="Rainy day",
    )
    rows, content = build(user, "transactions")
    lines = content.decode().splitlines()
    assert rows == 5
    assert lines[1] == (
        f"{transfer.to_transaction_id},2026-01-25,transfer,Savings,,300.00,USD,Rainy day,in,{transfer.pk},Wallet"
    )
    assert lines[2] == (
        f"{transfer.from_transaction_id},2026-01-25,transfer,Wallet,,300.00,USD,Rainy day,out,{transfer.pk},Savings"
    )
    _, summary = build(user, "summary")
    assert summary.decode().splitlines()[1] == "2026-01-01,2026-01-31,USD,1000.00,19.75,980.25,300.00,300.00"
