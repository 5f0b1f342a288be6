"""Report endpoints: each one cached per user and parameters (X-Cache), stale after any write of the user."""

from datetime import date, timedelta
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
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

from finance.accounts.services import get_account
from finance.core import figure_cache
from finance.core.errors import ValidationFailed
from finance.core.http.fields import MONEY_OUT, ObjectId, PeriodQuery, query_data
from finance.reports import selectors
from finance.reports.periods import INTERVALS
from finance.users.authentication import AuthenticatedRequest


class RequiredPeriod(PeriodQuery):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = {name: ["This parameter is required."] for name in ("from", "to") if name not in attrs}
        if missing:
            raise ValidationFailed(missing)
        return super().validate(attrs)


class ReportQuery(RequiredPeriod):
    account = ObjectId(required=False, source="account_id")


class BalancesQuery(PeriodQuery):
    """from and to default to the 30 days up to today: the account's recent history, addressed by its URL."""

    interval = serializers.ChoiceField(choices=INTERVALS, required=False, default="day")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        attrs.setdefault("to", timezone.localdate())
        attrs.setdefault("from", attrs["to"] - timedelta(days=29))
        return super().validate(attrs)


class NetWorthQuery(RequiredPeriod):
    interval = serializers.ChoiceField(choices=INTERVALS, required=False, default="month")


class TrendsQuery(ReportQuery):
    interval = serializers.ChoiceField(choices=["week", "month"], required=False, default="month")
    category = ObjectId(required=False, source="category_id")


_FROM = OpenApiParameter(
    "from", OpenApiTypes.DATE, required=True, description="First day, inclusive (YYYY-MM-DD)."
)
_TO = OpenApiParameter(
    "to", OpenApiTypes.DATE, required=True, description="Last day, inclusive (YYYY-MM-DD)."
)
_ACCOUNT = OpenApiParameter("account", int, description="Only this account.")
_CACHE_HEADER = OpenApiParameter(
    "X-Cache",
    str,
    location=OpenApiParameter.HEADER,
    response=True,
    enum=["HIT", "MISS"],
    description="HIT when served from the report cache.",
)


def _interval(default: str, choices: tuple[str, ...] | list[str] = INTERVALS) -> OpenApiParameter:
    return OpenApiParameter(
        "interval",
        str,
        enum=list(choices),
        default=default,
        description="Length of each period: days, weeks (Monday to Sunday) or calendar months. "
        "At most 1,000 periods.",
    )


@extend_schema_field(MONEY_OUT)
class _Money(serializers.CharField):
    """An amount in a report (the schema of the output; reports are rendered by their selectors)."""


def _money(help_text: str, *, nullable: bool = False) -> serializers.Field:
    # One field object per member: drf-spectacular names a schema property after the field it describes.
    return _Money(allow_null=nullable, help_text=help_text)


_SINGLE = " Null when the period has transactions in several currencies (see `by_currency`)."


def _summary_figures(nullable: bool) -> dict[str, serializers.Field]:
    single = _SINGLE if nullable else ""
    return {
        "income": _money("Total income (never transfers)." + single, nullable=nullable),
        "expense": _money("Total expenses (never transfers)." + single, nullable=nullable),
        "balance": _money("Income minus expenses." + single, nullable=nullable),
        "transfers_in": _money("Money moved in from the user's other accounts." + single, nullable=nullable),
        "transfers_out": _money("Money moved out to the user's other accounts." + single, nullable=nullable),
    }


SummaryOut = inline_serializer(
    "Summary",
    {
        "from": serializers.DateField(help_text="First day, inclusive."),
        "to": serializers.DateField(help_text="Last day, inclusive."),
        "account": serializers.IntegerField(allow_null=True, help_text="The account asked for, if any."),
        "currency": serializers.CharField(
            allow_null=True, help_text="The period's one currency; null with several currencies or none."
        ),
        **_summary_figures(nullable=True),
        "by_currency": inline_serializer(
            "CurrencyTotals",
            {
                "currency": serializers.CharField(help_text="ISO 4217 code."),
                **_summary_figures(nullable=False),
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
TrendsOut = inline_serializer(
    "Trends",
    {
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "interval": serializers.ChoiceField(choices=["week", "month"]),
        "account": serializers.IntegerField(allow_null=True),
        "category": serializers.IntegerField(allow_null=True),
        "by_currency": inline_serializer(
            "CurrencyTrend",
            {
                "currency": serializers.CharField(),
                "periods": inline_serializer(
                    "TrendPeriod",
                    {
                        "start": serializers.DateField(),
                        "end": serializers.DateField(),
                        "income": _money("Income in the period (never transfers)."),
                        "expense": _money("Expenses in the period (never transfers)."),
                        "net": _money("Income minus expenses."),
                    },
                    many=True,
                ),
            },
            many=True,
        ),
    },
)
BalancesOut = inline_serializer(
    "AccountBalances",
    {
        "account": serializers.IntegerField(),
        "currency": serializers.CharField(),
        "interval": serializers.ChoiceField(choices=INTERVALS),
        "points": inline_serializer(
            "BalancePoint",
            {
                "date": serializers.DateField(
                    help_text="The period's last day (the last one is clipped to `to`)."
                ),
                "balance": _money("The balance at the end of that day."),
                "inflow": _money("Money in during the period, transfers included."),
                "outflow": _money("Money out during the period, transfers included."),
            },
            many=True,
        ),
    },
)
NetWorthOut = inline_serializer(
    "NetWorth",
    {
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "interval": serializers.ChoiceField(choices=INTERVALS),
        "by_currency": inline_serializer(
            "CurrencyNetWorth",
            {
                "currency": serializers.CharField(),
                "points": inline_serializer(
                    "NetWorthPoint",
                    {
                        "date": serializers.DateField(),
                        "balance": _money("The sum of the balances on that day."),
                    },
                    many=True,
                ),
            },
            many=True,
        ),
    },
)


class _ReportView(APIView):
    """A report's JSON body is cached as rendered text: a hit sends it as it is, without decoding the
    report's dicts from the cache and rendering them again."""

    report_name = ""
    query_class: type[serializers.Serializer] = ReportQuery

    def compute(self, request: AuthenticatedRequest, query: dict[str, Any], **path: int) -> dict[str, Any]:
        raise NotImplementedError

    def report(self, request: AuthenticatedRequest, **path: int) -> HttpResponse:
        query = query_data(self.query_class, request)
        params = {
            name: value.isoformat() if isinstance(value, date) else value for name, value in query.items()
        }
        body, hit = figure_cache.cached_report(
            user_id=request.user.pk,
            report=self.report_name,
            params={**params, **path},
            compute=lambda: JSONRenderer().render(self.compute(request, query, **path)).decode(),
        )
        return HttpResponse(
            body, content_type=JSONRenderer.media_type, headers={"X-Cache": "HIT" if hit else "MISS"}
        )


def _period(query: dict[str, Any]) -> dict[str, Any]:
    return {"date_from": query["from"], "date_to": query["to"]}


class SummaryView(_ReportView):
    report_name = "summary"

    def compute(self, request: AuthenticatedRequest, query: dict[str, Any], **path: int) -> dict[str, Any]:
        return selectors.summary(
            user_id=request.user.pk, account_id=query.get("account_id"), **_period(query)
        )

    @extend_schema(
        parameters=[_FROM, _TO, _ACCOUNT, _CACHE_HEADER],
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
                    "transfers_in": "0.00",
                    "transfers_out": "300.00",
                    "by_currency": [
                        {
                            "currency": "EUR",
                            "income": "2500.00",
                            "expense": "12.50",
                            "balance": "2487.50",
                            "transfers_in": "0.00",
                            "transfers_out": "300.00",
                        }
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
                    "transfers_in": None,
                    "transfers_out": None,
                    "by_currency": [
                        {
                            "currency": "EUR",
                            "income": "2500.00",
                            "expense": "12.50",
                            "balance": "2487.50",
                            "transfers_in": "0.00",
                            "transfers_out": "100.00",
                        },
                        {
                            "currency": "JPY",
                            "income": "0",
                            "expense": "1200",
                            "balance": "-1200",
                            "transfers_in": "15000",
                            "transfers_out": "0",
                        },
                    ],
                },
                response_only=True,
            ),
        ],
        tags=["reports"],
        summary="Income, expense, balance and transfers for a period",
        description=(
            "Income, expenses, their difference, and the money moved in from and out to the user's other "
            "accounts over `from`..`to` (inclusive), optionally for one account. Transfers are never income "
            "or expense; over an account's whole history, opening balance + income - expense + transfers in "
            "- transfers out is its balance. Amounts of different currencies are never added: `by_currency` "
            "has one line per currency, and the top-level figures repeat it when there is exactly one (with "
            'none they are `"0"`, with several `null`). Cached per user until their next write; `X-Cache` '
            "tells."
        ),
    )
    def get(self, request: AuthenticatedRequest) -> HttpResponse:
        return self.report(request)


class ByCategoryView(_ReportView):
    report_name = "by-category"

    def compute(self, request: AuthenticatedRequest, query: dict[str, Any], **path: int) -> dict[str, Any]:
        return selectors.by_category(
            user_id=request.user.pk, account_id=query.get("account_id"), **_period(query)
        )

    @extend_schema(
        parameters=[_FROM, _TO, _ACCOUNT, _CACHE_HEADER],
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
        summary="Totals per category for a period (transfers have no category)",
        description=(
            "Per category and currency: the total and the number of transactions over `from`..`to` "
            "(inclusive), optionally for one account. Transfers have no category and never appear. Cached "
            "per user until their next write; `X-Cache` tells."
        ),
    )
    def get(self, request: AuthenticatedRequest) -> HttpResponse:
        return self.report(request)


class TrendsView(_ReportView):
    report_name = "trends"
    query_class = TrendsQuery

    def compute(self, request: AuthenticatedRequest, query: dict[str, Any], **path: int) -> dict[str, Any]:
        return selectors.trends(
            user_id=request.user.pk,
            interval=query["interval"],
            account_id=query.get("account_id"),
            category_id=query.get("category_id"),
            **_period(query),
        )

    @extend_schema(
        parameters=[
            _FROM,
            _TO,
            _interval("month", ["week", "month"]),
            _ACCOUNT,
            OpenApiParameter("category", int, description="Only this category."),
            _CACHE_HEADER,
        ],
        responses={200: OpenApiResponse(TrendsOut)},
        tags=["reports"],
        summary="Income, expense and net per week or month, per currency",
        description=(
            "For every week (Monday to Sunday) or calendar month of `from`..`to` - the first and last clipped "
            "to the range - the income, expenses and their difference, per currency with income or expenses "
            "in the range; optionally for one account or one category. Transfers never count. At most 1,000 "
            "periods. Cached per user until their next write."
        ),
    )
    def get(self, request: AuthenticatedRequest) -> HttpResponse:
        return self.report(request)


class NetWorthView(_ReportView):
    report_name = "net-worth"
    query_class = NetWorthQuery

    def compute(self, request: AuthenticatedRequest, query: dict[str, Any], **path: int) -> dict[str, Any]:
        return selectors.net_worth(user_id=request.user.pk, interval=query["interval"], **_period(query))

    @extend_schema(
        parameters=[_FROM, _TO, _interval("month"), _CACHE_HEADER],
        responses={200: OpenApiResponse(NetWorthOut)},
        tags=["reports"],
        summary="The sum of your account balances per currency at the end of each period",
        description=(
            "For each day, week (Monday to Sunday) or calendar month of `from`..`to`, the sum of your accounts' "
            "balances at the end of its last day (clipped to `to`), per currency: opening balances plus every "
            "movement dated on or before it. Currencies are never added together. At most 1,000 points. "
            "Cached per user until their next write."
        ),
    )
    def get(self, request: AuthenticatedRequest) -> HttpResponse:
        return self.report(request)


class AccountBalancesView(_ReportView):
    report_name = "balances"
    query_class = BalancesQuery

    def compute(self, request: AuthenticatedRequest, query: dict[str, Any], **path: int) -> dict[str, Any]:
        account = get_account(user=request.user, account_id=path["pk"])
        return selectors.account_balances(account=account, interval=query["interval"], **_period(query))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from", date, description="First day, inclusive (default: 29 days before `to`)."
            ),
            OpenApiParameter("to", date, description="Last day, inclusive (default: today)."),
            _interval("day"),
            _CACHE_HEADER,
        ],
        responses={200: OpenApiResponse(BalancesOut)},
        tags=["reports"],
        summary="One account's balance at the end of each day, week or month, with its inflow and outflow",
        description=(
            "One point per day, week (Monday to Sunday) or calendar month of `from`..`to` (default: the 30 days "
            "up to today): `date` is the period's last day (the last one clipped to `to`), `balance` the "
            "balance at the end of it (opening balance plus every movement dated on or before it), `inflow` "
            "and `outflow` the money that came in and went out during the period, transfers included. At "
            "most 1,000 points. Another user's account is a 404. Cached per user until their next write."
        ),
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        return self.report(request, pk=pk)
