from decimal import Decimal

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.accounts import selectors, services
from finance.accounts.models import Account
from finance.core.http.fields import (
    DATETIME,
    MONEY_OUT,
    Currency,
    Money,
    StrictSerializer,
    Text,
    query_data,
)
from finance.core.http.idempotency import idempotent
from finance.core.http.pagination import PagePagination, paginated_response
from finance.core.money import format_money
from finance.users.authentication import AuthenticatedRequest


class AccountOut(serializers.ModelSerializer):
    balance = serializers.SerializerMethodField()
    opening_balance = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = ["id", "name", "currency", "balance", "opening_balance", "created_at"]
        read_only_fields = fields

    @extend_schema_field(MONEY_OUT)
    def get_balance(self, account: Account) -> str:
        return format_money(account.balance, account.currency)

    @extend_schema_field(MONEY_OUT)
    def get_opening_balance(self, account: Account) -> str:
        return format_money(account.opening_balance, account.currency)

    def to_representation(self, account: Account) -> dict:
        """The fields declared above, built directly (DRF's generic walk is the larger part of a list);
        the declarations still describe the schema, and a test keeps both equal."""
        return {
            "id": account.pk,
            "name": account.name,
            "currency": account.currency,
            "balance": format_money(account.balance, account.currency),
            "opening_balance": format_money(account.opening_balance, account.currency),
            "created_at": DATETIME.to_representation(account.created_at),
        }


class AccountCreateIn(StrictSerializer):
    name = Text(max_length=100)
    currency = Currency()
    opening_balance = Money(
        positive=False,
        required=False,
        default=Decimal(0),
        help_text="Balance at creation; afterwards only transactions change it.",
    )


class AccountUpdateIn(StrictSerializer):
    name = Text(max_length=100)
    currency = Currency(help_text="Can change only while the account has no transactions.")


_EXAMPLE = OpenApiExample(
    "account", value={"name": "Wallet", "currency": "EUR", "opening_balance": "100.00"}, request_only=True
)
_ACCOUNT = {
    "id": 12,
    "name": "Wallet",
    "currency": "EUR",
    "balance": "87.50",
    "opening_balance": "100.00",
    "created_at": "2026-11-01T09:31:00.000000Z",
}
_CREATED = OpenApiExample(
    "account", value={**_ACCOUNT, "balance": "100.00"}, response_only=True, status_codes=[201]
)
_ONE = OpenApiExample("account", value=_ACCOUNT, response_only=True)


class AccountListView(APIView):
    pagination_class = PagePagination  # documents the page envelope and parameters in the schema

    @extend_schema(
        responses={200: AccountOut(many=True)},
        tags=["accounts"],
        summary="Your accounts",
        description="Your accounts, oldest first, a page at a time, each with its current balance.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query_data(serializers.Serializer, request)  # only page and page_size: refuse anything else
        return paginated_response(request, selectors.account_list(request.user), AccountOut)

    @extend_schema(
        request=AccountCreateIn,
        responses={201: AccountOut},
        examples=[_EXAMPLE, _CREATED],
        tags=["accounts"],
        summary="Open an account",
        description=(
            "Opens an account in one ISO 4217 currency. `opening_balance` (default 0, may be negative) is "
            "set once: afterwards only transactions move `balance`. Send an `Idempotency-Key` to make a "
            "retry safe."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        data = AccountCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.create_account(user=request.user, **data.validated_data)
        return Response(AccountOut(account).data, status=status.HTTP_201_CREATED)


class AccountDetailView(APIView):
    @extend_schema(
        responses={200: AccountOut},
        examples=[_ONE],
        tags=["accounts"],
        summary="One account",
        description="One of your accounts with its current balance; another user's account is a 404.",
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(AccountOut(services.get_account(user=request.user, account_id=pk)).data)

    @extend_schema(
        request=AccountUpdateIn,
        responses={200: AccountOut},
        examples=[
            OpenApiExample("rename", value={"name": "Cash", "currency": "EUR"}, request_only=True),
            OpenApiExample("account", value={**_ACCOUNT, "name": "Cash"}, response_only=True),
        ],
        tags=["accounts"],
        summary="Replace name and currency (the balance is never written)",
        description=(
            "Sets both `name` and `currency`. The currency can change only while the account has no "
            "transactions (409 otherwise)."
        ),
    )
    def put(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=AccountUpdateIn(partial=True),
        responses={200: AccountOut},
        examples=[
            OpenApiExample("rename", value={"name": "Cash"}, request_only=True),
            OpenApiExample("account", value={**_ACCOUNT, "name": "Cash"}, response_only=True),
        ],
        tags=["accounts"],
        summary="Change name or currency",
        description=(
            "Changes the fields sent. The currency can change only while the account has no transactions "
            "(409 otherwise)."
        ),
    )
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    def _update(self, request: AuthenticatedRequest, pk: int, *, partial: bool) -> Response:
        data = AccountUpdateIn(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        account = services.update_account(user=request.user, account_id=pk, **data.validated_data)
        return Response(AccountOut(account).data)

    @extend_schema(
        responses={204: None},
        tags=["accounts"],
        summary="Delete an account and its transactions",
        description="Deletes the account together with all its transactions; reports follow at once.",
    )
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        services.delete_account(user=request.user, account_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
