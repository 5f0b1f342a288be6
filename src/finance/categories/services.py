"""Categories: a category's type is fixed while transactions use it; one in use cannot be deleted."""

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError

from finance.categories.models import Category
from finance.categories.selectors import categories_for
from finance.core import figure_cache
from finance.core.db.shortcuts import get_owned_or_404, set_changed_fields
from finance.core.errors import Conflict
from finance.core.observability.events import emit
from finance.users.models import User

_DUPLICATE = "You already have a category with this name and type."


def get_category(*, user: User, category_id: int, for_update: bool = False) -> Category:
    queryset = categories_for(user)
    if for_update:
        queryset = queryset.select_for_update()
    return get_owned_or_404(queryset, category_id, noun="category")


@transaction.atomic
def create_category(*, user: User, name: str, type: str) -> Category:
    try:
        with transaction.atomic():
            category = Category.objects.create(user=user, name=name, type=type)
    except IntegrityError:
        raise Conflict(_DUPLICATE, errors={"name": [_DUPLICATE]}) from None
    emit("category.created", category_id=category.pk, user_id=user.pk, type=type)
    return category


@transaction.atomic
def update_category(
    *, user: User, category_id: int, name: str | None = None, type: str | None = None
) -> Category:
    category = get_category(user=user, category_id=category_id, for_update=True)
    if type is not None and type != category.type and category.transactions.exists():
        raise Conflict(
            "The type of a category with transactions cannot change: their types must match it.",
            errors={"type": ["Locked by existing transactions."]},
        )
    changed = set_changed_fields(category, {"name": name, "type": type})
    if not changed:
        return category
    try:
        with transaction.atomic():
            category.save(update_fields=changed)
    except IntegrityError:
        raise Conflict(_DUPLICATE, errors={"name": [_DUPLICATE]}) from None
    figure_cache.invalidate(user.pk)
    emit("category.updated", category_id=category.pk, user_id=user.pk, fields=changed)
    return category


@transaction.atomic
def delete_category(*, user: User, category_id: int) -> None:
    category = get_category(user=user, category_id=category_id, for_update=True)
    used = category.transactions.count()
    if used:
        raise Conflict(
            f"The category is used by {used} transaction(s); move or delete them first.",
            errors={"category": [f"Used by {used} transaction(s)."]},
        )
    try:
        category.delete()
    except (ProtectedError, RestrictedError):
        # A transfer made by matching an expense and an income keeps their categories to give them back.
        raise Conflict(
            "A transfer made from matched transactions keeps this category to give it back when unlinked; "
            "unlink or delete that transfer first.",
            errors={"category": ["Kept by a matched transfer."]},
        ) from None
    emit("category.deleted", category_id=category_id, user_id=user.pk)
