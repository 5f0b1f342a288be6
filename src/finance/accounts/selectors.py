from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from finance.accounts.models import Account
from finance.core.rows import PreparedList, PreparedModels, PreparedValues, Rows
from finance.users.models import User

_account_for_update = Rows(Account, "pk", "user_id", for_update=True)
_OWNER = {"user_id": (Account._meta.get_field("user"), 987_650_000_011)}
_account_page = PreparedModels(lambda user_id: Account.objects.filter(user_id=user_id), **_OWNER)
_account_count = PreparedValues(
    lambda user_id: Account.objects.filter(user_id=user_id)
    .order_by()
    .values("user_id")
    .annotate(count=Count("pk")),
    **_OWNER,
)


def accounts_for(user: User) -> QuerySet[Account]:
    return Account.objects.filter(user=user)


def account_list(user: User) -> PreparedList:
    """accounts_for() as a list to paginate, with its page and count queries compiled once."""
    return PreparedList(_account_page, _account_count, user_id=user.pk)


def account_for_update(*, user_id: int, account_id: int) -> Account | None:
    """The user's account, row-locked until the transaction ends; None when it is not theirs.

    Every transaction write takes this lock, so its SQL is compiled once (finance.core.rows)."""
    return _account_for_update.first(account_id, user_id)


def balance_mismatches() -> QuerySet[Account]:
    """Accounts whose balance differs from opening balance + income - expense (one aggregate query)."""
    zero = Value(0, output_field=DecimalField())
    return (
        Account.objects.annotate(
            income=Coalesce(Sum("transactions__amount", filter=Q(transactions__type="income")), zero),
            expense=Coalesce(Sum("transactions__amount", filter=Q(transactions__type="expense")), zero),
        )
        .annotate(expected=F("opening_balance") + F("income") - F("expense"))
        .exclude(balance=F("expected"))
        .order_by("pk")
    )
