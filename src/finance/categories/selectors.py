from django.db.models import QuerySet

from finance.categories.models import Category
from finance.core.rows import Rows
from finance.users.models import User

_category_for_update = Rows(Category, "pk", "user_id", for_update=True)


def categories_for(user: User, *, type: str | None = None) -> QuerySet[Category]:
    queryset = Category.objects.filter(user=user)
    if type:
        queryset = queryset.filter(type=type)
    return queryset


def category_for_update(*, user_id: int, category_id: int) -> Category | None:
    """The user's category, row-locked until the transaction ends; None when it is not theirs.

    Every transaction write takes this lock, so its SQL is compiled once (finance.core.rows)."""
    return _category_for_update.first(category_id, user_id)
