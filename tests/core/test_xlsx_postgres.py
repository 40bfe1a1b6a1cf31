"""XLSX whose rows PostgreSQL writes: the cells typed as XlsxWriter types them, text exactly as written, no formula."""

import io
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from core.downloads import XML_ILLEGAL_CHARACTERS, XlsxColumn, write_xlsx
from core.xlsx_postgres import column_letter, write_xlsx_from_sql
from tests.hypothesis_profiles import examples

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL writes the rows")

COLUMNS = [
    XlsxColumn("number"),
    XlsxColumn("date", "date"),
    XlsxColumn("client", "text", 30),
    XlsxColumn("total", "money"),
    XlsxColumn("quantity", "integer"),
    XlsxColumn("sent at", "datetime"),
    XlsxColumn("overdue", "boolean"),
]
ROWS = [
    (
        "INV-1",
        date(2026, 5, 1),
        "Zoë Łódź <b>&amp;</b> \\n",
        Decimal("1234.50"),
        3,
        datetime(2026, 5, 1, 15, 30, tzinfo=UTC),
        True,
    ),
    ("INV-2", date(1900, 1, 1), '=HYPERLINK("x")', Decimal("2.35"), 0, None, False),
    ("INV-3", None, "+1", Decimal("-2.35"), -7, datetime(1999, 12, 31, 23, 59, tzinfo=UTC), None),
    ("INV-4", date(1900, 3, 1), "-1", Decimal("0"), None, None, None),
    ("INV-5", date(2999, 12, 31), "@SUM(A1)", None, None, None, None),
    ("INV-6", date(2026, 1, 2), "\tx\r\ny  ", Decimal("0.01"), 1, None, True),
    ("INV-7", date(2026, 1, 2), "Acme\x00\x07\x1f Ltd", Decimal("99999999.99"), 1, None, True),
]
ROW_SQL = "(%s::text, %s::date, %s::text, %s::numeric, %s::integer, %s::timestamptz, %s::boolean)"


def values_sql(rows):
    """A SELECT of the rows, in order (PostgreSQL text cannot hold NUL: it is left out, as the XLSX leaves it)."""
    rows = [tuple(value.replace("\x00", "") if isinstance(value, str) else value for value in row) for row in rows]
    sql = f"SELECT * FROM (VALUES {', '.join([ROW_SQL] * len(rows))}) AS v ORDER BY 1"  # noqa: S608 - placeholders
    return sql, [value for row in rows for value in row]


def written(rows, columns=COLUMNS, **kwargs) -> bytes:
    sql, params = values_sql(rows)
    file = io.BytesIO()
    assert write_xlsx_from_sql(sql, params, columns=columns, file=file, sheet_title="Invoices", **kwargs) == len(rows)
    return file.getvalue()


def sheet_of(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_cells_are_typed_by_column(db):
    sheet = sheet_of(written(ROWS))
    header, *rows = list(sheet.iter_rows())
    assert [cell.value for cell in header] == [column.header for column in COLUMNS]
    assert all(cell.font.b for cell in header) and not any(cell.font.b for cell in rows[0])
    assert sheet.freeze_panes == "A2" and sheet.title == "Invoices"
    assert sheet.column_dimensions["C"].width == pytest.approx(30.71)
    first = rows[0]
    assert first[1].is_date and first[1].value == datetime(2026, 5, 1) and first[1].number_format == "yyyy-mm-dd"
    assert first[2].value == "Zoë Łódź <b>&amp;</b> \\n" and first[2].data_type == "s" and not first[2].quotePrefix
    assert (first[3].value, first[3].data_type, first[3].number_format) == (1234.5, "n", "#,##0.00")
    assert (first[4].value, first[4].data_type, first[4].number_format) == (3, "n", "General")
    # a moment is shown at the company's wall-clock time
    assert first[5].value == timezone.localtime(ROWS[0][5]).replace(tzinfo=None)
    assert first[5].number_format == "yyyy-mm-dd hh:mm"
    assert (first[6].value, first[6].data_type) == (True, "b")
    # money (in cents, as the desk keeps it) as numbers; dates on both sides of Excel's 1900-02-29
    assert [row[3].value for row in rows] == [1234.5, 2.35, -2.35, 0, None, 0.01, 99999999.99]
    assert [row[1].value for row in rows] == [
        datetime(2026, 5, 1),
        datetime(1900, 1, 1),
        None,
        datetime(1900, 3, 1),
        datetime(2999, 12, 31),
        datetime(2026, 1, 2),
        datetime(2026, 1, 2),
    ]
    # NULL leaves the cell empty
    assert rows[2][1].value is None and rows[2][4].value == -7 and rows[2][6].value is None
    assert rows[3][4].value is None and rows[4][3].value is None


def test_text_a_spreadsheet_would_calculate_stays_text_with_the_quote_prefix(db):
    rows = list(sheet_of(written(ROWS)).iter_rows(min_row=2))
    for row, text in zip(rows[1:5], ['=HYPERLINK("x")', "+1", "-1", "@SUM(A1)"], strict=True):
        cell = row[2]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    tabbed = rows[5][2]
    assert (tabbed.value, tabbed.quotePrefix) == ("\tx\r\ny  ", True)  # whitespace kept, a tab first is quoted
    # no cell of the sheet is a formula
    sheet_xml = zipfile.ZipFile(io.BytesIO(written(ROWS))).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_control_characters_xml_cannot_carry_are_dropped(db):
    rows = list(sheet_of(written(ROWS)).iter_rows(min_row=2))
    assert rows[6][2].value == "Acme Ltd"


def test_text_longer_than_a_cell_holds_is_cut_as_xlsxwriter_cuts_it(db):
    long = ("Zoë " * 9000)[:36000]
    rows = [("INV-1", None, long, None, None, None, None), ("INV-2", None, "<" + long, None, None, None, None)]
    cells = [row[2].value for row in sheet_of(written(rows)).iter_rows(min_row=2)]
    assert cells == [long[:32767], ("<" + long)[:32767]]
    file = io.BytesIO()
    write_xlsx(rows, columns=COLUMNS, file=file, sheet_title="Invoices")
    assert [row[2].value for row in sheet_of(file.getvalue()).iter_rows(min_row=2)] == cells


def test_the_same_values_as_xlsxwriter_writes(db):
    ours = [[cell.value for cell in row] for row in sheet_of(written(ROWS)).iter_rows()]
    file = io.BytesIO()
    write_xlsx(values_rows(ROWS), columns=COLUMNS, file=file, sheet_title="Invoices")
    # XlsxWriter writes a return as Excel's _x000D_, which Excel reads back as a return (openpyxl does not)
    theirs = [
        [cell.value.replace("_x000D_", "\r") if isinstance(cell.value, str) else cell.value for cell in row]
        for row in sheet_of(file.getvalue()).iter_rows()
    ]
    assert ours == theirs


def values_rows(rows):
    # What PostgreSQL hands back for the same rows (its text cannot hold NUL).
    return [tuple(value.replace("\x00", "") if isinstance(value, str) else value for value in row) for row in rows]


def test_progress_reports_the_rows_written_and_the_copy_is_counted_as_a_query(db, django_assert_num_queries):
    seen = []
    with django_assert_num_queries(1):
        written(ROWS * 20, progress=seen.append)
    assert seen[-1] == len(ROWS) * 20


def test_no_rows_is_a_workbook_with_its_header_only(db):
    sql = "SELECT * FROM (VALUES ('x'::text)) AS v WHERE false"
    file = io.BytesIO()
    assert write_xlsx_from_sql(sql, [], columns=[XlsxColumn("client")], file=file, sheet_title="x") == 0
    sheet = sheet_of(file.getvalue())
    assert sheet.max_row == 1 and sheet["A1"].value == "client"


def test_column_letters():
    assert [column_letter(index) for index in (0, 11, 25, 26, 51, 52, 701, 702)] == [
        "A",
        "L",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


# Any text PostgreSQL can hold comes back exactly, less what XML 1.0 cannot carry, and never as a formula.
text = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00\ufffe\uffff"), max_size=60)


@example(value="\\N")
@example(value="\\\t\\n")
@example(value="]]> &lt; <![CDATA[ x ]]>")
@example(value=" leading and trailing ")
@example(value="=1+2\r\n")
@example(value="_x0041_ _x000d_ _x12")
@pytest.mark.fuzz
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=text)
def test_any_text_comes_back_as_written(db, value):
    row = list(sheet_of(written([("INV-1", None, value, None, None, None, None)])).iter_rows(min_row=2))[0]
    expected = XML_ILLEGAL_CHARACTERS.sub("", value)
    # Excel reads _x0041_ as "A": such text is written _x005F_x0041_, which Excel reads as written
    # (openpyxl does not undo either escape)
    assert row[2].value == (re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", expected) or None)
    if expected:
        assert row[2].data_type == "s" and row[2].quotePrefix == (expected[:1] in ("=", "+", "-", "@", "\t", "\r"))


def test_money_is_shown_with_the_built_in_format_the_styles_name():
    # The styles give money Excel's built-in number format 4, which is this format: the two must agree.
    from core.downloads import MONEY_FORMAT

    assert MONEY_FORMAT == "#,##0.00"
