from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from finance.accounts.models import Account
from finance.core.rows import Rows
from finance.users.models import User

_account_for_update = Rows(Account, "pk", "user_id", for_update=True)


def accounts_for(user: User) -> QuerySet[Account]:
    return Account.objects.filter(user=user)


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
