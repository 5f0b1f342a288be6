"""The one money helper: currencies, minor units, quantizing and formatting of Decimal amounts.

Currency codes and their minor units come from py-moneyed's ISO 4217 table (a maintained source), not a
hand-written list. Historic/fund codes without a defined minor unit are not accepted.
"""

from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

import moneyed

# Storage precision: four decimal places covers every ISO 4217 minor unit (CLF and UYW use 4).
STORAGE_PLACES = 4
MAX_DIGITS = 18
# Sums of many amounts (the pre-aggregated figures) get six more digits than a single amount or balance.
FIGURE_DIGITS = 24
# Largest absolute amount accepted in input: well inside the column, far beyond any personal ledger.
MAX_AMOUNT = Decimal("1000000000000")


@cache
def currency_codes() -> frozenset[str]:
    # ISO 4217 numbers X-codes from 955 up for precious metals, bond units, SDR and testing: not money.
    return frozenset(
        code
        for code, currency in moneyed.CURRENCIES.items()
        if currency.numeric and not (code.startswith("X") and int(currency.numeric) >= 955)
    )


def is_currency(code: str) -> bool:
    return code in currency_codes()


@cache
def minor_units(code: str) -> int:
    sub_unit = moneyed.get_currency(code).sub_unit or 1
    return len(str(sub_unit)) - 1


STORAGE_QUANTUM = Decimal(1).scaleb(-STORAGE_PLACES)
# The largest absolute balance the column holds (18 digits, 4 of them decimals).
MAX_BALANCE = Decimal(10) ** (MAX_DIGITS - STORAGE_PLACES) - STORAGE_QUANTUM


def from_db(value: Decimal | float | int | None) -> Decimal:
    """An amount read with plain SQL. PostgreSQL returns numeric columns and their sums as Decimal; SQLite
    returns sums of them as float, rounded here to the storage precision as the ORM rounds them."""
    if isinstance(value, Decimal):
        return value
    if value is None:
        return Decimal(0)
    return Decimal(repr(value)).quantize(STORAGE_QUANTUM)


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def quantize(value: Decimal, code: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-minor_units(code)), rounding=ROUND_HALF_EVEN)


def format_money(value: Decimal, code: str) -> str:
    """A JSON money string with exactly the currency's minor-unit digits: "1299.50", "500" for JPY."""
    return f"{quantize(Decimal(value), code):f}"


def check_places(value: Decimal, code: str, field: str) -> None:
    """Refuse more decimals than the currency has (12.345 USD), naming the field in the error."""
    from finance.core.errors import ValidationFailed

    places = minor_units(code)
    if decimal_places(value) > places:
        raise ValidationFailed({field: [f"{code} allows at most {places} decimal places."]})
