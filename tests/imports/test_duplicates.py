"""The duplicate rules, as a user meets them: overlapping statements, identical purchases, deleted rows,
blank bank ids, transactions typed by hand, daily interest - each failure others' trackers are full of."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from finance.imports import services
from finance.imports.models import Import
from finance.transactions.models import Transaction
from tests.factories import AccountFactory, CategoryFactory, make_transaction
from tests.imports.support import commit, rows, upload

pytestmark = pytest.mark.django_db

HEADER = "Date,Description,Amount"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def spending(user):
    return CategoryFactory(user=user, type="expense", name="Spending")


@pytest.fixture
def earning(user):
    return CategoryFactory(user=user, type="income", name="Earning")


def csv(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines]).encode()


def preview(client, account, content: bytes, **changes) -> dict:
    created = upload(client, account.pk, content).json()
    mapping = {**created["suggested_mapping"], **changes}
    response = client.put(f"/imports/{created['id']}/mapping", mapping, format="json")
    assert response.status_code == 200, response.content
    return created


def statuses(client, import_id: int) -> list[str]:
    return [r["status"] for r in rows(client, import_id)]


def imported(client, on_commit, account, content: bytes, spending, earning, **changes) -> dict:
    created = preview(client, account, content, **changes)
    done = commit(client, on_commit, created["id"], expense_category=spending.pk, income_category=earning.pk)
    assert done["status"] == "done", done
    return done


def test_reimporting_an_overlapping_file_adds_nothing_twice(client, on_commit, account, spending, earning):
    first = csv(
        "2026-03-01,Rent,-800.00",
        "2026-03-03,Coffee,-4.75",
        "2026-03-03,Coffee,-4.75",
        "2026-03-05,Groceries,-54.20",
    )
    assert imported(client, on_commit, account, first, spending, earning)["created"] == 4
    # The next month's file starts on the 3rd: the two coffees and the groceries are already there.
    second = csv(
        "2026-03-03,Coffee,-4.75",
        "2026-03-03,Coffee,-4.75",
        "2026-03-05,Groceries,-54.20",
        "2026-03-07,Cinema,-12.00",
    )
    created = preview(client, account, second)
    assert statuses(client, created["id"]) == ["duplicate", "duplicate", "duplicate", "new"]
    found = rows(client, created["id"])
    assert found[0]["match"]["reason"] == "amount_date_occurrence"
    assert found[0]["match"]["transaction"] != found[1]["match"]["transaction"]
    done = commit(client, on_commit, created["id"], expense_category=spending.pk)
    assert (done["created"], done["duplicates"], done["skipped"]) == (1, 3, 0)
    assert Transaction.objects.filter(account=account).count() == 5


def test_two_identical_purchases_on_one_day_both_stay(client, on_commit, account, spending, earning):
    content = csv("2026-03-03,Coffee,-4.75", "2026-03-03,Coffee,-4.75", "2026-03-03,Coffee,-4.75")
    assert imported(client, on_commit, account, content, spending, earning)["created"] == 3
    # A later file with a fourth coffee that day: three are known, the fourth is new.
    more = csv(*["2026-03-03,Coffee,-4.75"] * 4)
    created = preview(client, account, more)
    assert statuses(client, created["id"]) == ["duplicate", "duplicate", "duplicate", "new"]


def test_daily_interest_of_the_same_amount_is_never_taken_for_a_duplicate(
    client, on_commit, account, spending, earning
):
    march = csv(*[f"2026-03-{day:02d},Interest,0.01" for day in range(1, 11)])
    imported(client, on_commit, account, march, spending, earning)
    following = csv(*[f"2026-03-{day:02d},Interest,0.01" for day in range(11, 16)])
    created = preview(client, account, following)
    assert statuses(client, created["id"]) == ["new"] * 5  # the bank's dates tell them apart


def test_a_bank_id_is_the_first_rule(client, on_commit, account, spending, earning):
    header = "Id,Date,Description,Amount"
    first = csv("A1,2026-03-01,Coffee,-4.75", "A2,2026-03-01,Coffee,-4.75", header=header)
    imported(
        client,
        on_commit,
        account,
        first,
        spending,
        earning,
        columns={"external_id": 0, "date": 1, "description": 2, "amount": 3},
    )
    # The bank re-dated A2 and wrote " A1 " with spaces: the ids decide, trimmed.
    second = csv(
        " A1 ,2026-03-01,Coffee,-4.75",
        "A2,2026-03-02,Coffee,-4.75",
        "A3,2026-03-02,Coffee,-4.75",
        header=header,
    )
    created = preview(
        client, account, second, columns={"external_id": 0, "date": 1, "description": 2, "amount": 3}
    )
    found = rows(client, created["id"])
    assert [(r["status"], r["external_id"]) for r in found] == [
        ("duplicate", "A1"),
        ("duplicate", "A2"),
        ("new", "A3"),  # another id: the bank says it is another purchase, whatever its amount and date
    ]
    assert found[0]["match"]["reason"] == "bank_id"


def test_a_blank_bank_id_counts_as_none(client, on_commit, account, spending, earning):
    header = "Id,Date,Description,Amount"
    content = csv("  ,2026-03-01,Coffee,-4.75", ",2026-03-01,Coffee,-4.75", header=header)
    columns = {"external_id": 0, "date": 1, "description": 2, "amount": 3}
    done = imported(client, on_commit, account, content, spending, earning, columns=columns)
    assert done["created"] == 2  # two blank ids are no duplicate of each other
    again = preview(client, account, content, columns=columns)
    found = rows(client, again["id"])
    assert [r["match"]["reason"] for r in found] == ["amount_date_occurrence"] * 2


def test_the_same_bank_id_twice_in_one_file_is_imported_once(client, account):
    header = "Id,Date,Description,Amount"
    content = csv("X1,2026-03-01,Coffee,-4.75", "X1,2026-03-01,Coffee,-4.75", header=header)
    created = preview(
        client, account, content, columns={"external_id": 0, "date": 1, "description": 2, "amount": 3}
    )
    found = rows(client, created["id"])
    assert [r["status"] for r in found] == ["new", "duplicate"]
    assert found[1]["match"] == {"transaction": None, "reason": "bank_id"}


def test_a_deleted_row_does_not_come_back(client, on_commit, account, spending, earning):
    header = "Id,Date,Description,Amount"
    columns = {"external_id": 0, "date": 1, "description": 2, "amount": 3}
    content = csv("B1,2026-03-01,Gym,-30.00", ",2026-03-02,Market,-8.00", header=header)
    done = imported(client, on_commit, account, content, spending, earning, columns=columns)
    for tx in Transaction.objects.filter(source_import_id=done["id"]):
        assert client.delete(f"/transactions/{tx.pk}").status_code == 204
    again = preview(client, account, content, columns=columns)
    found = rows(client, again["id"])
    assert [r["status"] for r in found] == ["duplicate", "duplicate"]
    assert [r["match"]["transaction"] for r in found] == [None, None]  # deleted, still remembered


def test_a_transaction_typed_by_hand_makes_a_possible_duplicate_skipped_unless_chosen(
    client, on_commit, account, spending
):
    typed = make_transaction(account, spending, amount="54.20", date=datetime.date(2026, 3, 2))
    content = csv("2026-03-04,Groceries,-54.20", "2026-03-09,Groceries,-54.20", "2026-03-04,Refund,54.20")
    created = preview(client, account, content)
    found = rows(client, created["id"])
    assert [r["status"] for r in found] == ["possible_duplicate", "new", "new"]  # 7 days; another direction
    assert found[0]["match"] == {"transaction": typed.pk, "reason": "nearby_amount"}
    assert found[0]["action"] == "skip"
    done = commit(
        client,
        on_commit,
        created["id"],
        expense_category=spending.pk,
        income_category=CategoryFactory(user=account.user, type="income").pk,
    )
    assert (done["created"], done["skipped"], done["duplicates"]) == (2, 1, 0)
    # Chosen by the user, a possible duplicate is imported.
    again = preview(client, account, csv("2026-03-05,Groceries,-54.20"))
    assert rows(client, again["id"])[0]["status"] == "possible_duplicate"
    chosen = client.patch(f"/imports/{again['id']}/rows/2", {"action": "import"}, format="json")
    assert chosen.json()["action"] == "import"
    assert commit(client, on_commit, again["id"], expense_category=spending.pk)["created"] == 1


def test_one_transaction_is_the_possible_duplicate_of_one_row_only(client, account, spending):
    make_transaction(account, spending, amount="4.75", date=datetime.date(2026, 3, 3))
    created = preview(client, account, csv("2026-03-03,Coffee,-4.75", "2026-03-03,Coffee,-4.75"))
    assert statuses(client, created["id"]) == ["possible_duplicate", "new"]


def test_duplicates_and_invalid_rows_cannot_be_imported(client, on_commit, account, spending, earning):
    content = csv("2026-03-01,Rent,-800.00")
    imported(client, on_commit, account, content, spending, earning)
    created = preview(client, account, csv("2026-03-01,Rent,-800.00", "2026-13-01,Broken,-1.00"))
    for row in (2, 3):
        refused = client.patch(f"/imports/{created['id']}/rows/{row}", {"action": "import"}, format="json")
        assert refused.status_code == 409, refused.content


def test_duplicates_are_checked_again_at_commit(client, on_commit, account, spending, earning):
    content = csv("2026-03-01,Rent,-800.00", "2026-03-02,Bakery,-3.10")
    first = preview(client, account, content)
    second = preview(client, account, content)
    commit(client, on_commit, first["id"], expense_category=spending.pk)
    # The second preview was made before the first commit: its rows looked new then.
    done = commit(client, on_commit, second["id"], expense_category=spending.pk)
    assert (done["created"], done["duplicates"]) == (0, 2)
    assert statuses(client, second["id"]) == ["duplicate", "duplicate"]
    assert Transaction.objects.filter(account=account).count() == 2


def test_keys_are_per_account(client, on_commit, user, account, spending, earning):
    content = csv("2026-03-01,Rent,-800.00")
    imported(client, on_commit, account, content, spending, earning)
    other = AccountFactory(user=user, currency="USD")
    created = preview(client, other, content)
    assert statuses(client, created["id"]) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_two_commits_of_one_file_at_once_import_it_once(user, account):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises every writer)")
    spending = CategoryFactory(user=user, type="expense")
    content = csv(*[f"2026-03-{day:02d},Shop {day},-{day}.00" for day in range(1, 29)])
    ids = []
    for _ in range(2):
        made = services.upload(user=user, account_id=account.pk, file=_file(content))
        services.set_mapping(user=user, import_id=made.pk, mapping=made.suggested_mapping)
        services.request_commit(user=user, import_id=made.pk, expense_category_id=spending.pk)
        ids.append(made.pk)
    barrier = threading.Barrier(2)
    errors = []

    def run(import_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.commit_import(import_id=import_id)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    outcomes = sorted(Import.objects.filter(pk__in=ids).values_list("created", "duplicates"))
    assert outcomes == [(0, 28), (28, 0)]
    assert Transaction.objects.filter(account=account).count() == 28
    account.refresh_from_db()
    assert account.balance == Decimal("100.00") - sum(Decimal(day) for day in range(1, 29))


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("statement.csv", content)
