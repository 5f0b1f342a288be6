"""The one pagination: ?page=&page_size= -> {"count", "next", "previous", "results"}.

A list view answers with `paginated_response(request, rows, SomeOut)` and declares
`pagination_class = PagePagination`, which documents the envelope and the parameters in the schema.
"""

from typing import Any

from django.core.paginator import Page
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from finance.core.errors import NotFound, ValidationFailed

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _positive_int(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise ValidationFailed({name: ["Must be a positive integer."]})
    value = int(raw)
    if maximum is not None and value > maximum:
        raise ValidationFailed({name: [f"Must be at most {maximum}."]})
    return value


class PagePagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        return _positive_int(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        number = _positive_int(request, "page", 1)
        size = self.get_page_size(request)
        self.request = request
        paginator = self.django_paginator_class(queryset, size)
        if number == 1:
            rows = list(queryset[:size])
            if len(rows) < size:
                # Everything fits on the first page, so its length is the count: no COUNT(*) query.
                paginator.count = len(rows)
            self.page = Page(rows, 1, paginator)
            return rows
        if number > paginator.num_pages:
            raise NotFound(f"Page {number} does not exist; the last page is {paginator.num_pages}.")
        self.page = paginator.page(number)
        return list(self.page)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["required"] = ["count", "next", "previous", "results"]
        # DRF's examples have trailing slashes and another host: links as this API writes them.
        links = result["properties"]
        links["count"]["example"] = 45
        links["next"]["example"] = "https://finance.example.com/transactions?page=3&page_size=20"
        links["previous"]["example"] = "https://finance.example.com/transactions?page_size=20"
        return result

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 999999999},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "default": DEFAULT_PAGE_SIZE,
                },
            },
        ]


def paginated_response(request: Request, rows: Any, serializer: type[BaseSerializer]) -> Response:
    """One page of `rows` (a queryset, or an SqlList read with plain SQL), serialized, in the envelope."""
    paginator = PagePagination()
    page = paginator.paginate_queryset(rows, request)
    return paginator.get_paginated_response(serializer(page, many=True, context={"request": request}).data)
