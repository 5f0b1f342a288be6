from django.db import IntegrityError, transaction

from finance.categories.models import Category
from finance.categories.selectors import categories_for, category_for_update
from finance.core.events import emit
from finance.core.exceptions import Conflict, NotFound
from finance.reports import cache as report_cache
from finance.users.models import User

_DUPLICATE = "You already have a category with this name and type."


def get_category(*, user: User, category_id: int, for_update: bool = False) -> Category:
    if for_update:
        category = category_for_update(user_id=user.pk, category_id=category_id)
    else:
        category = categories_for(user).filter(pk=category_id).first()
    if category is None:
        raise NotFound("No such category.")
    return category


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
    changed = []
    if name is not None:
        category.name = name
        changed.append("name")
    if type is not None:
        category.type = type
        changed.append("type")
    try:
        with transaction.atomic():
            category.save(update_fields=changed or None)
    except IntegrityError:
        raise Conflict(_DUPLICATE, errors={"name": [_DUPLICATE]}) from None
    report_cache.invalidate(user.pk)
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
    category.delete()
    emit("category.deleted", category_id=category_id, user_id=user.pk)
