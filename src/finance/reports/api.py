from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from finance.core import figure_cache
from finance.core.errors import ValidationFailed
from finance.core.http.fields import ObjectId, PeriodQuery, query_data
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
    OpenApiParameter("from", str, required=True, description="First day, inclusive (YYYY-MM-DD)."),
    OpenApiParameter("to", str, required=True, description="Last day, inclusive (YYYY-MM-DD)."),
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
_MONEY = serializers.CharField(allow_null=True)
SummaryOut = inline_serializer(
    "Summary",
    {
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "account": serializers.IntegerField(allow_null=True),
        "currency": serializers.CharField(
            allow_null=True, help_text="Null when the period has several currencies"
        ),
        "income": _MONEY,
        "expense": _MONEY,
        "balance": _MONEY,
        "by_currency": inline_serializer(
            "CurrencyTotals",
            {
                "currency": serializers.CharField(),
                "income": serializers.CharField(),
                "expense": serializers.CharField(),
                "balance": serializers.CharField(),
            },
            many=True,
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
                "total": serializers.CharField(),
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
        tags=["reports"],
        summary="Income, expense and balance for a period",
    )
    def get(self, request: AuthenticatedRequest) -> HttpResponse:
        return super().get(request)


class ByCategoryView(_ReportView):
    report_name = "by-category"
    compute = staticmethod(selectors.by_category)

    @extend_schema(
        parameters=[*_PARAMS, _CACHE_HEADER],
        responses={200: OpenApiResponse(ByCategoryOut)},
        tags=["reports"],
        summary="Totals per category for a period",
    )
    def get(self, request: AuthenticatedRequest) -> HttpResponse:
        return super().get(request)
