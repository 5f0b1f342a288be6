"""Skeletons every app's services would otherwise repeat: fetch the caller's object, apply a partial change."""

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models

from finance.core.errors import NotFound

M = TypeVar("M", bound=models.Model)


def get_owned_or_404(queryset: models.QuerySet[M], pk: int, *, noun: str) -> M:
    """The object with this id in `queryset` - a selector's, already filtered by owner - else NotFound.

    Another user's object and one that does not exist give the same answer, so an id reveals nothing.
    """
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No such {noun}.")
    return found


def set_changed_fields(instance: models.Model, changes: Mapping[str, Any]) -> list[str]:
    """Set each given value that differs from the instance's; returns the names of the fields it changed.

    `None` means "not given" (a partial update leaves the field alone). Pass the result to
    `save(update_fields=...)` when it is not empty: an update that changes nothing writes nothing.
    """
    changed = []
    for name, value in changes.items():
        if value is not None and getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed
