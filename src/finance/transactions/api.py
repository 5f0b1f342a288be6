from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.categories.models import Category
from finance.core.db.shortcuts import get_owned_or_404
from finance.core.http.fields import (
    DATE,
    DATETIME,
    MONEY_OUT,
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
from finance.transactions import selectors, services
from finance.transactions.models import Transaction
from finance.users.authentication import AuthenticatedRequest


class TransactionOut(serializers.ModelSerializer):
    account = serializers.IntegerField(source="account_id")
    category = serializers.IntegerField(
        source="category_id", allow_null=True, help_text="Null for transfer legs."
    )
    direction = serializers.ChoiceField(
        choices=Transaction.Direction.choices, help_text="in: money into the account; out: out of it."
    )
    transfer = serializers.IntegerField(
        source="transfer_id", allow_null=True, help_text="The transfer this is a leg of, or null."
    )
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField()
    date = IsoDate()
    # Published as "import" (a Python keyword, so declared under another name; see get_fields).
    import_ = serializers.IntegerField(
        source="source_import_id",
        allow_null=True,
        help_text="The bank statement import that created this transaction, or null.",
    )
    external_id = serializers.CharField(
        help_text="The bank's id of this transaction (OFX FITID or a CSV column); empty when there is none."
    )

    class Meta:
        model = Transaction
        fields = [
            "id",
            "account",
            "category",
            "type",
            "direction",
            "transfer",
            "amount",
            "currency",
            "description",
            "date",
            "import_",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            ("import" if name == "import_" else name): field for name, field in super().get_fields().items()
        }

    @extend_schema_field(MONEY_OUT)
    def get_amount(self, tx: Transaction) -> str:
        return format_money(tx.amount, tx.currency)

    def to_representation(self, tx: Transaction) -> dict:
        """The fields declared above, built directly: DRF's generic walk over them cost more than the rest
        of a page of transactions. The declarations still describe the schema; a test keeps both equal."""
        return {
            "id": tx.pk,
            "account": tx.account_id,
            "category": tx.category_id,
            "type": tx.type,
            "direction": tx.direction,
            "transfer": tx.transfer_id,
            "amount": format_money(tx.amount, tx.currency),
            "currency": tx.currency,
            "description": tx.description,
            "date": DATE.to_representation(tx.date),
            "import": tx.source_import_id,
            "external_id": tx.external_id,
            "created_at": DATETIME.to_representation(tx.created_at),
        }


class TransactionIn(StrictSerializer):
    account = ObjectId(source="account_id")
    category = ObjectId(source="category_id")
    type = serializers.ChoiceField(
        choices=Category.Type.choices,
        help_text="income or expense, as the category's type; transfers are made through /transfers.",
    )
    amount = Money(help_text="A positive decimal string with at most the currency's minor-unit digits.")
    date = IsoDate()
    description = Text(max_length=500, required=False, allow_blank=True, default="")


class TransactionQuery(PeriodQuery):
    account = ObjectId(required=False, source="account_id")
    category = ObjectId(required=False, source="category_id")
    type = serializers.ChoiceField(choices=Transaction.Type.choices, required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["import"] = ObjectId(required=False, source="import_id")
        return fields


_IN = {
    "account": 12,
    "category": 31,
    "type": "expense",
    "amount": "12.50",
    "date": "2026-11-01",
    "description": "Lunch",
}
_EXAMPLE = OpenApiExample("expense", value=_IN, request_only=True)
_TRANSACTION = {
    "id": 501,
    **_IN,
    "direction": "out",
    "transfer": None,
    "currency": "EUR",
    "import": None,
    "external_id": "",
    "created_at": "2026-11-01T12:40:00.000000Z",
}
_CREATED = OpenApiExample("expense", value=_TRANSACTION, response_only=True, status_codes=[201])
_ONE = OpenApiExample("expense", value=_TRANSACTION, response_only=True)
_FILTERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day, inclusive (YYYY-MM-DD)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive (YYYY-MM-DD)."),
    OpenApiParameter("account", int, description="Only this account."),
    OpenApiParameter("category", int, description="Only this category."),
    OpenApiParameter(
        "type",
        str,
        enum=Transaction.Type.values,
        description="Only income, only expenses, or only transfer legs.",
    ),
    OpenApiParameter("import", int, description="Only the transactions this import created."),
]


class TransactionListView(APIView):
    pagination_class = PagePagination  # documents the page envelope and parameters in the schema

    @extend_schema(
        parameters=_FILTERS,
        responses={200: TransactionOut(many=True)},
        tags=["transactions"],
        summary="Your transactions, newest first",
        description=(
            "Your transactions, newest first (by date, then by id), a page at a time. The filters combine; "
            "a period is at most `MAX_PERIOD_DAYS` long and `from` may not be after `to`."
        ),
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query = query_data(TransactionQuery, request)
        queryset = selectors.transaction_list(
            request.user,
            date_from=query.get("from"),
            date_to=query.get("to"),
            account_id=query.get("account_id"),
            category_id=query.get("category_id"),
            type=query.get("type"),
            import_id=query.get("import_id"),
        )
        return paginated_response(request, queryset, TransactionOut)

    @extend_schema(
        request=TransactionIn,
        responses={201: TransactionOut},
        examples=[_EXAMPLE, _CREATED],
        tags=["transactions"],
        summary="Record income or an expense (moves the account balance)",
        description=(
            "Records a transaction on one of your accounts, under one of your categories of the same "
            "`type`; the account's balance moves in the same database transaction. `amount` is positive "
            "with at most the account currency's minor-unit digits. Send an `Idempotency-Key` to make a "
            "retry safe."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        data = TransactionIn(data=request.data)
        data.is_valid(raise_exception=True)
        tx = services.create_transaction(user=request.user, **data.validated_data)
        return Response(TransactionOut(tx).data, status=status.HTTP_201_CREATED)


class TransactionDetailView(APIView):
    @extend_schema(
        responses={200: TransactionOut},
        examples=[_ONE],
        tags=["transactions"],
        summary="One transaction",
        description="One of your transactions; another user's transaction is a 404.",
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        tx = get_owned_or_404(selectors.transactions_for(request.user), pk, noun="transaction")
        return Response(TransactionOut(tx).data)

    @extend_schema(
        request=TransactionIn,
        responses={200: TransactionOut},
        examples=[
            OpenApiExample("replace", value={**_IN, "amount": "14.00"}, request_only=True),
            OpenApiExample("expense", value={**_TRANSACTION, "amount": "14.00"}, response_only=True),
        ],
        tags=["transactions"],
        summary="Replace a transaction (the balance follows)",
        description=(
            "Sets every field. The old amount is taken off its account and the new one applied, to "
            "another account if `account` changed, in one database transaction."
        ),
    )
    def put(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=TransactionIn(partial=True),
        responses={200: TransactionOut},
        examples=[
            OpenApiExample("new amount", value={"amount": "14.00"}, request_only=True),
            OpenApiExample("expense", value={**_TRANSACTION, "amount": "14.00"}, response_only=True),
        ],
        tags=["transactions"],
        summary="Change a transaction (the balance follows)",
        description=(
            "Changes the fields sent; the balances follow in the same database transaction. The type must "
            "still match the category's."
        ),
    )
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    def _update(self, request: AuthenticatedRequest, pk: int, *, partial: bool) -> Response:
        data = TransactionIn(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        tx = services.update_transaction(user=request.user, transaction_id=pk, **data.validated_data)
        return Response(TransactionOut(tx).data)

    @extend_schema(
        responses={204: None},
        tags=["transactions"],
        summary="Delete (the balance is reverted)",
        description="Deletes the transaction and takes its amount off the account's balance.",
    )
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        services.delete_transaction(user=request.user, transaction_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
