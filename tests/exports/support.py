"""Helpers shared by the export tests: data with known CSV output, storage switches, an S3 client."""

import datetime
from dataclasses import dataclass

import boto3

from finance.exports.s3 import s3_storages
from tests.factories import AccountFactory, CategoryFactory, make_transaction

REGION = "us-east-1"
KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key"}
JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}


def local_storages(base: dict, location) -> dict:
    storages = {name: value for name, value in base.items() if not name.startswith("exports")}
    storages["exports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location), "allow_overwrite": True},
    }
    return storages


def use_s3(settings, *, bucket: str, endpoint: str, public_endpoint: str = "") -> None:
    base = {name: value for name, value in settings.STORAGES.items() if not name.startswith("exports")}
    settings.STORAGES = {
        **base,
        **s3_storages(
            bucket=bucket,
            endpoint_url=endpoint,
            public_endpoint_url=public_endpoint,
            region=REGION,
            max_attempts=1,
            **KEYS,
        ),
    }


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: object

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for item in listing.get("Contents", [])]

    def body(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


@dataclass
class Ledger:
    account: object
    salary: object
    food: object
    pay: object
    dinner: object
    lunch: object


def make_ledger(user) -> Ledger:
    """Three January transactions, one with a description a spreadsheet would run as a formula."""
    account = AccountFactory(user=user, name="Wallet", currency="USD", opening_balance="0")
    salary = CategoryFactory(user=user, name="Salary", type="income")
    food = CategoryFactory(user=user, name="Food", type="expense")
    pay = make_transaction(account, salary, "1000.00", datetime.date(2026, 1, 5), "January pay")
    dinner = make_transaction(account, food, "12.50", datetime.date(2026, 1, 10), '=HYPERLINK("http://x")')
    lunch = make_transaction(account, food, "7.25", datetime.date(2026, 1, 20), 'Lunch, with "quotes"')
    return Ledger(account=account, salary=salary, food=food, pay=pay, dinner=dinner, lunch=lunch)


def transactions_csv(ledger: Ledger) -> bytes:
    """The exact file the January transactions export must produce (newest first, CRLF line ends)."""
    return (
        "id,date,type,account,category,amount,currency,description,direction,transfer,counterpart_account\r\n"
        f'{ledger.lunch.pk},2026-01-20,expense,Wallet,Food,7.25,USD,"Lunch, with ""quotes""",out,,\r\n'
        f'{ledger.dinner.pk},2026-01-10,expense,Wallet,Food,12.50,USD,"\'=HYPERLINK(""http://x"")",out,,\r\n'
        f"{ledger.pay.pk},2026-01-05,income,Wallet,Salary,1000.00,USD,January pay,in,,\r\n"
    ).encode()


def request_export(client, on_commit, **body):
    """POST /exports and run what the commit schedules (the build, inline), like a real request does."""
    with on_commit(execute=True):
        return client.post("/exports", {**JANUARY, **body}, format="json")
