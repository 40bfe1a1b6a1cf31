"""Bad files get a clear message and change nothing: each way a file a distributor brings can be wrong."""

import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from imports.reading import FileRefused, read_table
from projects.models import Client


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Customers"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refusal(content: bytes, name: str = "clients.csv") -> str:
    with pytest.raises(FileRefused) as refused:
        read_table(name=name, content=content)
    return str(refused.value)


def test_utf8_with_or_without_a_byte_order_mark_reads_the_same_and_says_which():
    text = "Customer,Email\nCafé Nord,ap@nord.example.com\n"
    plain = read_table(name="c.csv", content=text.encode("utf-8"))
    marked = read_table(name="c.csv", content=b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert plain.headers == marked.headers == ["Customer", "Email"]
    assert plain.rows == marked.rows == [["Café Nord", "ap@nord.example.com"]]
    assert plain.described == "CSV, UTF-8, comma-separated"
    assert marked.described == "CSV, UTF-8 with a byte order mark, comma-separated"


def test_windows_1252_bytes_are_read_as_windows_1252_and_the_preview_says_so():
    table = read_table(name="c.csv", content="Customer,Email\nCafé Nord – Süd,ap@nord.example.com\n".encode("cp1252"))
    assert table.rows == [["Café Nord – Süd", "ap@nord.example.com"]]
    assert table.described == "CSV, Windows-1252 (it is not UTF-8), comma-separated"


def test_semicolons_are_sniffed_and_quoted_line_breaks_keep_the_spreadsheet_row_numbers():
    content = b'Customer;Email;Bill to\n"Nord; Sud";a@x.example.com;"1 Main St\nPortland"\n\nBeta;b@x.example.com;\n'
    table = read_table(name="c.csv", content=content)
    assert table.described.endswith("semicolon-separated")
    assert table.rows == [["Nord; Sud", "a@x.example.com", "1 Main St\nPortland"], ["Beta", "b@x.example.com", ""]]
    # Row 2 spans two lines; the blank line is row 3, as a spreadsheet opening the file shows it.
    assert table.lines == [2, 4]


@pytest.mark.parametrize("content", [b"", b"  \r\n\n"], ids=["no bytes", "blank lines"])
def test_an_empty_file_is_refused(content):
    assert refusal(content) == (
        "clients.csv is empty: export the list again, with its header row and at least one row."
    )


def test_a_header_row_alone_is_refused():
    assert refusal(b"Customer,Email\n\n") == "clients.csv has a header row and no rows under it."


def test_ten_megabytes_of_garbage_are_refused_by_size_before_anything_is_read(settings):
    garbage = bytes(range(256)) * (10_000_000 // 256 + 1)
    assert refusal(garbage) == (
        "clients.csv is 10 MB; one import reads at most 10 MB. Split the list into smaller files."
    )


def test_binary_garbage_under_the_limit_is_not_taken_for_a_csv():
    message = refusal(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)))
    assert message.startswith("clients.csv is not a CSV file or an XLSX workbook: byte ")
    assert message.endswith("Export the list as CSV or .xlsx and choose it again.")


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_naming_the_byte():
    assert refusal(b"Customer\n\x81\x8d\x90\n") == (
        "clients.csv is neither UTF-8 nor Windows-1252 text (byte 10 is 0x81), nor an XLSX workbook: "
        "save it as CSV (UTF-8) or as .xlsx."
    )


def test_an_old_excel_workbook_and_a_broken_xlsx_are_refused():
    assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "c.xls") == (
        "c.xls is an old Excel workbook (.xls): save it as .xlsx or as CSV and choose it again."
    )
    assert refusal(b"PK\x03\x04 not really a zip", "c.xlsx") == (
        "c.xlsx could not be read as an XLSX workbook: save it again from Excel as .xlsx, or as CSV."
    )


def test_a_column_named_twice_and_a_row_longer_than_the_header_are_refused():
    assert refusal(b"Customer,Email,email\nA,a@x.example.com,b@x.example.com\n") == (
        "clients.csv names two columns email (columns B and C): rename or remove one."
    )
    assert refusal(b"Customer,Email\nA,a@x.example.com\nB, Inc,b@x.example.com\n") == (
        "clients.csv, row 3: it has 3 cells and the header row names 2 columns. "
        "A value holding a comma must be in double quotes."
    )


def test_xlsx_keeps_dates_and_numbers_as_cells_and_finds_the_formulas():
    content = xlsx(
        [
            ["Customer", "Email", "Terms", "Customer ID"],
            ["Nord", '=LOWER("AP@NORD.EXAMPLE.COM")', 30, datetime(2026, 3, 4)],
            [None, None, None, None],
            ["Sud", "ap@sud.example.com", "Net 45", 1042],
        ]
    )
    table = read_table(name="c.xlsx", content=content)
    assert table.described == "XLSX, sheet Customers"
    assert table.headers == ["Customer", "Email", "Terms", "Customer ID"]
    assert table.rows[0][2] == 30 and table.rows[0][3] == datetime(2026, 3, 4)
    assert table.rows[1] == ["Sud", "ap@sud.example.com", "Net 45", 1042]
    # The blank row 3 is left out and row 4 keeps its number; the formula is on data row 0, column B.
    assert table.lines == [2, 4]
    assert table.formulas == {(0, 1)}


@pytest.mark.django_db
def test_a_refused_file_writes_nothing(manager):
    from imports.kinds import KINDS
    from imports.services import import_upload

    with pytest.raises(FileRefused):
        import_upload(kind=KINDS["clients"], file_name="c.csv", content=b"", by=manager)
    from imports.models import ImportRun

    assert not ImportRun.objects.exists()
    assert not Client.objects.exists()
