import datetime
from decimal import Decimal

import factory

from finance.accounts.models import Account
from finance.accounts.services import create_account
from finance.categories.models import Category
from finance.transactions.services import create_transaction
from finance.users.models import User

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class AccountFactory(factory.django.DjangoModelFactory):
    """Accounts are opened through the service, like the API does."""

    class Meta:
        model = Account

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Account {n}")
    currency = "USD"
    opening_balance = Decimal("0")

    @classmethod
    def _create(cls, model_class, *, user, name, currency, opening_balance):
        return create_account(
            user=user, name=name, currency=currency, opening_balance=Decimal(opening_balance)
        )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    type = "expense"


def make_transaction(account, category, amount="10.00", date=None, description=""):
    """A transaction created through the service, so balances stay consistent."""
    return create_transaction(
        user=account.user,
        account_id=account.pk,
        category_id=category.pk,
        type=category.type,
        amount=Decimal(amount),
        date=date or datetime.date(2026, 1, 15),
        description=description,
    )
