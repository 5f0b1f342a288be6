from django.db.models import QuerySet

from finance.users.models import User


def users_list() -> QuerySet[User]:
    return User.objects.order_by("id")


def user_by_id(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()
