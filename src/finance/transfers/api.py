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
from finance.transactions.models import Transaction
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


# --- suggested transfers, matching and unlinking ------------------------------------------------------------
class PairLegOut(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id")
    category = serializers.IntegerField(source="category_id", allow_null=True)
    amount = serializers.CharField(help_text="Positive, in the account's currency.")
    currency = serializers.CharField()
    date = IsoDate()
    description = serializers.CharField()

    def to_representation(self, tx: Transaction) -> dict:
        return {
            "id": tx.pk,
            "account": tx.account_id,
            "category": tx.category_id,
            "amount": format_money(tx.amount, tx.currency),
            "currency": tx.currency,
            "date": DATE.to_representation(tx.date),
            "description": tx.description,
        }


class SuggestionOut(serializers.Serializer):
    outflow = PairLegOut(help_text="The expense: the money leaving one account.")
    inflow = PairLegOut(help_text="The income: the same amount arriving on another account.")
    days_apart = serializers.IntegerField(min_value=0, max_value=selectors.SUGGESTION_DAYS)


class UnlinkedOut(serializers.Serializer):
    outflow = PairLegOut(
        allow_null=True, help_text="The out leg, an expense again (null if its account was deleted)."
    )
    inflow = PairLegOut(
        allow_null=True, help_text="The in leg, an income again (null if its account was deleted)."
    )


class PairIn(StrictSerializer):
    outflow = ObjectId(source="outflow_id", help_text="The expense (a transaction id).")
    inflow = ObjectId(source="inflow_id", help_text="The income (a transaction id), on another account.")


class NoBody(StrictSerializer):
    """No fields: anything sent is refused, so a mistaken field is an error rather than ignored."""


class SuggestionQuery(PeriodQuery):
    account = ObjectId(
        required=False, source="account_id", help_text="Pairs with this account on either side."
    )


_LEG = {"account": 1, "category": 12, "currency": "USD", "description": "ONLINE TRANSFER"}
_PAIR_EXAMPLE = {
    "outflow": {"id": 501, **_LEG, "amount": "500.00", "date": "2026-03-10"},
    "inflow": {"id": 612, **_LEG, "account": 2, "category": 31, "amount": "500.00", "date": "2026-03-12"},
}


class SuggestionListView(APIView):
    pagination_class = PagePagination  # documents the page envelope and parameters in the schema

    @extend_schema(
        parameters=_FILTERS,
        responses={200: SuggestionOut(many=True)},
        examples=[OpenApiExample("a pair", value={**_PAIR_EXAMPLE, "days_apart": 2}, response_only=True)],
        tags=["transfers"],
        summary="Expenses and incomes that look like transfers between your accounts",
        description=(
            "Pairs of an expense on one of your accounts and an income of the same amount on another account "
            "of the same currency, at most 4 days apart, neither part of a transfer - typically one transfer "
            "seen from both sides in two imported statements. Each transaction is in at most one pair (the "
            "nearest in date wins); a pair you rejected is never suggested again. `from`/`to` select by the "
            "expense's date, `account` pairs with that account on either side. Newest first."
        ),
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query = query_data(SuggestionQuery, request)
        pairs = selectors.suggested_pairs(
            request.user,
            date_from=query.get("from"),
            date_to=query.get("to"),
            account_id=query.get("account_id"),
        )
        return paginated_response(request, pairs, SuggestionOut)


class MatchView(APIView):
    @extend_schema(
        request=PairIn,
        responses={201: TransferOut},
        examples=[OpenApiExample("a pair", value={"outflow": 501, "inflow": 612}, request_only=True)],
        tags=["transfers"],
        summary="Make an expense and an income one transfer (no balance moves)",
        description=(
            "Turns an expense on one of your accounts and an income on another into one transfer: the two "
            "transactions become its legs (type `transfer`, no category) and keep their ids, dates and "
            "descriptions. No balance moves - the money already moved. Their categories are kept on the "
            "transfer and come back with `POST /transfers/{id}/unlink`. Between accounts of one currency the "
            "amounts must be equal; between currencies any two amounts make a transfer (`rate` shows what "
            "they imply). Send an `Idempotency-Key` to make a retry safe."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        data = PairIn(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.match_transfer(user=request.user, **data.validated_data)
        return Response(TransferOut(transfer).data, status=status.HTTP_201_CREATED)


class RejectView(APIView):
    @extend_schema(
        request=PairIn,
        responses={204: None},
        tags=["transfers"],
        summary="Never suggest this pair again",
        description=(
            "Records that this expense and this income are not one transfer: `GET /transfers/suggestions` never "
            "lists the pair again (each may still pair with another transaction). Rejecting a pair twice is "
            "no error."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        data = PairIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.reject_pair(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UnlinkView(APIView):
    @extend_schema(
        request=None,
        responses={200: UnlinkedOut},
        examples=[OpenApiExample("unlinked", value=_PAIR_EXAMPLE, response_only=True)],
        tags=["transfers"],
        summary="Undo a match: the legs are an expense and an income again",
        description=(
            "For a transfer made with `POST /transfers/match`: its legs become the expense and the income they "
            "were, with their categories back, and the transfer goes. No balance moves. A transfer made with "
            "`POST /transfers` answers 409 (delete it instead)."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        NoBody(data=request.data or {}).is_valid(raise_exception=True)
        legs = services.unlink_transfer(user=request.user, transfer_id=pk)
        out, in_ = legs.get(Transaction.Direction.OUT), legs.get(Transaction.Direction.IN)
        return Response(UnlinkedOut({"outflow": out, "inflow": in_}).data)
