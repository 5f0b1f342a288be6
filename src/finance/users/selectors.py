from django.db.models import QuerySet

from finance.core.rows import RowByPk
from finance.users.models import User
from finance.users.user_cache import users


def users_list() -> QuerySet[User]:
    return User.objects.order_by("id")


def user_by_id(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


_user_by_pk = RowByPk(User)


def user_for_token(user_id: int) -> User | None:
    """The user a token names, on every authenticated request: from the process's user cache while it
    listens for changes (finance.users.user_cache), else read with SQL compiled once."""
    return users.user(user_id, _user_by_pk.get)
