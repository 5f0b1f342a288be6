"""A user's whole journey through the typed client generated from the served OpenAPI document, and through
nothing else: no hand-written URL, header or JSON. tests/api/test_typed_client.py runs it against a live
server and type-checks it (with the generated package) with mypy --strict, so a schema that misleads a
generator - a wrong type, a missing member, a public operation demanding a token - fails here.
"""

import csv
import datetime
import io
from http import HTTPStatus

from finance_api_client import AuthenticatedClient, Client
from finance_api_client.api.accounts import (
    accounts_create,
    accounts_destroy,
    accounts_list,
    accounts_partial_update,
    accounts_retrieve,
)
from finance_api_client.api.auth import (
    auth_login_create,
    auth_logout_create,
    auth_me_retrieve,
    auth_refresh_create,
    auth_register_create,
)
from finance_api_client.api.categories import categories_create, categories_list
from finance_api_client.api.exports import exports_create, exports_download_retrieve, exports_retrieve
from finance_api_client.api.imports import (
    imports_commit_create,
    imports_create,
    imports_mapping_update,
    imports_retrieve,
    imports_revert_create,
    imports_rows_list,
)
from finance_api_client.api.reports import reports_by_category_retrieve, reports_summary_retrieve
from finance_api_client.api.transactions import (
    transactions_create,
    transactions_destroy,
    transactions_list,
    transactions_partial_update,
)
from finance_api_client.models import (
    AccountCreateInRequest,
    AccountOut,
    CategoriesListType,
    CategoryInRequest,
    CategoryOut,
    CommitInRequest,
    CredentialsRequest,
    CurrencyEnum,
    EntryTypeEnum,
    ExportInRequest,
    ExportOut,
    ImportOut,
    ImportOutSuggestedMappingType0,
    ImportsCreateBody,
    ImportStatusEnum,
    MappedOut,
    MappingInRequest,
    PatchedAccountUpdateInRequest,
    PatchedTransactionInRequest,
    Problem,
    RefreshInRequest,
    ReportEnum,
    RowStatusEnum,
    StatusEnum,
    TokenPairOut,
    TransactionInRequest,
    TransactionOut,
    TransactionsListType,
)
from finance_api_client.types import File

NOVEMBER = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
# A German bank's statement: semicolons, day-first dates, decimal commas.
STATEMENT = (
    "Buchungstag;Verwendungszweck;Betrag\n01.12.2026;Bäckerei;-3,10\n02.12.2026;Erstattung;12,00\n".encode()
)


def run(base_url: str, email: str, password: str) -> None:
    public = Client(base_url=base_url, raise_on_unexpected_status=True)

    # register and log in: public operations, called without any token
    registered = auth_register_create.sync(
        client=public, body=CredentialsRequest(email=email, password=password)
    )
    assert not isinstance(registered, Problem) and registered is not None, registered
    assert registered.email == email and registered.is_active
    pair = auth_login_create.sync(client=public, body=CredentialsRequest(email=email, password=password))
    assert isinstance(pair, TokenPairOut), pair
    api = AuthenticatedClient(base_url=base_url, token=pair.access, raise_on_unexpected_status=True)
    me = auth_me_retrieve.sync(client=api)
    assert me is not None and not isinstance(me, Problem) and me.id == registered.id

    # accounts in two currencies; money is a string with the currency's digits
    wallet = _account(api, "Wallet", CurrencyEnum.EUR, "100.00")
    yen = _account(api, "Travel", CurrencyEnum.JPY, "20000")
    assert (wallet.balance, yen.balance) == ("100.00", "20000")

    # categories
    food = _category(api, "Food", EntryTypeEnum.EXPENSE)
    salary = _category(api, "Salary", EntryTypeEnum.INCOME)
    expenses = categories_list.sync(client=api, type_=CategoriesListType.EXPENSE)
    assert expenses is not None and not isinstance(expenses, Problem)
    assert [category.name for category in expenses.results] == ["Food"]

    # transactions, and the balances they move
    lunch = _transaction(api, wallet, food, "12.50", datetime.date(2026, 11, 1))
    _transaction(api, wallet, salary, "2500.00", datetime.date(2026, 11, 2))
    _transaction(api, wallet, food, "30.00", datetime.date(2026, 11, 3))
    sushi = _transaction(api, yen, food, "1200", datetime.date(2026, 11, 4))
    assert (lunch.currency, sushi.amount) == ("EUR", "1200")
    moved = accounts_retrieve.sync(wallet.id, client=api)
    assert isinstance(moved, AccountOut) and moved.balance == "2557.50", moved

    # filtered pages: the wallet's expenses of November, one per page, newest first
    first = transactions_list.sync(
        client=api,
        from_=NOVEMBER[0],
        to=NOVEMBER[1],
        account=wallet.id,
        type_=TransactionsListType.EXPENSE,
        page_size=1,
    )
    assert first is not None and not isinstance(first, Problem)
    assert first.count == 2 and first.next_ is not None and first.previous is None
    second = transactions_list.sync(
        client=api,
        from_=NOVEMBER[0],
        to=NOVEMBER[1],
        account=wallet.id,
        type_=TransactionsListType.EXPENSE,
        page_size=1,
        page=2,
    )
    assert second is not None and not isinstance(second, Problem)
    assert [tx.amount for tx in first.results + second.results] == ["30.00", "12.50"]

    # both reports: never adding euros to yen
    summary = reports_summary_retrieve.sync(client=api, from_=NOVEMBER[0], to=NOVEMBER[1])
    assert summary is not None and not isinstance(summary, Problem)
    assert summary.currency is None and summary.income is None  # two currencies: see by_currency
    totals = {line.currency: (line.income, line.expense, line.balance) for line in summary.by_currency}
    assert totals == {"EUR": ("2500.00", "42.50", "2457.50"), "JPY": ("0", "1200", "-1200")}
    euros = reports_summary_retrieve.sync(client=api, from_=NOVEMBER[0], to=NOVEMBER[1], account=wallet.id)
    assert euros is not None and not isinstance(euros, Problem)
    assert (euros.currency, euros.income, euros.expense, euros.balance) == (
        "EUR",
        "2500.00",
        "42.50",
        "2457.50",
    )
    by_category = reports_by_category_retrieve.sync(client=api, from_=NOVEMBER[0], to=NOVEMBER[1])
    assert by_category is not None and not isinstance(by_category, Problem)
    lines = {(line.name, line.currency): (line.total, line.count) for line in by_category.results}
    assert lines == {
        ("Food", "EUR"): ("42.50", 2),
        ("Food", "JPY"): ("1200", 1),
        ("Salary", "EUR"): ("2500.00", 1),
    }

    # an export, downloaded through its signed link (no token: the link is the credential)
    requested = exports_create.sync_detailed(
        client=api, body=ExportInRequest(report=ReportEnum.TRANSACTIONS, from_=NOVEMBER[0], to=NOVEMBER[1])
    )
    assert requested.status_code == HTTPStatus.ACCEPTED and isinstance(requested.parsed, ExportOut)
    export = exports_retrieve.sync(requested.parsed.id, client=api)
    assert isinstance(export, ExportOut) and export.status == StatusEnum.DONE and export.url, export
    download = exports_download_retrieve.sync(export.url.rsplit("/", 1)[1], client=public)
    assert isinstance(download, str), download
    rows = list(csv.DictReader(io.StringIO(download)))
    assert sorted(row["amount"] for row in rows) == ["12.50", "1200", "2500.00", "30.00"]

    # a bank statement: uploaded (multipart), mapped as suggested, previewed, committed, then undone
    upload = File(payload=io.BytesIO(STATEMENT), file_name="umsaetze.csv", mime_type="text/csv")
    made = imports_create.sync(client=api, body=ImportsCreateBody(file=upload, account=wallet.id))
    assert isinstance(made, ImportOut) and made.status == ImportStatusEnum.UPLOADED, made
    assert isinstance(made.suggested_mapping, ImportOutSuggestedMappingType0)
    mapping = MappingInRequest.from_dict(made.suggested_mapping.to_dict())
    read = imports_mapping_update.sync(made.id, client=api, body=mapping)
    assert isinstance(read, MappedOut) and (read.row_count, read.invalid_count) == (2, 0), read
    preview = imports_rows_list.sync(made.id, client=api)
    assert preview is not None and not isinstance(preview, Problem)
    assert [(row.amount, row.status) for row in preview.results] == [
        ("3.10", RowStatusEnum.NEW),
        ("12.00", RowStatusEnum.NEW),
    ]
    defaults = CommitInRequest(income_category=salary.id, expense_category=food.id)
    committing = imports_commit_create.sync_detailed(made.id, client=api, body=defaults)
    assert committing.status_code == HTTPStatus.ACCEPTED
    done = imports_retrieve.sync(made.id, client=api)  # tasks run inline on this server
    assert isinstance(done, ImportOut) and done.status == ImportStatusEnum.DONE and done.created == 2, done
    added = transactions_list.sync(client=api, import_=made.id)
    assert added is not None and not isinstance(added, Problem)
    assert sorted(tx.amount for tx in added.results) == ["12.00", "3.10"]
    assert imports_revert_create.sync_detailed(made.id, client=api).status_code == HTTPStatus.ACCEPTED
    undone = imports_retrieve.sync(made.id, client=api)
    assert isinstance(undone, ImportOut) and undone.status == ImportStatusEnum.REVERTED, undone

    # update and delete: the balance follows
    changed = transactions_partial_update.sync(
        lunch.id, client=api, body=PatchedTransactionInRequest(amount="14.00")
    )
    assert isinstance(changed, TransactionOut) and changed.amount == "14.00"
    renamed = accounts_partial_update.sync(
        wallet.id, client=api, body=PatchedAccountUpdateInRequest(name="Cash")
    )
    assert isinstance(renamed, AccountOut) and (renamed.name, renamed.balance) == ("Cash", "2556.00")
    deleted = transactions_destroy.sync_detailed(lunch.id, client=api)
    assert deleted.status_code == HTTPStatus.NO_CONTENT
    closed = accounts_destroy.sync_detailed(yen.id, client=api)
    assert closed.status_code == HTTPStatus.NO_CONTENT
    left = accounts_list.sync(client=api)
    assert left is not None and not isinstance(left, Problem)
    assert [(account.name, account.balance) for account in left.results] == [("Cash", "2570.00")]

    # error bodies parse into their model
    refused = accounts_create.sync(
        client=api, body=AccountCreateInRequest(name="Odd", currency=CurrencyEnum.JPY, opening_balance="1.5")
    )
    assert isinstance(refused, Problem) and refused.status == 400, refused
    assert refused.errors and "opening_balance" in refused.errors.additional_properties
    missing = accounts_retrieve.sync(yen.id, client=api)
    assert isinstance(missing, Problem) and missing.status == 404 and missing.request_id

    # refresh (the used token stops working), then log out
    fresh = auth_refresh_create.sync(client=public, body=RefreshInRequest(refresh=pair.refresh))
    assert isinstance(fresh, TokenPairOut), fresh
    replayed = auth_refresh_create.sync(client=public, body=RefreshInRequest(refresh=pair.refresh))
    assert isinstance(replayed, Problem) and replayed.status == 401
    api = AuthenticatedClient(base_url=base_url, token=fresh.access, raise_on_unexpected_status=True)
    out = auth_logout_create.sync_detailed(client=api, body=RefreshInRequest(refresh=fresh.refresh))
    assert out.status_code == HTTPStatus.NO_CONTENT
    revoked = auth_refresh_create.sync(client=public, body=RefreshInRequest(refresh=fresh.refresh))
    assert isinstance(revoked, Problem) and revoked.status == 401


def _account(api: AuthenticatedClient, name: str, currency: CurrencyEnum, opening: str) -> AccountOut:
    created = accounts_create.sync(
        client=api, body=AccountCreateInRequest(name=name, currency=currency, opening_balance=opening)
    )
    assert isinstance(created, AccountOut), created
    return created


def _category(api: AuthenticatedClient, name: str, type_: EntryTypeEnum) -> CategoryOut:
    created = categories_create.sync(client=api, body=CategoryInRequest(name=name, type_=type_))
    assert isinstance(created, CategoryOut), created
    return created


def _transaction(
    api: AuthenticatedClient, account: AccountOut, category: CategoryOut, amount: str, day: datetime.date
) -> TransactionOut:
    body = TransactionInRequest(
        account=account.id, category=category.id, type_=EntryTypeEnum(category.type_), amount=amount, date=day
    )
    created = transactions_create.sync(client=api, body=body)
    assert isinstance(created, TransactionOut), created
    return created
