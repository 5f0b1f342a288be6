"""Reading bank statement files: what format a file is, its CSV records or OFX transactions, and the rows
they become under a column mapping. Pure functions over bytes and text: no database, no request.

- The format comes from the content, never from the name or the declared type: OFX 1.x (SGML, with its
  `OFXHEADER:` header) and 2.x (XML, with its `<?OFX ...?>` processing instruction), QFX included, are
  read by ofxtools; any other text with a delimiter (`,` `;` tab `|`) is CSV; anything else is refused.
- Text is UTF-8 (a byte order mark is dropped), UTF-16 with a byte order mark, or else Windows-1252 - what
  banks' spreadsheet exports are when they are not UTF-8.
- A row's amount is signed here: positive is money into the account.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from finance.core.money import MAX_AMOUNT, decimal_places, minor_units

DELIMITERS = (",", ";", "\t", "|")
DECIMAL_SEPARATORS = (".", ",")
THOUSANDS_SEPARATORS = ("", ",", ".", " ", "'")
SIGNS = ("inflow_positive", "inflow_negative")
# The date formats a guess tries, in this order (day-first before month-first; see guess_date_format).
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d.%m.%y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%b %d, %Y",
)
SAMPLE_SIZE = 5
# The fields of an OFX row, in the order `headers` and `sample` list them.
OFX_HEADERS = ["date", "amount", "description", "external_id"]
MAX_TEXT = 500
MAX_EXTERNAL_ID = 255
MAX_CATEGORY = 100
FIRST_YEAR, LAST_YEAR = 1900, 2999


class NotAStatement(Exception):
    """The file is neither CSV nor OFX (415)."""


class Unreadable(Exception):
    """The file claims a format but cannot be read as it (400)."""


class NotAnAmount(ValueError):
    """A cell that is no amount under the mapping's separators."""


@dataclass
class ParsedRow:
    """One row of a statement. `amount` is signed (positive: money in); fields that could not be read are
    None and named in `errors`."""

    row: int
    date: date | None = None
    amount: Decimal | None = None
    description: str = ""
    external_id: str = ""
    category_name: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


# --- the format ------------------------------------------------------------------------------------------
def _is_ofx(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if head.startswith(b"OFXHEADER"):
        return True  # OFX 1.x: SGML with a header of NAME:VALUE lines
    return head.startswith(b"<?XML") and b"<?OFX" in head  # OFX 2.x: XML with an OFX processing instruction


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (BOM dropped), UTF-16 with a BOM, else Windows-1252 (Latin-1 for the five
    bytes it leaves undefined)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise NotAStatement("The file is not text.") from None
    if b"\x00" in data:
        raise NotAStatement("The file is not text.")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def detect(data: bytes) -> str:
    """ "ofx" or "csv", from the content; NotAStatement for anything else."""
    if _is_ofx(data):
        return "ofx"
    text, _ = decode(data)
    first = text.lstrip()[:1]
    if not first or first in "{[<" or any(ch in text[:4096] for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08"):
        raise NotAStatement("The file is empty, or not a CSV or OFX statement.")
    sniff_delimiter(text)
    return "csv"


# --- CSV -------------------------------------------------------------------------------------------------
def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text: csv.Sniffer's guess among DELIMITERS, else the one found in most of the
    first lines. A text without any is no CSV statement (a statement has at least a date and an amount)."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    sample = "\n".join(lines)
    with contextlib.suppress(csv.Error):
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    counts = {d: sum(d in line for line in lines) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if not counts[best]:
        raise NotAStatement("The file has no columns: it is not a CSV or OFX statement.")
    return best


def records(text: str, delimiter: str) -> list[list[str]]:
    """Every record of the CSV text, blank ones included (so that index + 1 is the row a spreadsheet shows).
    Quoted fields may hold delimiters and line breaks."""
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as error:
        raise Unreadable(f"The CSV file could not be read: {error}.") from None


def is_blank(record: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in record)


def data_row_count(recs: Sequence[Sequence[str]], *, skip_rows: int, has_header: bool) -> int:
    body = [r for r in recs[skip_rows:] if not is_blank(r)]
    return max(0, len(body) - (1 if has_header and body else 0))


_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "booking date",
        "transaction date",
        "posted date",
        "posting date",
        "value date",
        "buchungstag",
        "buchungsdatum",
        "datum",
        "fecha",
        "data",
        "valuta",
        "wertstellung",
        "date operation",
    ),
    "description": (
        "description",
        "payee",
        "name",
        "memo",
        "details",
        "narrative",
        "merchant",
        "beschreibung",
        "verwendungszweck",
        "buchungstext",
        "empfänger",
        "libellé",
        "libelle",
        "concepto",
        "reference text",
    ),
    "amount": ("amount", "betrag", "montant", "importe", "value", "sum", "amount (eur)", "amount (usd)"),
    "inflow": ("credit", "credits", "deposit", "deposits", "paid in", "money in", "inflow", "in", "haben"),
    "outflow": (
        "debit",
        "debits",
        "withdrawal",
        "withdrawals",
        "paid out",
        "money out",
        "outflow",
        "out",
        "soll",
    ),
    "external_id": ("id", "transaction id", "reference", "fitid", "ref", "transaction reference"),
    "category": ("category", "kategorie", "catégorie", "categoria"),
}


def _header_column(headers: Sequence[str], name: str) -> int | None:
    """The column whose header is one of the field's words, the most telling word first ("Description"
    before "Details"); else one whose header starts or ends with such a word ("Amount (EUR)")."""
    words = _HEADER_WORDS[name]
    cleaned = [h.strip().lower() for h in headers]
    for word in words:
        if word in cleaned:
            return cleaned.index(word)
    for word in words:
        for index, header in enumerate(cleaned):
            if len(word) > 3 and (header.startswith(word + " ") or header.endswith(" " + word)):
                return index
    return None


def _looks_like_date(text: str) -> bool:
    return any(_try_date(text, fmt) is not None for fmt in DATE_FORMATS)


def _try_date(text: str, fmt: str) -> date | None:
    try:
        day = datetime.strptime(text.strip(), fmt).date()
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


_NUMBER = re.compile(r"^[-+(]?\s*[$€£¥]?\s*[-+]?\d[\d.,' ]*\)?-?$")


def _looks_like_amount(text: str) -> bool:
    return bool(_NUMBER.match(text.strip())) and any(ch.isdigit() for ch in text)


def guess_date_format(values: Iterable[str], decimal_separator: str = ".") -> str:
    """The first of DATE_FORMATS that reads every value; when day-first and month-first both do (every day
    is 12 or less), month-first for files with a decimal point (as US banks write them), else day-first."""
    values = [v for v in values if v.strip()]
    fitting = [fmt for fmt in DATE_FORMATS if values and all(_try_date(v, fmt) for v in values)]
    if not fitting:
        return "%Y-%m-%d"
    if "%d/%m/%Y" in fitting and "%m/%d/%Y" in fitting:
        return "%m/%d/%Y" if decimal_separator == "." else "%d/%m/%Y"
    return fitting[0]


def guess_separators(values: Iterable[str]) -> tuple[str, str]:
    """(decimal, thousands) separators of amounts such as "1,234.56" or "1.234,56"."""
    values = [v.strip() for v in values if v.strip()]
    comma_decimal = any(re.search(r",\d{1,2}\)?-?$", v) for v in values)
    point_decimal = any(re.search(r"\.\d{1,2}\)?-?$", v) for v in values)
    if comma_decimal and not point_decimal:
        return ",", ("." if any("." in v for v in values) else "")
    return ".", ("," if any("," in v for v in values) else "")


def guess_mapping(
    recs: Sequence[Sequence[str]], delimiter: str
) -> tuple[dict[str, Any], list[str], list[list[str]]]:
    """(mapping, headers, sample) proposed for a CSV file never mapped on its account before."""
    nonblank = [(i, r) for i, r in enumerate(recs[:60]) if not is_blank(r)]
    widths = Counter(len(r) for _, r in nonblank)
    width = widths.most_common(1)[0][0] if widths else 0
    # Lines above the table (an account number, a period) have fewer cells than the table's records.
    start = next((i for i, r in nonblank if len(r) == width), 0)
    first = list(recs[start]) if start < len(recs) else []
    has_header = bool(first) and not any(_looks_like_date(c) or _looks_like_amount(c) for c in first)
    headers = [c.strip() for c in first] if has_header else []
    data = [list(r) for r in recs[start + (1 if has_header else 0) :] if not is_blank(r)]
    sample = data[:SAMPLE_SIZE]
    probe = data[:50]

    def column_of(name: str) -> int | None:
        return _header_column(headers, name) if headers else None

    def content_column(test: Any, exclude: set[int]) -> int | None:
        for index in range(width):
            cells = [r[index] for r in probe if index < len(r) and r[index].strip()]
            if index not in exclude and cells and all(test(c) for c in cells):
                return index
        return None

    columns: dict[str, int | None] = {name: column_of(name) for name in _HEADER_WORDS}
    if columns["date"] is None:
        columns["date"] = content_column(_looks_like_date, set())
    taken = {i for i in columns.values() if i is not None}
    if columns["amount"] is None and (columns["inflow"] is None or columns["outflow"] is None):
        columns["amount"] = content_column(_looks_like_amount, taken)
        taken |= {columns["amount"]} if columns["amount"] is not None else set()
    if columns["amount"] is not None:
        columns["inflow"] = columns["outflow"] = None
    if columns["description"] is None:
        lengths = {i: sum(len(r[i]) for r in probe if i < len(r)) for i in range(width) if i not in taken}
        columns["description"] = max(lengths, key=lambda i: lengths[i]) if lengths else None
    money_columns = [columns[n] for n in ("amount", "inflow", "outflow") if columns[n] is not None]
    money = [r[i] for r in probe for i in money_columns if i is not None and i < len(r)]
    decimal, thousands = guess_separators(money)
    date_column = columns["date"]
    dates = [r[date_column] for r in probe if date_column is not None and date_column < len(r)]
    mapping = {
        "delimiter": delimiter,
        "has_header": has_header,
        "skip_rows": start,
        "columns": {name: index for name, index in columns.items() if index is not None},
        "date_format": guess_date_format(dates, decimal),
        "decimal_separator": decimal,
        "thousands_separator": thousands,
        "sign": "inflow_positive",
    }
    return mapping, headers, sample


def parse_amount(text: str, *, decimal: str, thousands: str) -> Decimal:
    """A cell's number with its sign: "1.234,56", "-54.20", "(12.00)", "12.00-", "$ 1,234.56", "1 234,56 €".
    Raises NotAnAmount for anything else."""
    s = text.strip().replace("\u00a0", " ").replace("\u2212", "-")
    s = re.sub(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$", "", s)  # an ISO currency code before or after
    s = s.strip(" $€£¥")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.endswith("-"):
        negative, s = True, s[:-1].strip()
    if s and s[0] in "+-":
        negative, s = (s[0] == "-") != negative, s[1:].strip()
    s = s.strip(" $€£¥")
    if thousands and thousands in s:
        # Grouped by threes, or it is no number of this file ("1.234,56" read with a decimal point).
        grouped = rf"\d{{1,3}}({re.escape(thousands)}\d{{3}})+({re.escape(decimal)}\d+)?"
        if not re.fullmatch(grouped, s):
            raise NotAnAmount(text)
        s = s.replace(thousands, "")
    if decimal == ",":
        if "." in s:
            raise NotAnAmount(text)
        s = s.replace(",", ".")
    elif "," in s:
        raise NotAnAmount(text)
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", s):
        raise NotAnAmount(text)
    value = Decimal(s)
    return -value if negative else value


def _cell(record: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(record):
        return ""
    return record[index].strip()


def _check_amount(parsed: ParsedRow, value: Decimal, currency: str) -> None:
    places = minor_units(currency)
    if value == 0:
        parsed.fail("amount", "The amount is zero: nothing moved.")
    elif abs(value) > MAX_AMOUNT:
        parsed.fail("amount", f"Must be at most {MAX_AMOUNT:,} in absolute value.")
    elif decimal_places(value) > places:
        parsed.fail("amount", f"{currency} allows at most {places} decimal places.")
    else:
        parsed.amount = value


def _texts(parsed: ParsedRow, description: str, external_id: str, category: str) -> None:
    parsed.description = " ".join(description.split())[:MAX_TEXT]
    if len(external_id) > MAX_EXTERNAL_ID:
        parsed.fail("external_id", f"Longer than {MAX_EXTERNAL_ID} characters.")
    else:
        parsed.external_id = external_id
    if len(category) > MAX_CATEGORY:
        parsed.fail("category", f"Longer than {MAX_CATEGORY} characters.")
    else:
        parsed.category_name = category


def csv_rows(recs: Sequence[Sequence[str]], mapping: dict[str, Any], currency: str) -> list[ParsedRow]:
    """The data rows of a CSV file under a mapping (as validated by the mapping's serializer)."""
    columns = mapping["columns"]
    start = mapping["skip_rows"]
    header_left = mapping["has_header"]
    decimal, thousands = mapping["decimal_separator"], mapping["thousands_separator"]
    flip = mapping["sign"] == "inflow_negative"
    rows = []
    for index in range(start, len(recs)):
        record = recs[index]
        if is_blank(record):
            continue
        if header_left:
            header_left = False
            continue
        parsed = ParsedRow(row=index + 1)
        if any(ch in cell for cell in record for ch in "\x00"):
            parsed.fail("row", "The row contains a NUL character.")
            rows.append(parsed)
            continue
        raw_date = _cell(record, columns["date"])
        parsed.date = _try_date(raw_date, mapping["date_format"])
        if parsed.date is None:
            parsed.fail("date", f"{raw_date[:40]!r} is not a date in the format {mapping['date_format']}.")
        value = _money_value(parsed, record, columns, decimal, thousands)
        if value is not None:
            _check_amount(parsed, -value if flip and "amount" in columns else value, currency)
        _texts(
            parsed,
            _cell(record, columns["description"]),
            _cell(record, columns.get("external_id")),
            _cell(record, columns.get("category")),
        )
        rows.append(parsed)
    return rows


def _money_value(
    parsed: ParsedRow, record: Sequence[str], columns: dict[str, int], decimal: str, thousands: str
) -> Decimal | None:
    """The signed amount of a record: its amount column, or its inflow minus its outflow column (an outflow
    may be written with or without a minus)."""
    names = ("amount",) if "amount" in columns else ("inflow", "outflow")
    values: dict[str, Decimal] = {}
    for name in names:
        raw = _cell(record, columns[name])
        if not raw:
            continue
        try:
            values[name] = parse_amount(raw, decimal=decimal, thousands=thousands)
        except (NotAnAmount, InvalidOperation):
            parsed.fail(
                name, f"{raw[:40]!r} is not an amount (decimal {decimal!r}, thousands {thousands!r})."
            )
            return None
    if "amount" in columns:
        if "amount" not in values:
            parsed.fail("amount", "The amount is empty.")
            return None
        return values["amount"]
    inflow, outflow = abs(values.get("inflow", Decimal(0))), abs(values.get("outflow", Decimal(0)))
    if inflow and outflow:
        parsed.fail("amount", "Both inflow and outflow hold an amount.")
        return None
    if not inflow and not outflow:
        parsed.fail("amount", "Neither inflow nor outflow holds an amount.")
        return None
    return inflow - outflow


# --- OFX -------------------------------------------------------------------------------------------------
def ofx_rows(data: bytes, currency: str) -> list[ParsedRow]:
    """The transactions of an OFX statement (bank or credit card), read by ofxtools.

    A posting date is the date the bank wrote (DTPOSTED's first eight digits), not its instant in UTC, which
    may fall on another day. One statement per file, in the account's currency."""
    from ofxtools.Parser import OFXTree

    tree = OFXTree()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # private tags (<INTU.BID> in QFX) are skipped with a warning
            tree.parse(io.BytesIO(data))
            ofx = tree.convert()
    except Exception as error:  # ofxtools raises its own and the XML parser's errors
        raise Unreadable(f"The OFX file could not be read: {str(error)[:200]}") from None
    statements = list(getattr(ofx, "statements", []) or [])
    if len(statements) != 1:
        raise Unreadable(
            f"The OFX file holds {len(statements)} statements; upload a file with one account's statement."
        )
    statement = statements[0]
    if statement.curdef and statement.curdef != currency:
        raise Unreadable(
            f"The statement is in {statement.curdef} and the account in {currency}: choose the account of "
            "the statement."
        )
    root = tree.getroot()
    raw_dates = [element.findtext("DTPOSTED") or "" for element in root.iter("STMTTRN")] if root else []
    transactions = list(statement.banktranlist or [])
    rows = []
    for number, tx in enumerate(transactions, start=1):
        parsed = ParsedRow(row=number)
        written = raw_dates[number - 1] if number - 1 < len(raw_dates) else ""
        parsed.date = _try_date(written[:8], "%Y%m%d")
        if parsed.date is None:
            parsed.fail("date", f"{written[:40]!r} is not a date.")
        if tx.trnamt is None:
            parsed.fail("amount", "The amount is missing.")
        else:
            _check_amount(parsed, Decimal(tx.trnamt), currency)
        name, memo = (tx.name or (getattr(tx, "payee", None) and tx.payee.name) or ""), (tx.memo or "")
        description = f"{name} - {memo}" if name and memo and memo != name else (name or memo)
        _texts(parsed, str(description), (tx.fitid or "").strip(), "")
        rows.append(parsed)
    return rows


def ofx_sample(rows: Sequence[ParsedRow]) -> list[list[str]]:
    return [
        [
            r.date.isoformat() if r.date else "",
            f"{r.amount:f}" if r.amount is not None else "",
            r.description,
            r.external_id,
        ]
        for r in rows[:SAMPLE_SIZE]
    ]
