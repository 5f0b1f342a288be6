"""A list that Django's Paginator (and so the API's pagination) reads through plain SQL statements."""

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SqlList(Generic[T]):
    """What the Paginator needs from a list - its length and forward slices - from two functions: one
    that reads a page (limit, offset), typically a LIMIT/OFFSET statement, and one that counts."""

    def __init__(self, *, page: Callable[[int, int], list[T]], count: Callable[[], int]):
        self._page = page
        self._count = count

    def count(self) -> int:
        return self._count()

    def __getitem__(self, key: slice) -> list[T]:
        if not isinstance(key, slice) or key.step is not None or key.stop is None:
            raise TypeError("an SqlList is read in bounded forward slices, as the Paginator reads it")
        start = key.start or 0
        return self._page(max(0, key.stop - start), start)
