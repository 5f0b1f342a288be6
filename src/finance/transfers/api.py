from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.core.http.fields import (
    DATE,
    DATETIME,
    IsoDate,
    Money,
    ObjectId,
    PeriodQuery,
    StrictSerializer,
    Text,
    query_data,
)
from finance.core.http.idempotency import idempotent
from finance.core.http.pagination import PagePagination, paginated_response
from finance.core.money import format_money
from finance.transfers import selectors, services
from finance.transfers.models import Transfer
from finance.users.authentication import AuthenticatedRequest

RATE_PLACES = Decimal("1e-10")


def rate(transfer: Transfer) -> str:
    """What one unit of the source currency bought: to_amount / amount, informational."""
    return f"{(transfer.to_amount / transfer.amount).quantize(RATE_PLACES).normalize():f}"


class TransferOut(serializers.ModelSerializer):
    from_account = serializers.IntegerField(
        source="from_account_id", allow_null=True, help_text="Null once that account was deleted."
    )
    to_account = serializers.IntegerField(
        source="to_account_id", allow_null=True, help_text="Null once that account was deleted."
    )
    amount = serializers.CharField(help_text="What left from_account, in currency.")
    to_amount = serializers.CharField(help_text="What arrived on to_account, in to_currency.")
    rate = serializers.CharField(help_text="to_amount / amount (informational).")
    date = IsoDate()
    from_transaction = serializers.IntegerField(allow_null=True, help_text="The out leg (a transaction).")
    to_transaction = serializers.IntegerField(allow_null=True, help_text="The in leg (a transaction).")

    class Meta:
        model = Transfer
        fields = [
            "id",
            "from_account",
            "to_account",
            "amount",
            "currency",
            "to_amount",
            "to_currency",
            "rate",
            "date",
            "description",
            "from_transaction",
            "to_transaction",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, transfer: Transfer) -> dict:
        return {
            "id": transfer.pk,
            "from_account": transfer.from_account_id,
            "to_account": transfer.to_account_id,
            "amount": format_money(transfer.amount, transfer.currency),
            "currency": transfer.currency,
            "to_amount": format_money(transfer.to_amount, transfer.to_currency),
            "to_currency": transfer.to_currency,
            "rate": rate(transfer),
            "date": DATE.to_representation(transfer.date),
            "description": transfer.description,
            "from_transaction": transfer.from_transaction_id,
            "to_transaction": transfer.to_transaction_id,
            "created_at": DATETIME.to_representation(transfer.created_at),
        }


class TransferIn(StrictSerializer):
    from_account = ObjectId(source="from_account_id")
    to_account = ObjectId(source="to_account_id")
    amount = Money(help_text="What leaves from_account, in its currency.")
    to_amount = Money(
        required=False,
        help_text="What arrives on to_account, in its currency: required between two currencies; between "
        "accounts of one currency leave it out (or send amount again).",
    )
    date = IsoDate()
    description = Text(max_length=500, required=False, allow_blank=True, default="")


class TransferChangeIn(StrictSerializer):
    amount = Money(required=False)
    to_amount = Money(required=False, help_text="Between currencies only; otherwise it follows amount.")
    date = IsoDate(required=False)
    description = Text(max_length=500, required=False, allow_blank=True)


class TransferQuery(PeriodQuery):
    account = ObjectId(required=False, source="account_id", help_text="Transfers from or to this account.")


_EXAMPLE = OpenApiExample(
    "savings",
    value={
        "from_account": 1,
        "to_account": 2,
        "amount": "250.00",
        "date": "2026-11-30",
        "description": "Savings",
    },
    request_only=True,
)
_FILTERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day, inclusive (YYYY-MM-DD)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive (YYYY-MM-DD)."),
    OpenApiParameter("account", int, description="Only transfers from or to this account."),
]


class TransferListView(APIView):
    pagination_class = PagePagination  # documents the page envelope and parameters in the schema

    @extend_schema(
        parameters=_FILTERS,
        responses={200: TransferOut(many=True)},
        tags=["transfers"],
        summary="Your transfers, newest first",
        description=(
            "Your transfers, newest first, a page at a time. `from` and `to` select by date (inclusive), "
            "`account` the transfers from or to that account. Each names its two legs, the transactions it "
            "wrote."
        ),
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query = query_data(TransferQuery, request)
        transfers = selectors.transfer_list(
            request.user,
            date_from=query.get("from"),
            date_to=query.get("to"),
            account_id=query.get("account_id"),
        )
        return paginated_response(request, transfers, TransferOut)

    @extend_schema(
        request=TransferIn,
        responses={201: TransferOut},
        examples=[_EXAMPLE],
        tags=["transfers"],
        summary="Move money between two of your accounts (both legs and balances in one step)",
        description=(
            "Moves `amount` out of `from_account` and `to_amount` into `to_account`, both yours and different, "
            "in one database transaction: two transactions of type `transfer` (direction `out` and `in`) and "
            "both balances. Between accounts of one currency `to_amount` is `amount` (leave it out); between "
            "currencies it is required - the API never assumes a rate - and `rate` is `to_amount / amount`. "
            "A transfer is never income or expense."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        data = TransferIn(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.create_transfer(user=request.user, **data.validated_data)
        return Response(TransferOut(transfer).data, status=status.HTTP_201_CREATED)


class TransferDetailView(APIView):
    @extend_schema(
        responses={200: TransferOut},
        tags=["transfers"],
        summary="One transfer",
        description="One of your transfers with its two legs; another user's transfer is a 404.",
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(TransferOut(services.get_transfer(user=request.user, transfer_id=pk)).data)

    @extend_schema(
        request=TransferChangeIn,
        responses={200: TransferOut},
        tags=["transfers"],
        summary="Change date, amounts or description (both legs move together)",
        description=(
            "Changes the given fields on the transfer and both legs; the balances follow. Between accounts of "
            "one currency `to_amount` follows `amount`. Once one of the accounts was deleted, only the date "
            "and the description can change (409 for the amounts)."
        ),
    )
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        data = TransferChangeIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        transfer = services.update_transfer(user=request.user, transfer_id=pk, **data.validated_data)
        return Response(TransferOut(transfer).data)

    @extend_schema(
        responses={204: None},
        tags=["transfers"],
        summary="Delete a transfer (both balances are restored)",
        description="Deletes the transfer and both legs; each account's balance is restored.",
    )
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        services.delete_transfer(user=request.user, transfer_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
