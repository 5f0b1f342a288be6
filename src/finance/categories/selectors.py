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


# Hot path, plain SQL (docs/adr/0002-hot-path-sql.md): every transaction write locks its category, so that
# the category cannot change type or vanish under it. tests/categories/test_hot_sql.py checks that it
# returns what `categories_for(user).select_for_update().filter(pk=category_id).first()` returns.
CATEGORY_FOR_UPDATE_SQL = """
    SELECT id, user_id, name, type, created_at
    FROM categories_category
    WHERE id = %s AND user_id = %s
"""


def category_for_update(*, user_id: int, category_id: int) -> Category | None:
    """The user's category, row-locked until the transaction ends; None when it is not theirs."""
    if not connection.in_atomic_block:  # the rule of select_for_update: a lock outside one means nothing
        raise TransactionManagementError("category_for_update() takes a row lock: call it in a transaction")
    sql = CATEGORY_FOR_UPDATE_SQL
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return next(iter(Category.objects.raw(sql, [category_id, user_id])), None)
