"""Imports through the API: upload, mapping, preview, commit, revert and delete, with real files parsed for
real and the balances, figures and reports checked after each write."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from finance.accounts.models import Account
from finance.imports.models import Import, ImportedKey
from finance.transactions import figures
from finance.transactions.models import Transaction
from finance.transactions.selectors import balance_mismatches
from tests.factories import AccountFactory, CategoryFactory, make_transaction
from tests.imports.support import commit, mapped, revert, rows, statement, upload, uploaded

pytestmark = pytest.mark.django_db


@pytest.fixture
def euros(user):
    return AccountFactory(user=user, currency="EUR", opening_balance="1000.00")


@pytest.fixture
def groceries(user):
    return CategoryFactory(user=user, type="expense", name="Lebensmittel")


@pytest.fixture
def salary(user):
    return CategoryFactory(user=user, type="income", name="Gehalt")


@pytest.fixture
def spending(user):
    return CategoryFactory(user=user, type="expense", name="Everything else")


@pytest.fixture
def earning(user):
    return CategoryFactory(user=user, type="income", name="Other income")


def balance(account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


def assert_consistent() -> None:
    assert list(balance_mismatches()) == []
    if connection.vendor == "postgresql":
        assert figures.mismatches() == []


# --- upload ----------------------------------------------------------------------------------------------
def test_an_upload_shows_the_files_table_and_a_guessed_mapping(client, euros):
    response = upload(client, euros.pk, statement("german-bank.csv"), "umsaetze.csv")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/imports/{body['id']}"
    assert body["status"] == "uploaded"
    assert body["format"] == "csv"
    assert body["account"] == euros.pk
    assert body["headers"] == [
        "Buchungstag",
        "Valuta",
        "Auftraggeber / Empfänger",
        "Verwendungszweck",
        "Kategorie",
        "Betrag",
        "Währung",
    ]
    assert body["sample"][0] == [
        "02.03.2026",
        "02.03.2026",
        "ACME GmbH",
        "Gehalt März 2026",
        "Gehalt",
        "2.450,00",
        "EUR",
    ]
    assert body["sample"][2][3] == "Abschlag Strom\r\nKundennr. 4711"  # a quoted cell with a line break
    assert len(body["sample"]) == 4
    assert body["suggested_mapping"] == {
        "delimiter": ";",
        "has_header": True,
        "skip_rows": 3,
        "columns": {"date": 0, "description": 3, "amount": 5, "category": 4},
        "date_format": "%d.%m.%Y",
        "decimal_separator": ",",
        "thousands_separator": ".",
        "sign": "inflow_positive",
    }
    assert body["row_count"] == 4
    assert set(body) >= {
        "id",
        "account",
        "status",
        "format",
        "headers",
        "sample",
        "suggested_mapping",
        "created_at",
    }
    assert Transaction.objects.count() == 0  # nothing is imported before the commit


def test_the_suggested_mapping_is_the_one_last_used_on_the_account(client, euros):
    first = uploaded(client, euros.pk, "german-bank.csv")
    mapping = {**first["suggested_mapping"], "columns": {"date": 1, "description": 2, "amount": 5}}
    assert client.put(f"/imports/{first['id']}/mapping", mapping, format="json").status_code == 200
    again = uploaded(client, euros.pk, "german-bank.csv")
    assert again["suggested_mapping"] == mapping
    other = AccountFactory(user=euros.user, currency="EUR")
    assert uploaded(client, other.pk, "german-bank.csv")["suggested_mapping"] == first["suggested_mapping"]


def test_an_ofx_statement_needs_no_mapping(client, account):
    body = uploaded(client, account.pk, "checking-sgml.ofx")
    assert body["format"] == "ofx"
    assert body["suggested_mapping"] is None
    assert body["headers"] == ["date", "amount", "description", "external_id"]
    assert body["sample"][0] == ["2026-03-02", "2450.00", "ACME PAYROLL - SALARY MARCH", "202603020001"]
    assert body["row_count"] == 6
    mapping = client.put(f"/imports/{body['id']}/mapping", {}, format="json")
    assert mapping.status_code == 400  # the shape is checked first
    valid = {
        "delimiter": ",",
        "has_header": True,
        "columns": {"date": 0, "description": 1, "amount": 2},
        "date_format": "%Y-%m-%d",
    }
    assert client.put(f"/imports/{body['id']}/mapping", valid, format="json").status_code == 409


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "statement.pdf"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "statement.xlsx"),
        (b'{"transactions": [{"date": "2026-03-01", "amount": 1}]}', "statement.csv"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "statement.csv"),
        (b"just some words\nwithout any columns\n", "notes.csv"),
        (b"\n\n  \n", "blank.csv"),
    ],
    ids=["pdf", "xlsx", "json", "html", "one-column text", "blank"],
)
def test_anything_but_csv_or_ofx_answers_415(client, account, content, name):
    response = upload(client, account.pk, content, name)
    assert response.status_code == 415, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "CSV" in response.json()["detail"]
    assert Import.objects.count() == 0


def test_a_json_body_answers_415(client, account):
    response = client.post("/imports", {"account": account.pk}, format="json")
    assert response.status_code == 415


def test_more_than_the_row_limit_answers_413(client, account, settings):
    settings.IMPORT_MAX_ROWS = 50
    lines = ["Date,Description,Amount"] + [
        f"2026-03-{day % 28 + 1:02d},Coffee,-{day}.50" for day in range(51)
    ]
    response = upload(client, account.pk, "\n".join(lines).encode())
    assert response.status_code == 413
    assert "at most 50" in response.json()["detail"]
    assert upload(client, account.pk, "\n".join(lines[:-1]).encode()).status_code == 201


def test_a_file_over_the_size_limit_answers_413(client, account, settings):
    settings.IMPORT_MAX_BYTES = 4096
    line = b"2026-03-01,A long enough description of a purchase,-1.00\n"
    big = b"Date,Description,Amount\n" + line * (5000 // len(line))
    response = upload(client, account.pk, big)
    assert response.status_code == 413, response.content
    assert Import.objects.count() == 0


def test_the_upload_may_be_larger_than_other_bodies_but_not_without_limit(client, account, settings):
    line = b"2026-03-01,A long enough description of a purchase,-1.00\n"
    big = b"Date,Description,Amount\n" + line * (200_000 // len(line))  # over the 64 KB of other bodies
    assert len(big) > settings.MAX_REQUEST_BODY_BYTES
    assert upload(client, account.pk, big).status_code == 201
    too_big = b"x" * (settings.IMPORT_MAX_BYTES + settings.MAX_REQUEST_BODY_BYTES)
    response = upload(client, account.pk, too_big)
    assert response.status_code == 413
    assert "limited to" in response.json()["detail"]


def test_another_users_account_cannot_receive_an_import(client, other_user):
    theirs = AccountFactory(user=other_user)
    response = upload(client, theirs.pk, statement("credit-union.csv"))
    assert response.status_code == 400
    assert response.json()["errors"] == {"account": ["No such account."]}


def test_an_ofx_statement_in_another_currency_is_refused(client, euros):
    response = upload(client, euros.pk, statement("checking-sgml.ofx"))
    assert response.status_code == 400
    assert "USD" in response.json()["errors"]["file"][0]


def test_the_file_is_kept_in_the_file_store(client, account, settings, tmp_path):
    body = uploaded(client, account.pk, "credit-union.csv")
    key = Import.objects.get(pk=body["id"]).object_key
    assert key.startswith(f"imports/{account.user_id}/")
    assert (tmp_path / "files" / key).read_bytes() == statement("credit-union.csv")


def test_an_upload_with_an_idempotency_key_is_made_once(client, account):
    first = upload(client, account.pk, statement("credit-union.csv"), HTTP_IDEMPOTENCY_KEY="upload-1")
    again = upload(client, account.pk, statement("credit-union.csv"), HTTP_IDEMPOTENCY_KEY="upload-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Import.objects.count() == 1
    other = upload(client, account.pk, statement("us-checking.csv"), HTTP_IDEMPOTENCY_KEY="upload-1")
    assert other.status_code == 422  # the same key with another file


# --- mapping and rows ------------------------------------------------------------------------------------
def test_a_mapping_reads_every_row(client, euros, groceries, salary):
    created = uploaded(client, euros.pk, "german-bank.csv")
    response = client.put(f"/imports/{created['id']}/mapping", created["suggested_mapping"], format="json")
    assert response.json() == {"row_count": 4, "invalid_count": 1}
    found = rows(client, created["id"])
    assert [(r["row"], r["date"], r["amount"], r["type"], r["category"]) for r in found] == [
        (5, "2026-03-02", "2450.00", "income", salary.pk),
        (6, "2026-03-03", "54.20", "expense", groceries.pk),
        (7, "2026-03-05", "1234.56", "expense", None),
        (8, "2026-03-10", "850.00", "expense", None),
    ]
    assert found[2]["description"] == "Abschlag Strom Kundennr. 4711"
    assert found[2]["status"] == "new" and found[2]["action"] == "import" and found[2]["match"] is None
    # "Wohnen" is no category of this user: reported on the row, never created.
    assert found[3]["status"] == "invalid"
    assert found[3]["errors"] == {
        "category": [
            "You have no expense category named 'Wohnen': create it, or leave the cell empty to use the "
            "import's default."
        ]
    }
    assert client.get(f"/imports/{created['id']}").json()["status"] == "mapped"


def test_an_unknown_category_is_reported_on_the_row_and_never_created(client, euros, salary):
    created = mapped(client, euros.pk, "german-bank.csv")
    invalid = rows(client, created["id"], status="invalid")
    assert [r["row"] for r in invalid] == [6, 8]
    assert invalid[0]["errors"] == {
        "category": [
            "You have no expense category named 'Lebensmittel': create it, or leave the cell empty to use the "
            "import's default."
        ]
    }
    assert invalid[0]["action"] == "skip"
    assert euros.user.categories.count() == 1


def test_a_category_of_the_other_type_is_reported(client, user, euros, groceries):
    CategoryFactory(user=user, type="expense", name="Gehalt")
    created = mapped(client, euros.pk, "german-bank.csv")
    [row] = [r for r in rows(client, created["id"]) if r["row"] == 5]
    assert row["status"] == "invalid"
    assert "'Gehalt' is an expense category; this row is income." in row["errors"]["category"]


def test_separate_inflow_and_outflow_columns(client, account):
    created = mapped(
        client,
        account.pk,
        "credit-union.csv",
        columns={"date": 1, "description": 2, "inflow": 5, "outflow": 4, "external_id": 0},
    )
    found = rows(client, created["id"])
    assert [(r["amount"], r["type"], r["external_id"]) for r in found] == [
        ("2450.00", "income", "tx_0001"),
        ("54.20", "expense", "tx_0002"),
        ("4.75", "expense", "tx_0003"),
        ("4.75", "expense", "tx_0004"),
        ("1.37", "income", "tx_0005"),
    ]


def test_a_card_statement_with_positive_spending(client, account):
    content = b"Date,Description,Amount\n03/02/2026,REFUND AMAZON,-19.99\n03/03/2026,AMAZON MKTPLACE,42.10\n"
    response = upload(client, account.pk, content, "card.csv")
    created = response.json()
    mapping = {**created["suggested_mapping"], "sign": "inflow_negative"}
    client.put(f"/imports/{created['id']}/mapping", mapping, format="json")
    assert [(r["amount"], r["type"]) for r in rows(client, created["id"])] == [
        ("19.99", "income"),
        ("42.10", "expense"),
    ]


def test_bad_cells_make_invalid_rows_with_their_reasons(client, account):
    content = (
        b"Date,Description,Amount\n"
        b"2026-03-01,fine,-1.00\n"
        b"2026-02-30,no such day,-1.00\n"
        b"2026-03-02,not a number,-1.0.0\n"
        b"2026-03-03,too many digits,-1.005\n"
        b"2026-03-04,nothing moved,0.00\n"
    )
    created = upload(client, account.pk, content).json()
    response = client.put(f"/imports/{created['id']}/mapping", created["suggested_mapping"], format="json")
    assert response.json() == {"row_count": 5, "invalid_count": 4}
    errors = {r["row"]: r["errors"] for r in rows(client, created["id"], status="invalid")}
    assert errors[3] == {"date": ["'2026-02-30' is not a date in the format %Y-%m-%d."]}
    assert list(errors[4]) == ["amount"]
    assert errors[5] == {"amount": ["USD allows at most 2 decimal places."]}
    assert errors[6] == {"amount": ["The amount is zero: nothing moved."]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"columns": {"date": 0, "description": 1}}, "columns.amount"),
        (
            {"columns": {"date": 0, "description": 1, "amount": 2, "inflow": 3, "outflow": 4}},
            "columns.amount",
        ),
        ({"columns": {"date": 0, "description": 0, "amount": 2}}, "columns.date"),
        ({"columns": {"date": 0, "description": 1, "amount": 40}}, "columns.amount"),
        ({"date_format": "%H:%M"}, "date_format"),
        ({"delimiter": "x"}, "delimiter"),
        ({"decimal_separator": ",", "thousands_separator": ","}, "thousands_separator"),
        ({"sign": "up"}, "sign"),
        ({"skip_rows": -1}, "skip_rows"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_an_invalid_mapping_answers_400_naming_the_field(client, account, change, field):
    created = uploaded(client, account.pk, "credit-union.csv")
    mapping = {**created["suggested_mapping"], **change}
    response = client.put(f"/imports/{created['id']}/mapping", mapping, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert Import.objects.get(pk=created["id"]).status == "uploaded"


def test_rows_of_another_users_import_are_not_found(client, other_client, account):
    created = mapped(client, account.pk, "credit-union.csv")
    assert other_client.get(f"/imports/{created['id']}/rows").status_code == 404
    assert (
        other_client.patch(f"/imports/{created['id']}/rows/2", {"action": "skip"}, format="json").status_code
        == 404
    )


def test_a_row_can_be_skipped_or_imported(client, account):
    created = mapped(client, account.pk, "credit-union.csv")
    skipped = client.patch(f"/imports/{created['id']}/rows/3", {"action": "skip"}, format="json")
    assert skipped.status_code == 200
    assert skipped.json()["action"] == "skip"
    assert (
        client.patch(f"/imports/{created['id']}/rows/99", {"action": "skip"}, format="json").status_code
        == 404
    )
    assert (
        client.patch(f"/imports/{created['id']}/rows/3", {"action": "delete"}, format="json").status_code
        == 400
    )


# --- commit ----------------------------------------------------------------------------------------------
def test_a_commit_imports_the_rows_with_balance_figures_and_reports(
    client, on_commit, euros, groceries, salary, spending
):
    created = mapped(client, euros.pk, "german-bank.csv")
    summary = f"/reports/summary?from=2026-03-01&to=2026-03-31&account={euros.pk}"
    before = client.get(summary).json()
    assert client.get(summary)["X-Cache"] == "HIT"
    done = commit(client, on_commit, created["id"], expense_category=spending.pk)
    assert done["status"] == "done", done
    assert (done["created"], done["skipped"], done["duplicates"]) == (3, 1, 0)  # "Wohnen" is unknown
    assert balance(euros) == Decimal("1000.00") + Decimal("2450.00") - Decimal("54.20") - Decimal("1234.56")
    listed = client.get(f"/transactions?import={created['id']}").json()["results"]
    assert {(t["amount"], t["category"], t["import"], t["external_id"]) for t in listed} == {
        ("2450.00", salary.pk, created["id"], ""),
        ("54.20", groceries.pk, created["id"], ""),
        ("1234.56", spending.pk, created["id"], ""),
    }
    report = client.get(summary)
    assert report["X-Cache"] == "MISS"  # the import made the cached report stale
    assert report.json()["expense"] == "1288.76"
    assert report.json() != before
    assert_consistent()
    created_rows = {r["row"]: r["transaction"] for r in rows(client, created["id"])}
    assert created_rows[8] is None and all(created_rows[n] for n in (5, 6, 7))


def test_rows_without_a_category_need_a_default_of_their_type(client, on_commit, account, spending, earning):
    created = mapped(
        client,
        account.pk,
        "credit-union.csv",
        columns={"date": 1, "description": 2, "inflow": 5, "outflow": 4},
    )
    response = client.post(
        f"/imports/{created['id']}/commit", {"expense_category": spending.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "income_category": [
            "2 income row(s) to import name no category: choose the income category for them."
        ]
    }
    wrong = client.post(f"/imports/{created['id']}/commit", {"income_category": spending.pk}, format="json")
    assert wrong.json()["errors"] == {"income_category": ["Must be an income category."]}
    assert Import.objects.get(pk=created["id"]).status == "mapped"
    done = commit(client, on_commit, created["id"], expense_category=spending.pk, income_category=earning.pk)
    assert done["created"] == 5
    assert done["income_category"] == earning.pk


def test_a_csv_file_is_committed_only_once_mapped(client, account, spending):
    created = uploaded(client, account.pk, "credit-union.csv")
    response = client.post(f"/imports/{created['id']}/commit", {}, format="json")
    assert response.status_code == 409
    assert "mapping" in response.json()["detail"]


def test_committing_twice_answers_409(client, on_commit, account, spending, earning):
    created = uploaded(client, account.pk, "checking-sgml.ofx")
    commit(client, on_commit, created["id"], expense_category=spending.pk, income_category=earning.pk)
    again = client.post(f"/imports/{created['id']}/commit", {}, format="json")
    assert again.status_code == 409
    assert Transaction.objects.filter(source_import_id=created["id"]).count() == 6


def test_an_ofx_commit_carries_the_bank_ids(client, on_commit, account, spending, earning):
    created = uploaded(client, account.pk, "checking-sgml.ofx")
    done = commit(client, on_commit, created["id"], expense_category=spending.pk, income_category=earning.pk)
    assert done["created"] == 6
    listed = client.get(f"/transactions?import={created['id']}&page_size=100").json()["results"]
    assert sorted(t["external_id"] for t in listed) == [
        "202603020001",
        "202603030001",
        "202603030002",
        "202603030003",
        "202603100001",
        "202603150001",
    ]
    one = client.get(f"/transactions/{listed[0]['id']}").json()
    assert one["import"] == created["id"]
    assert balance(account) == Decimal("100.00") + Decimal("2450.00") - Decimal("1763.70")
    assert_consistent()


def test_a_failed_commit_leaves_nothing_half_written(client, on_commit, user, spending, earning):
    # A balance the last row pushes past what the column holds: the commit fails at its very end.
    nearly_full = AccountFactory(user=user, currency="USD", opening_balance="99999999999990.00")
    content = (
        b"Date,Description,Amount\n2026-03-01,first,5.00\n2026-03-02,second,5.00\n2026-03-03,third,5.00\n"
    )
    created = upload(client, nearly_full.pk, content).json()
    client.put(f"/imports/{created['id']}/mapping", created["suggested_mapping"], format="json")
    failed = commit(client, on_commit, created["id"], income_category=earning.pk)
    assert failed["status"] == "failed"
    assert failed["error"] == (
        f"This would take the balance of account {nearly_full.pk} beyond +/-99,999,999,999,999 USD, the most "
        "an account can hold. Nothing was written."
    )
    assert Transaction.objects.filter(account=nearly_full).count() == 0
    assert ImportedKey.objects.count() == 0
    assert balance(nearly_full) == Decimal("99999999999990.00")
    assert_consistent()
    # A failed import may be changed and committed again.
    assert (
        client.patch(f"/imports/{created['id']}/rows/4", {"action": "skip"}, format="json").status_code == 200
    )
    assert (
        client.patch(f"/imports/{created['id']}/rows/3", {"action": "skip"}, format="json").status_code == 200
    )
    assert commit(client, on_commit, created["id"], income_category=earning.pk)["status"] == "done"
    assert balance(nearly_full) == Decimal("99999999999995.00")


# --- revert ----------------------------------------------------------------------------------------------
@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def committed(client, on_commit, account, spending, earning):
    created = uploaded(client, account.pk, "checking-sgml.ofx")
    return commit(client, on_commit, created["id"], expense_category=spending.pk, income_category=earning.pk)


def test_a_revert_removes_exactly_what_the_import_created(client, on_commit, account, spending, committed):
    mine = make_transaction(account, spending, amount="3.00", date=datetime.date(2026, 3, 3))
    response = revert(client, on_commit, committed["id"])
    assert response.status_code == 202, response.content
    reverted = client.get(f"/imports/{committed['id']}").json()
    assert reverted["status"] == "reverted"
    assert list(Transaction.objects.filter(account=account).values_list("pk", flat=True)) == [mine.pk]
    assert balance(account) == Decimal("97.00")
    assert ImportedKey.objects.count() == 0
    assert_consistent()
    # Its bank ids are forgotten: the same file imports again.
    again = uploaded(client, account.pk, "checking-sgml.ofx")
    assert {r["status"] for r in rows(client, again["id"])} == {"new"}
    assert client.post(f"/imports/{committed['id']}/revert").status_code == 409


def test_a_revert_after_a_change_answers_409_unless_forced(client, on_commit, account, committed):
    changed = Transaction.objects.filter(source_import_id=committed["id"]).order_by("pk").first()
    assert (
        client.patch(f"/transactions/{changed.pk}", {"description": "mine now"}, format="json").status_code
        == 200
    )
    refused = client.post(f"/imports/{committed['id']}/revert")
    assert refused.status_code == 409
    assert refused.json()["errors"]["transactions"] == [
        f"Transaction {changed.pk} was changed since the import."
    ]
    assert Import.objects.get(pk=committed["id"]).status == "done"
    assert revert(client, on_commit, committed["id"], "?force=true").status_code == 202
    assert Transaction.objects.filter(account=account).count() == 0
    assert balance(account) == Decimal("100.00")
    assert_consistent()


def test_a_deleted_transaction_does_not_stop_a_revert(client, on_commit, account, committed):
    gone = Transaction.objects.filter(source_import_id=committed["id"]).first()
    assert client.delete(f"/transactions/{gone.pk}").status_code == 204
    assert revert(client, on_commit, committed["id"]).status_code == 202
    assert Transaction.objects.filter(account=account).count() == 0
    assert balance(account) == Decimal("100.00")


def test_a_revert_of_a_linked_transaction_unlinks_its_transfer_when_forced(
    client, on_commit, user, account, committed
):
    savings = AccountFactory(user=user, currency="USD")
    interest = CategoryFactory(user=user, type="income", name="Transfers in")
    arrived = make_transaction(savings, interest, amount="500.00", date=datetime.date(2026, 3, 12))
    [left] = Transaction.objects.filter(source_import_id=committed["id"], amount=Decimal("500.00"))
    matched = client.post("/transfers/match", {"outflow": left.pk, "inflow": arrived.pk}, format="json")
    assert matched.status_code == 201, matched.content
    refused = client.post(f"/imports/{committed['id']}/revert")
    assert refused.status_code == 409
    assert refused.json()["errors"]["transactions"] == [
        f"Transaction {left.pk} is now a leg of transfer {matched.json()['id']}."
    ]
    assert revert(client, on_commit, committed["id"], "?force=true").status_code == 202
    arrived.refresh_from_db()
    assert (arrived.type, arrived.category_id, arrived.transfer_id) == ("income", interest.pk, None)
    assert balance(account) == Decimal("100.00")
    assert balance(savings) == Decimal("500.00")
    assert_consistent()


def test_only_a_done_import_is_reverted(client, account):
    created = uploaded(client, account.pk, "credit-union.csv")
    assert client.post(f"/imports/{created['id']}/revert").status_code == 409


# --- list and delete -------------------------------------------------------------------------------------
def test_the_list_shows_only_my_imports_newest_first(client, other_client, account, other_user):
    first = uploaded(client, account.pk, "credit-union.csv")
    second = uploaded(client, account.pk, "checking-sgml.ofx")
    uploaded(other_client, AccountFactory(user=other_user).pk, "credit-union.csv")
    listed = client.get("/imports").json()
    assert [i["id"] for i in listed["results"]] == [second["id"], first["id"]]
    assert client.get("/imports?status=done").status_code == 400


def test_delete_before_commit_or_after_revert_but_not_in_between(
    client, on_commit, account, committed, tmp_path
):
    key = Import.objects.get(pk=committed["id"]).object_key
    refused = client.delete(f"/imports/{committed['id']}")
    assert refused.status_code == 409
    assert "revert it first" in refused.json()["detail"]
    revert(client, on_commit, committed["id"])
    assert client.delete(f"/imports/{committed['id']}").status_code == 204
    assert not (tmp_path / "files" / key).exists()
    assert client.get(f"/imports/{committed['id']}").status_code == 404
    fresh = uploaded(client, account.pk, "credit-union.csv")
    assert client.delete(f"/imports/{fresh['id']}").status_code == 204


def test_deleting_the_account_deletes_its_imports(client, account, committed):
    assert client.delete(f"/accounts/{account.pk}").status_code == 204
    assert Import.objects.count() == 0
    assert ImportedKey.objects.count() == 0


# --- S3 --------------------------------------------------------------------------------------------------
def test_with_s3_the_file_is_kept_in_the_bucket_and_read_from_it(
    client, on_commit, account, s3, spending, earning
):
    created = uploaded(client, account.pk, "credit-union.csv")
    key = Import.objects.get(pk=created["id"]).object_key
    assert s3.keys("imports/") == [key]
    assert s3.body(key) == statement("credit-union.csv")
    mapping = {
        **created["suggested_mapping"],
        "columns": {"date": 1, "description": 2, "inflow": 5, "outflow": 4},
    }
    assert client.put(f"/imports/{created['id']}/mapping", mapping, format="json").json()["row_count"] == 5
    assert (
        commit(client, on_commit, created["id"], expense_category=spending.pk, income_category=earning.pk)[
            "created"
        ]
        == 5
    )
    revert(client, on_commit, created["id"])
    assert client.delete(f"/imports/{created['id']}").status_code == 204
    assert s3.keys("imports/") == []


def test_with_the_file_store_down_an_upload_answers_503_and_keeps_nothing(client, account, settings):
    from tests.exports.support import use_s3

    use_s3(settings, bucket="nowhere", endpoint="http://127.0.0.1:9")  # nothing listens on port 9
    response = upload(client, account.pk, statement("credit-union.csv"))
    assert response.status_code == 503
    assert Import.objects.count() == 0


def test_transactions_have_no_reverse_relation_so_an_account_is_deleted_in_one_statement(
    client, on_commit, account, committed, django_assert_max_num_queries
):
    from django.db.models.deletion import Collector

    # Tables that refer to transactions (imported keys, rows, rejected pairs) hold plain ids: Django can
    # delete an account's transactions with one DELETE instead of loading each of them.
    assert Collector(using="default").can_fast_delete(Transaction.objects.filter(account=account))
    assert Transaction.objects.filter(account=account).count() == 6
    with django_assert_max_num_queries(25):
        assert client.delete(f"/accounts/{account.pk}").status_code == 204
