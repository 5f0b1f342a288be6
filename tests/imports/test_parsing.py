"""Reading statement files: the format from the content, encodings, numbers and dates as banks write them,
and OFX through ofxtools."""

import datetime
from decimal import Decimal

import pytest

from finance.imports import parsing
from tests.imports.support import statement


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("us-checking.csv", "csv"),
        ("german-bank.csv", "csv"),
        ("credit-union.csv", "csv"),
        ("checking-sgml.ofx", "ofx"),
        ("savings-xml.ofx", "ofx"),
    ],
)
def test_the_format_comes_from_the_content(name, expected):
    assert parsing.detect(statement(name)) == expected


def test_an_ofx_file_named_csv_is_ofx_and_a_csv_named_ofx_is_csv():
    assert parsing.detect(statement("checking-sgml.ofx")) == "ofx"
    assert parsing.detect(b"\xef\xbb\xbf" + statement("savings-xml.ofx")) == "ofx"
    assert parsing.detect(statement("credit-union.csv")) == "csv"


def test_an_xml_file_that_is_not_ofx_is_refused():
    with pytest.raises(parsing.NotAStatement):
        parsing.detect(b'<?xml version="1.0"?>\n<invoice><total>12.00</total></invoice>\n')


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("Datum;Betrag\n01.03.2026;-1,00\n".encode("utf-8-sig"), "Datum;Betrag\n01.03.2026;-1,00\n", "utf-8"),
        ("Empfänger;Betrag\n".encode("cp1252"), "Empfänger;Betrag\n", "cp1252"),
        ("Date\tMontant\n".encode("utf-16"), "Date\tMontant\n", "utf-16"),
    ],
    ids=["utf-8 with a BOM", "windows-1252", "utf-16"],
)
def test_text_encodings_of_bank_exports(data, text, encoding):
    assert parsing.decode(data) == (text, encoding)


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "expected"),
    [
        ("1,234.56", ".", ",", "1234.56"),
        ("-1,234.56", ".", ",", "-1234.56"),
        ("1.234,56", ",", ".", "1234.56"),
        ("-1.234,56", ",", ".", "-1234.56"),
        ("1 234,56", ",", " ", "1234.56"),
        ("1'234.56", ".", "'", "1234.56"),
        ("(12.00)", ".", "", "-12.00"),
        ("12.00-", ".", "", "-12.00"),
        ("$ 1,234.56", ".", ",", "1234.56"),
        ("-54,20 EUR", ",", ".", "-54.20"),
        ("\u221254.20", ".", "", "-54.20"),
        ("+3.10", ".", "", "3.10"),
    ],
)
def test_amounts_as_banks_write_them(text, decimal, thousands, expected):
    assert parsing.parse_amount(text, decimal=decimal, thousands=thousands) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "decimal", "thousands"),
    [("1.234,56", ".", ","), ("12,5", ".", ""), ("abc", ".", ""), ("1.2.3", ".", ""), ("", ".", "")],
)
def test_amounts_that_do_not_fit_the_mapping_are_refused(text, decimal, thousands):
    with pytest.raises(parsing.NotAnAmount):
        parsing.parse_amount(text, decimal=decimal, thousands=thousands)


def test_quoted_fields_keep_their_delimiters_and_line_breaks():
    text, _ = parsing.decode(statement("us-checking.csv"))
    records = parsing.records(text, ",")
    assert records[2][2] == "WHOLE FOODS MARKET #10234 SAN FRANCISCO, CA"
    assert records[5][2] == "Online Transfer to SAV ...4821\ntransaction#: 18822310"
    assert len(records) == 8  # the line break inside quotes does not start a record


def test_a_us_export_is_guessed_month_first_with_a_decimal_point():
    text, _ = parsing.decode(statement("us-checking.csv"))
    mapping, headers, _ = parsing.guess_mapping(parsing.records(text, ","), ",")
    assert headers[:4] == ["Details", "Posting Date", "Description", "Amount"]
    assert mapping["columns"] == {"date": 1, "description": 2, "amount": 3}
    assert (mapping["date_format"], mapping["decimal_separator"], mapping["thousands_separator"]) == (
        "%m/%d/%Y",
        ".",
        ",",
    )
    rows = parsing.csv_rows(parsing.records(text, ","), mapping, "USD")
    assert [(r.date, r.amount) for r in rows][-1] == (datetime.date(2026, 3, 20), Decimal("-1234.56"))
    assert all(not r.errors for r in rows)


def test_a_german_export_skips_the_lines_above_its_table():
    text, _ = parsing.decode(statement("german-bank.csv"))
    mapping, _, _ = parsing.guess_mapping(parsing.records(text, ";"), ";")
    assert mapping["skip_rows"] == 3
    rows = parsing.csv_rows(parsing.records(text, ";"), mapping, "EUR")
    assert [(r.row, r.date, r.amount, r.category_name) for r in rows] == [
        (5, datetime.date(2026, 3, 2), Decimal("2450.00"), "Gehalt"),
        (6, datetime.date(2026, 3, 3), Decimal("-54.20"), "Lebensmittel"),
        (7, datetime.date(2026, 3, 5), Decimal("-1234.56"), ""),
        (8, datetime.date(2026, 3, 10), Decimal("-850.00"), "Wohnen"),
    ]


def test_a_file_without_a_header_is_guessed_from_its_cells():
    records = [["2026-03-01", "Rent", "-800.00"], ["2026-03-02", "Bakery and coffee", "-3.10"]]
    mapping, headers, _ = parsing.guess_mapping(records, ",")
    assert headers == []
    assert mapping["has_header"] is False
    assert mapping["columns"] == {"date": 0, "amount": 2, "description": 1}


def test_ofx_rows_take_the_date_the_bank_wrote_not_its_utc_instant():
    late_in_berlin = statement("checking-sgml.ofx").replace(
        b"<DTPOSTED>20260302120000.000[-5:EST]", b"<DTPOSTED>20260302003000.000[+1:CET]"
    )
    rows = parsing.ofx_rows(late_in_berlin, "USD")
    assert rows[0].date == datetime.date(2026, 3, 2)  # 2026-03-01 23:30 in UTC


def test_a_qfx_file_with_intuit_tags_is_read():
    rows = parsing.ofx_rows(statement("checking-sgml.ofx"), "USD")  # carries <INTU.BID>
    assert [r.external_id for r in rows][:2] == ["202603020001", "202603030001"]
    assert rows[0].description == "ACME PAYROLL - SALARY MARCH"


def test_a_broken_ofx_file_is_unreadable():
    broken = statement("savings-xml.ofx").replace(b"</BANKTRANLIST>", b"")
    with pytest.raises(parsing.Unreadable, match="could not be read"):
        parsing.ofx_rows(broken, "USD")


CARD_STATEMENT = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260405<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<CCSTMTRS><CURDEF>USD<CCACCTFROM><ACCTID>4111111111111111</CCACCTFROM>
<BANKTRANLIST><DTSTART>20260301<DTEND>20260331
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260304<TRNAMT>-42.10<FITID>CC-1<NAME>AMAZON MKTPLACE</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260306<TRNAMT>19.99<FITID>CC-2<NAME>REFUND AMAZON</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>-22.11<DTASOF>20260331</LEDGERBAL></CCSTMTRS>
</CCSTMTTRNRS></CREDITCARDMSGSRSV1>
</OFX>
"""


def test_a_credit_card_statement_is_read_like_a_bank_statement():
    rows = parsing.ofx_rows(CARD_STATEMENT, "USD")
    assert [(r.date, r.amount, r.external_id) for r in rows] == [
        (datetime.date(2026, 3, 4), Decimal("-42.10"), "CC-1"),
        (datetime.date(2026, 3, 6), Decimal("19.99"), "CC-2"),
    ]
