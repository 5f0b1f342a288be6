from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from finance.accounts.models import Account
from finance.users.models import User


def accounts_for(user: User) -> QuerySet[Account]:
    return Account.objects.filter(user=user)


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
