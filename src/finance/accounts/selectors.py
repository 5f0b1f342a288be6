from django.db.models import QuerySet

from finance.accounts.models import Account
from finance.users.models import User


def accounts_for(user: User) -> QuerySet[Account]:
    return Account.objects.filter(user=user)
