"""The transfer INSERT (plain SQL on PostgreSQL) writes the row the ORM writes."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from finance.transfers import services
from finance.transfers.models import Transfer
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def fields(instance) -> list:
    return [getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields]


def test_the_columns_written_are_every_field_of_the_model():
    assert list(services.TRANSFER_COLUMNS) == [field.attname for field in Transfer._meta.concrete_fields]


def test_the_insert_writes_the_row_the_orm_writes(user):
    if connection.vendor != "postgresql":
        pytest.skip("the plain INSERT runs on PostgreSQL; other databases use the ORM's create()")
    source = AccountFactory(user=user, currency="USD")
    target = AccountFactory(user=user, currency="JPY")
    given = {
        "user_id": user.pk,
        "from_account_id": source.pk,
        "to_account_id": target.pk,
        "amount": Decimal("10.50"),
        "currency": "USD",
        "to_amount": Decimal("1575"),
        "to_currency": "JPY",
        "date": datetime.date(2026, 2, 28),
        "description": "Trip ☺",
    }
    inserted = services._insert(**given)
    created = Transfer.objects.create(**given)
    stored = Transfer.objects.get(pk=inserted.pk)
    assert fields(inserted)[1:] == fields(stored)[1:]
    assert fields(stored)[1:-1] == fields(Transfer.objects.get(pk=created.pk))[1:-1]
