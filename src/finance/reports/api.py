from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from finance.core import figure_cache
from finance.core.errors import ValidationFailed
from finance.core.http.fields import MONEY_OUT, ObjectId, PeriodQuery, query_data
from finance.reports import selectors
from finance.users.authentication import AuthenticatedRequest


class ReportQuery(PeriodQuery):
    account = ObjectId(required=False, source="account_id")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = {name: ["This parameter is required."] for name in ("from", "to") if name not in attrs}
        if missing:
            raise ValidationFailed(missing)
        return super().validate(attrs)


_PARAMS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, required=True, description="First day, inclusive (YYYY-MM-DD)."
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last day, inclusive (YYYY-MM-DD)."),
    OpenApiParameter("account", int, description="Only this account."),
]
_CACHE_HEADER = OpenApiParameter(
    "X-Cache",
    str,
    location=OpenApiParameter.HEADER,
    response=True,
    enum=["HIT", "MISS"],
    description="HIT when served from the report cache.",
)


@extend_schema_field(MONEY_OUT)
class _Money(serializers.CharField):
    """An amount in a report (the schema of the output; reports are rendered by their selectors)."""


def _money(help_text: str, *, nullable: bool = False) -> serializers.Field:
    # One field object per member: drf-spectacular names a schema property after the field it describes.
    return _Money(allow_null=nullable, help_text=help_text)


_SINGLE = " Null when the period has transactions in several currencies (see `by_currency`)."
SummaryOut = inline_serializer(
    "Summary",
    {
        "from": serializers.DateField(help_text="First day, inclusive."),
        "to": serializers.DateField(help_text="Last day, inclusive."),
        "account": serializers.IntegerField(allow_null=True, help_text="The account asked for, if any."),
        "currency": serializers.CharField(
            allow_null=True,
            help_text="The period's one currency; null with several currencies or none.",
        ),
        "income": _money("Total income." + _SINGLE, nullable=True),
        "expense": _money("Total expenses." + _SINGLE, nullable=True),
        "balance": _money("Income minus expenses." + _SINGLE, nullable=True),
        "by_currency": inline_serializer(
            "CurrencyTotals",
            {
                "currency": serializers.CharField(help_text="ISO 4217 code."),
                "income": _money("Total income in this currency."),
                "expense": _money("Total expenses in this currency."),
                "balance": _money("Income minus expenses in this currency."),
            },
            many=True,
            help_text="One line per currency that has transactions in the period.",
        ),
    },
)
ByCategoryOut = inline_serializer(
    "ByCategory",
    {
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "account": serializers.IntegerField(allow_null=True),
        "results": inline_serializer(
            "CategoryTotal",
            {
                "category_id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "type": serializers.CharField(),
                "total": _money("Sum of the category's transactions in this currency."),
                "count": serializers.IntegerField(),
                "currency": serializers.CharField(),
            },
            many=True,
        ),
    },
)


class _ReportView(APIView):
    """A report's JSON body is cached as rendered text: a hit sends it as it is, without decoding the
    report's dicts from the cache and rendering them again."""

    report_name = ""
    compute = staticmethod(selectors.summary)

    def get(self, request: AuthenticatedRequest) -> HttpResponse:
        query = query_data(ReportQuery, request)
        params = {
            "from": query["from"].isoformat(),
            "to": query["to"].isoformat(),
            "account": query.get("account_id"),
        }
        body, hit = figure_cache.cached_report(
            user_id=request.user.pk,
            report=self.report_name,
            params=params,
            compute=lambda: self._rendered(request.user.pk, query),
        )
        return HttpResponse(
            body, content_type=JSONRenderer.media_type, headers={"X-Cache": "HIT" if hit else "MISS"}
        )

    def _rendered(self, user_id: int, query: dict) -> str:
        report = self.compute(
            user_id=user_id,
            date_from=query["from"],
            date_to=query["to"],
            account_id=query.get("account_id"),
        )
        return JSONRenderer().render(report).decode()


class SummaryView(_ReportView):
    report_name = "summary"
    compute = staticmethod(selectors.summary)

    @extend_schema(
        parameters=[*_PARAMS, _CACHE_HEADER],
        responses={200: OpenApiResponse(SummaryOut)},
        examples=[
            OpenApiExample(
                "one currency",
                value={
                    "from": "2026-11-01",
                    "to": "2026-11-30",
                    "account": None,
                    "currency": "EUR",
                    "income": "2500.00",
                    "expense": "12.50",
                    "balance": "2487.50",
                    "by_currency": [
                        {"currency": "EUR", "income": "2500.00", "expense": "12.50", "balance": "2487.50"}
                    ],
                },
                response_only=True,
            ),
            OpenApiExample(
                "two currencies",
                value={
                    "from": "2026-11-01",
                    "to": "2026-11-30",
                    "account": None,
                    "currency": None,
                    "income": None,
                    "expense": None,
                    "balance": None,
                    "by_currency": [
                        {"currency": "EUR", "income": "2500.00", "expense": "12.50", "balance": "2487.50"},
                        {"currency": "JPY", "income": "0", "expense": "1200", "balance": "-1200"},
                    ],
                },
                response_only=True,
            ),
        ],
        tags=["reports"],
        summary="Income, expense and balance for a period",
        description=(
            "Income, expenses and their difference over `from`..`to` (inclusive), optionally for one "
            "account. Amounts of different currencies are never added: `by_currency` has one line per "
            "currency, and the top-level figures repeat it when there is exactly one (with none they are "
            '`"0"`, with several `null`). Cached per user until their next write; `X-Cache` tells.'
        ),
    )
    def get(self, request: AuthenticatedRequest) -> HttpResponse:
        return super().get(request)


class ByCategoryView(_ReportView):
    report_name = "by-category"
    compute = staticmethod(selectors.by_category)

    @extend_schema(
        parameters=[*_PARAMS, _CACHE_HEADER],
        responses={200: OpenApiResponse(ByCategoryOut)},
        examples=[
            OpenApiExample(
                "by category",
                value={
                    "from": "2026-11-01",
                    "to": "2026-11-30",
                    "account": None,
                    "results": [
                        {
                            "category_id": 30,
                            "name": "Salary",
                            "type": "income",
                            "total": "2500.00",
                            "count": 1,
                            "currency": "EUR",
                        },
                        {
                            "category_id": 31,
                            "name": "Food",
                            "type": "expense",
                            "total": "12.50",
                            "count": 1,
                            "currency": "EUR",
                        },
                    ],
                },
                response_only=True,
            )
        ],
        tags=["reports"],
        summary="Totals per category for a period",
        description=(
            "Per category and currency: the total and the number of transactions over `from`..`to` "
            "(inclusive), optionally for one account. Cached per user until their next write; `X-Cache` "
            "tells."
        ),
    )
    def get(self, request: AuthenticatedRequest) -> HttpResponse:
        return super().get(request)
