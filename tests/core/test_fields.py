"""The shared input fields: money strings of ASCII digits only, text without hidden characters."""

import pytest

from finance.accounts.models import Account
from finance.categories.models import Category
from finance.transactions.models import Transaction

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "amount",
    [
        "\u0661\u0662\u0663",  # Arabic-Indic digits: Decimal reads them as 123
        "\u0967.\u0966\u0966",  # Devanagari 1.00
        "\uff11\uff12",  # full-width 12
        "1.00\n",
        "12\n",
        "1.00 ",
    ],
    ids=repr,
)
def test_money_takes_ascii_digits_and_nothing_after_them(client, account, income_category, amount):
    response = client.post(
        "/transactions",
        {
            "account": account.pk,
            "category": income_category.pk,
            "type": "income",
            "amount": amount,
            "date": "2026-01-05",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "amount" in response.json()["errors"]
    assert not Transaction.objects.exists()
    account.refresh_from_db()
    assert str(account.balance) == "100.0000"


HIDDEN = [
    "Groceries \x1b[31mRED\x1b[0m",  # a terminal escape
    "Rent\u202etxt.exe",  # right-to-left override
    "Pay\u200bPal",  # zero-width space
    "\ufeffSalary",  # byte order mark
    "Bonus\u2066x\u2069",  # bidirectional isolate
    "Line\u2028break",  # line separator
    "Tab\tinside",
    "Bell\x07",
    "C1\x9bcontrol",
    "\u200dleading joiner",
]


@pytest.mark.parametrize("text", HIDDEN, ids=repr)
def test_names_and_descriptions_refuse_hidden_characters_with_a_field_error(
    client, account, expense_category, text
):
    answers = {
        "name": client.post("/accounts", {"name": text, "currency": "USD"}, format="json"),
        "category": client.post("/categories", {"name": text, "type": "expense"}, format="json"),
        "description": client.post(
            "/transactions",
            {
                "account": account.pk,
                "category": expense_category.pk,
                "type": "expense",
                "amount": "1.00",
                "date": "2026-01-05",
                "description": text,
            },
            format="json",
        ),
    }
    for field, response in answers.items():
        assert response.status_code == 400, (field, response.content)
        errors = response.json()["errors"]
        [message] = errors["name" if field != "description" else "description"]
        assert "invisible characters" in message
        assert f"U+{ord(next(c for c in text if not c.isprintable() or c in chr(0x200D))):04X}" in message
    assert Account.objects.count() == 1
    assert Category.objects.count() == 1
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "Café crème",
        "漢字 テスト",
        "Family 👨\u200d👩\u200d👧",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "No\u00a0break",
    ],
    ids=repr,
)
def test_visible_text_in_any_script_is_kept_as_sent(client, text):
    response = client.post("/accounts", {"name": text, "currency": "USD"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == text
