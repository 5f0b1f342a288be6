"""Reads of users."""

from django.db.models import QuerySet

from finance.users.models import User
from finance.users.user_cache import users


def users_list() -> QuerySet[User]:
    return User.objects.order_by("id")


def _read_user(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def user_for_token(user_id: int) -> User | None:
    """The user a token names, on every authenticated request: from the process's user cache while it is
    sure to hear of every change (finance.users.user_cache), else from the database."""
    return users.user(user_id, _read_user)
