"""The plain SQL on the categories' hot path returns exactly what its ORM equivalent does."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from finance.categories.models import Category
from finance.categories.selectors import CATEGORY_COLUMNS, categories_for, category_for_update
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def fields(instance) -> list:
    return [getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields]


def test_the_locked_category_is_the_orm_row_and_none_when_not_the_users(user, other_user):
    category = CategoryFactory(user=user, type="income", name="Salary")
    with transaction.atomic():
        expected = categories_for(user).select_for_update().filter(pk=category.pk).first()
        assert fields(category_for_update(user_id=user.pk, category_id=category.pk)) == fields(expected)
        assert category_for_update(user_id=other_user.pk, category_id=category.pk) is None
        assert category_for_update(user_id=user.pk, category_id=category.pk + 1000) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # no test transaction around it
def test_a_lock_outside_a_transaction_is_refused_like_select_for_update(user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks, so Django allows select_for_update anywhere there")
    category = CategoryFactory(user=user)
    with pytest.raises(TransactionManagementError):
        category_for_update(user_id=user.pk, category_id=category.pk)


def test_the_columns_read_are_every_field_of_the_model():
    assert list(CATEGORY_COLUMNS) == [field.attname for field in Category._meta.concrete_fields]
