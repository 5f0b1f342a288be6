"""Reads of categories, always filtered by owner in the query."""

from django.db import connection
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

from finance.categories.models import Category
from finance.users.models import User


def categories_for(user: User, *, type: str | None = None) -> QuerySet[Category]:
    queryset = Category.objects.filter(user=user)
    if type:
        queryset = queryset.filter(type=type)
    return queryset


# Hot path, plain SQL on PostgreSQL (docs/adr/0002-hot-path-sql.md): every transaction write locks its
# category, so that it cannot change type or vanish meanwhile. Other databases run the ORM query it equals;
# tests/categories/test_hot_sql.py checks on PostgreSQL that both give the same.
CATEGORY_COLUMNS = ("id", "user_id", "name", "type", "created_at")
CATEGORY_FOR_UPDATE_SQL = """
    SELECT id, user_id, name, type, created_at
    FROM categories_category
    WHERE id = %s AND user_id = %s
    FOR UPDATE
"""


def category_for_update(*, user_id: int, category_id: int) -> Category | None:
    """The user's category, row-locked until the transaction ends; None when it is not theirs."""
    if connection.vendor != "postgresql":
        return Category.objects.select_for_update().filter(pk=category_id, user_id=user_id).first()
    if not connection.in_atomic_block:  # the rule of select_for_update: a lock outside one means nothing
        raise TransactionManagementError("category_for_update() takes a row lock: call it in a transaction")
    with connection.cursor() as cursor:
        cursor.execute(CATEGORY_FOR_UPDATE_SQL, [category_id, user_id])
        row = cursor.fetchone()
    return Category.from_db(connection.alias, CATEGORY_COLUMNS, row) if row else None
