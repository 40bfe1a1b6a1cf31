"""The shared download helpers: CSV with or without a byte order mark, and XLSX with typed cells."""

import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

from django.test import RequestFactory
from openpyxl import load_workbook

from core.downloads import (
    BOM,
    XLSX_CONTENT_TYPE,
    XlsxColumn,
    bom_wanted,
    csv_response,
    spreadsheet_safe,
    write_xlsx,
    xlsx_response,
)

COLUMNS = [
    XlsxColumn("number"),
    XlsxColumn("date", "date"),
    XlsxColumn("client"),
    XlsxColumn("total", "money"),
    XlsxColumn("quantity", "integer"),
    XlsxColumn("sent at", "datetime"),
    XlsxColumn("overdue", "boolean"),
]


def read_back(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_csv_starts_with_a_byte_order_mark_unless_told_not_to():
    with_bom = csv_response(iter(["name\r\n", "Zoë Łódź\r\n"]), filename="x.csv")
    body = b"".join(with_bom.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf") and body.decode("utf-8-sig") == "name\r\nZoë Łódź\r\n"
    assert with_bom["Content-Type"] == "text/csv; charset=utf-8"
    assert with_bom["Content-Disposition"] == 'attachment; filename="x.csv"'
    without = csv_response(iter(["name\r\n"]), filename="x.csv", bom=False)
    assert b"".join(without.streaming_content) == b"name\r\n"


def test_bom_is_wanted_unless_the_url_says_bom_0():
    factory = RequestFactory()
    assert bom_wanted(factory.get("/r/")) is True
    assert bom_wanted(factory.get("/r/?bom=1")) is True
    assert bom_wanted(factory.get("/r/?bom=0")) is False
    assert bom_wanted(factory.get("/r/?bom=false")) is False


def test_spreadsheet_safe_quotes_what_a_spreadsheet_would_calculate():
    assert [spreadsheet_safe(text) for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "Acme")] == [
        "'=1+2",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "Acme",
    ]
    assert BOM == "\ufeff"


def test_xlsx_types_every_cell_by_its_column_and_bolds_the_header():
    file = io.BytesIO()
    rows = [
        ("INV-1", date(2026, 3, 4), "Acme", Decimal("1234.50"), 3, datetime(2026, 3, 4, 15, 30, tzinfo=UTC), True),
        ("INV-2", None, "Zoë Łódź 北京", Decimal("-7.25"), None, None, False),
    ]
    assert write_xlsx(rows, columns=COLUMNS, file=file, sheet_title="Invoices") == 2
    sheet = read_back(file.getvalue())
    assert sheet.title == "Invoices"
    header, first, second = list(sheet.iter_rows())
    assert [cell.value for cell in header] == ["number", "date", "client", "total", "quantity", "sent at", "overdue"]
    assert all(cell.font.b for cell in header)
    assert not first[0].font.b
    assert first[1].value == datetime(2026, 3, 4) and first[1].is_date and first[1].number_format == "yyyy-mm-dd"
    assert first[3].value == 1234.5 and first[3].data_type == "n" and first[3].number_format == "#,##0.00"
    assert first[4].value == 3 and first[4].data_type == "n"
    assert first[5].is_date and first[5].number_format == "yyyy-mm-dd hh:mm"
    assert first[6].value is True
    assert second[2].value == "Zoë Łódź 北京"
    assert second[3].value == -7.25
    assert second[1].value is None and second[4].value is None and second[6].value is False
    assert sheet.freeze_panes == "A2"


def test_xlsx_keeps_formula_looking_text_as_text_never_a_formula():
    file = io.BytesIO()
    texts = ['=HYPERLINK("http://evil.example","Click")', "+1-2", "-5", "@SUM(A1)", "\tTabbed", "Plain"]
    write_xlsx([(text,) for text in texts], columns=[XlsxColumn("client")], file=file, sheet_title="x")
    cells = [row[0] for row in read_back(file.getvalue()).iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == texts
    assert [cell.data_type for cell in cells] == ["s"] * len(texts)  # "f" would be a formula
    assert [cell.quotePrefix for cell in cells] == [True] * 5 + [False]
    assert b"<f>" not in _sheet_xml(file.getvalue())


def test_xlsx_drops_control_characters_xml_cannot_carry():
    file = io.BytesIO()
    write_xlsx([("Acme\x00\x07 Ltd",)], columns=[XlsxColumn("client")], file=file, sheet_title="x")
    assert read_back(file.getvalue())["A2"].value == "Acme Ltd"


def test_xlsx_response_is_an_attachment_with_the_whole_workbook(db):  # closing a response closes connections
    response = xlsx_response(
        [("INV-1", date(2026, 1, 2), "Acme", Decimal("5.00"), 1, None, False)],
        columns=COLUMNS,
        filename="report-2026-01-02.xlsx",
        sheet_title="Report",
    )
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="report-2026-01-02.xlsx"'
    data = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(data)
    assert read_back(data)["A2"].value == "INV-1"
    spooled = response.file_to_stream
    response.close()
    assert spooled.closed  # the temporary file goes with the response


def _sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")
