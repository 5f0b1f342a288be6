import pytest

from finance.categories.models import Category
from tests.factories import CategoryFactory, make_transaction

pytestmark = pytest.mark.django_db


def test_it_creates_and_lists_categories_filtered_by_type(client, user):
    assert client.post("/categories", {"name": "Salary", "type": "income"}, format="json").status_code == 201
    assert client.post("/categories", {"name": "Food", "type": "expense"}, format="json").status_code == 201
    body = client.get("/categories", {"type": "income"}).json()
    assert [c["name"] for c in body["results"]] == ["Salary"]
    assert client.get("/categories").json()["count"] == 2


def test_same_name_and_type_twice_is_a_conflict_but_other_type_is_fine(client):
    assert client.post("/categories", {"name": "Gifts", "type": "income"}, format="json").status_code == 201
    assert client.post("/categories", {"name": "Gifts", "type": "income"}, format="json").status_code == 409
    assert client.post("/categories", {"name": "Gifts", "type": "expense"}, format="json").status_code == 201


def test_two_users_may_use_the_same_name(client, other_client):
    assert client.post("/categories", {"name": "Rent", "type": "expense"}, format="json").status_code == 201
    assert (
        other_client.post("/categories", {"name": "Rent", "type": "expense"}, format="json").status_code
        == 201
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "A", "type": "transfer"},
        {"name": "A"},
        {"type": "income"},
        {"name": "A", "type": "income", "user": 1},
    ],
)
def test_it_refuses_bad_categories(client, payload):
    assert client.post("/categories", payload, format="json").status_code == 400


def test_unknown_type_filter_is_refused(client):
    assert client.get("/categories", {"type": "other"}).status_code == 400


def test_rename_and_retype_while_unused(client, user):
    category = CategoryFactory(user=user, type="income")
    response = client.put(f"/categories/{category.pk}", {"name": "Bonus", "type": "expense"}, format="json")
    assert response.status_code == 200
    assert response.json() == {**response.json(), "name": "Bonus", "type": "expense"}


def test_a_used_category_keeps_its_type_and_cannot_be_deleted(client, account, income_category):
    make_transaction(account, income_category)
    url = f"/categories/{income_category.pk}"
    assert client.patch(url, {"type": "expense"}, format="json").status_code == 409
    response = client.delete(url)
    assert response.status_code == 409
    assert "1 transaction" in response.json()["detail"]
    assert Category.objects.filter(pk=income_category.pk).exists()
    assert client.patch(url, {"name": "Wages"}, format="json").status_code == 200


def test_delete_an_unused_category(client, expense_category):
    assert client.delete(f"/categories/{expense_category.pk}").status_code == 204
    assert not Category.objects.filter(pk=expense_category.pk).exists()


def test_another_users_category_is_not_found(other_client, expense_category):
    url = f"/categories/{expense_category.pk}"
    assert other_client.get(url).status_code == 404
    assert other_client.patch(url, {"name": "x"}, format="json").status_code == 404
    assert other_client.delete(url).status_code == 404
