"""The input vocabulary shared by every endpoint: strict types, money strings, currencies, dates."""

import functools
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from finance.core.money import MAX_AMOUNT, is_currency

# ASCII digits only ([0-9], not \d: Python's \d takes "١٢٣" too, which Decimal reads as 123), and the whole
# string (fullmatch: `$` alone also matches before a trailing newline).
MONEY_PATTERN = r"^-?[0-9]{1,13}(\.[0-9]{1,4})?$"
_MONEY = re.compile(MONEY_PATTERN)
# What a name or description never needs and what misleads whoever reads it: controls (C0 and C1, so
# terminal escapes such as ESC[31m), format characters (bidirectional overrides and isolates such as U+202E,
# zero-width spaces, word joiners, the BOM), lone surrogates, line and paragraph separators.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# ...except the zero-width (non-)joiner between two visible characters, where writing needs it: emoji
# sequences (a family, a skin tone) and Persian or Indic words. Leading, trailing or doubled, they are refused.
_JOINERS = frozenset({"\u200c", "\u200d"})
HIDDEN_CHARACTERS_MESSAGE = (
    "Must not contain control, formatting or invisible characters "
    "(terminal escapes, bidirectional overrides, zero-width characters); found U+{code:04X}."
)


def _visible(character: str) -> bool:
    return not character.isspace() and unicodedata.category(character) not in HIDDEN_CATEGORIES


def hidden_character(text: str) -> str | None:
    """The first character of `text` that HIDDEN_CATEGORIES refuses, if any."""
    if text.isprintable():  # the common case, in C: no control, format, separator or unassigned character
        return None
    for index, character in enumerate(text):
        if unicodedata.category(character) not in HIDDEN_CATEGORIES:
            continue
        joins = 0 < index < len(text) - 1 and _visible(text[index - 1]) and _visible(text[index + 1])
        if character in _JOINERS and joins:
            continue
        return character
    return None


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo or a server-owned field is an error, not ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            read_only = sorted(name for name in data if self.fields[name].read_only)
            if read_only:
                raise serializers.ValidationError({name: ["This field is read-only."] for name in read_only})
        return super().to_internal_value(data)


class Text(serializers.CharField):
    """A JSON string (numbers and booleans are refused rather than turned into text) of visible text: control,
    formatting and invisible characters are refused with a field error (HIDDEN_CATEGORIES)."""

    default_error_messages = {"hidden": HIDDEN_CHARACTERS_MESSAGE}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        text = super().to_internal_value(data)  # surrounding whitespace trimmed, unless trim_whitespace=False
        found = hidden_character(text)
        if found is not None:
            self.fail("hidden", code=ord(found))
        return text


# An amount the API returns: always the currency's minor-unit digits ("12.50", "500" for JPY).
MONEY_OUT = {
    "type": "string",
    "pattern": MONEY_PATTERN,
    "example": "12.50",
    "description": "A decimal string with exactly the currency's minor-unit digits.",
}


@extend_schema_field({"type": "string", "pattern": MONEY_PATTERN, "example": "12.50"})
class Money(serializers.Field):
    """Money as a JSON string of a decimal number: "1299.50". Floats never enter the system."""

    default_error_messages = {
        "invalid": 'Send the amount as a string of a decimal number, e.g. "12.50".',
        "positive": "Must be greater than zero.",
        "too_large": f"Must be at most {MAX_AMOUNT:,} in absolute value.",
    }

    def __init__(self, *, positive: bool = True, **kwargs: Any):
        self.positive = positive
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not _MONEY.fullmatch(data):
            self.fail("invalid")
        try:
            value = Decimal(data)
        except InvalidOperation:
            self.fail("invalid")
        if self.positive and value <= 0:
            self.fail("positive")
        if abs(value) > MAX_AMOUNT:
            self.fail("too_large")
        return value

    def to_representation(self, value: Any) -> str:
        # Only defaults are represented (answers format money with the currency's digits): "0", not
        # "0.0000", which a currency with fewer minor-unit digits would refuse if a client sent it back.
        return f"{Decimal(value).normalize():f}"


class Currency(serializers.ChoiceField):
    def __init__(self, **kwargs: Any):
        from finance.core.money import currency_codes

        super().__init__(choices=sorted(currency_codes()), **kwargs)
        self.error_messages["invalid_choice"] = '"{input}" is not an ISO 4217 currency code.'

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        if not is_currency(data):
            self.fail("invalid_choice", input=data[:10])
        return data


# The dates the API takes: wide enough for any ledger, narrow enough that a period's calendar arithmetic (the
# day before, the next month) never leaves what Python's dates can hold.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)


class IsoDate(serializers.DateField):
    default_error_messages = {"range": f"Must be between {FIRST_DATE} and {LAST_DATE}."}

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", input_formats=["iso-8601"], **kwargs)

    def to_internal_value(self, value: Any) -> date:
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        day = super().to_internal_value(value)
        if not FIRST_DATE <= day <= LAST_DATE:
            self.fail("range")
        return day


# Shared output fields for serializers that build their representation directly (hot list endpoints):
# the same formatting as the declared fields, without binding a field per serializer.
DATE = IsoDate()
DATETIME = serializers.DateTimeField()


class ObjectId(serializers.IntegerField):
    """An id in a body or query: a positive integer within the database's bigint range."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool | float):
            self.fail("invalid")
        return super().to_internal_value(data)


PAGE_PARAMS = frozenset({"page", "page_size"})


@functools.cache
def _query_fields(serializer_class: type[serializers.Serializer]) -> Any:
    """The serializer's fields, built and bound once per class.

    Building them is most of the cost of validating a query string (DRF deep-copies every declared field for
    each serializer instance). Validating only reads them - the fields of a query serializer hold no state
    of a request - so every request's serializer validates with the same set.
    """
    return serializer_class().fields


def query_data(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Validate query parameters with a serializer (one value per name; unknown names are refused)."""
    params = request.query_params
    fields = _query_fields(serializer_class)
    unknown = sorted(name for name in params if name not in fields and name not in PAGE_PARAMS)
    if unknown:
        raise serializers.ValidationError({name: ["Unknown query parameter."] for name in unknown})
    data = {name: params.get(name) for name in params if name not in PAGE_PARAMS}
    serializer = serializer_class(data=data)
    serializer.fields = fields  # the shared, already bound set (a cached property, so it may be set)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PeriodQuery(serializers.Serializer):
    """from/to, both inclusive; from may not be after to, and a period is capped (MAX_PERIOD_DAYS)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so these fields cannot be declared as class attributes.
        fields = super().get_fields()
        fields["from"] = IsoDate(required=False, help_text="First day, inclusive (YYYY-MM-DD).")
        fields["to"] = IsoDate(required=False, help_text="Last day, inclusive (YYYY-MM-DD).")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        from django.conf import settings

        start, end = attrs.get("from"), attrs.get("to")
        if start and end:
            if start > end:
                raise serializers.ValidationError({"from": ["Must not be after 'to'."]})
            if (end - start).days >= settings.MAX_PERIOD_DAYS:
                raise serializers.ValidationError(
                    {"to": [f"A period is at most {settings.MAX_PERIOD_DAYS} days."]}
                )
        return attrs
