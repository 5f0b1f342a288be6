from django.db.models import QuerySet

from finance.categories.models import Category
from finance.users.models import User


def categories_for(user: User, *, type: str | None = None) -> QuerySet[Category]:
    queryset = Category.objects.filter(user=user)
    if type:
        queryset = queryset.filter(type=type)
    return queryset
