"""The one pagination: a first page that holds everything needs no COUNT(*); the answers stay the same."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def listed(client, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/accounts", params)
    assert response.status_code == 200
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    return response.json(), counts


def test_a_first_page_that_holds_everything_is_counted_without_a_count_query(client, user):
    for _ in range(3):
        AccountFactory(user=user)
    body, counts = listed(client)
    assert (body["count"], len(body["results"]), body["next"], body["previous"]) == (3, 3, None, None)
    assert counts == []


def test_an_empty_list_is_one_empty_page(client):
    body, counts = listed(client)
    assert body == {"count": 0, "next": None, "previous": None, "results": []}
    assert counts == []


def test_a_full_first_page_still_counts_and_links_the_next(client, user):
    for _ in range(5):
        AccountFactory(user=user)
    body, counts = listed(client, page_size=5)
    assert (body["count"], body["next"]) == (5, None)
    assert len(counts) == 1  # full: there may be more rows than the page shows
    body, _ = listed(client, page_size=2)
    assert body["count"] == 5
    assert "page=2" in body["next"]
    last, _ = listed(client, page_size=2, page=3)
    assert (len(last["results"]), last["next"]) == (1, None)
    assert "page=2" in last["previous"]
    assert client.get("/accounts", {"page_size": 2, "page": 4}).status_code == 404
