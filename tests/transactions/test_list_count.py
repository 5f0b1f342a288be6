"""The transaction list's count is cached until the user's next write, and is always right."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_transaction

pytestmark = pytest.mark.django_db(transaction=True)  # invalidation runs on commit


def listed(client, **params) -> tuple[int, int]:
    """(count, COUNT queries run)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/transactions", {"page_size": 2, **params})
    assert response.status_code == 200
    return response.json()["count"], sum("COUNT(" in q["sql"].upper() for q in captured)


def post(client, account, category, day: int) -> int:
    response = client.post(
        "/transactions",
        {
            "account": account.pk,
            "category": category.pk,
            "type": category.type,
            "amount": "5.00",
            "date": f"2026-04-{day:02d}",
        },
        format="json",
    )
    assert response.status_code == 201
    return response.json()["id"]


def test_the_count_is_computed_once_then_follows_every_write(client, account, expense_category):
    for day in (1, 2, 3):
        make_transaction(account, expense_category, date=datetime.date(2026, 4, day))
    assert listed(client) == (3, 1)
    assert listed(client) == (3, 0)  # cached: no COUNT query
    created = post(client, account, expense_category, 4)
    assert listed(client) == (4, 1)
    assert client.patch(f"/transactions/{created}", {"date": "2026-05-01"}, format="json").status_code == 200
    assert listed(client, **{"from": "2026-04-01", "to": "2026-04-30"})[0] == 3
    assert client.delete(f"/transactions/{created}").status_code == 204
    assert listed(client) == (3, 1)


def test_each_filter_has_its_own_count_and_users_do_not_share(
    client, other_client, account, expense_category
):
    for day in (1, 2, 3):
        make_transaction(account, expense_category, date=datetime.date(2026, 4, day))
    assert listed(client, **{"from": "2026-04-02"})[0] == 2
    assert listed(client, **{"from": "2026-04-03"})[0] == 1
    assert listed(client)[0] == 3
    assert listed(other_client)[0] == 0


def test_deleting_the_account_empties_the_list(client, account, expense_category):
    for day in (1, 2, 3):
        make_transaction(account, expense_category, date=datetime.date(2026, 4, day))
    assert listed(client)[0] == 3
    assert client.delete(f"/accounts/{account.pk}").status_code == 204
    assert listed(client)[0] == 0
