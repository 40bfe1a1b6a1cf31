"""Downloads every report offers: CSV that Excel opens as UTF-8, and XLSX with typed cells.

CSV: `csv_response` streams the text with a UTF-8 byte order mark first, unless the request asks
`?bom=0` (`bom_wanted`). Excel reads a CSV without the mark in the machine's legacy code page, so
"Zoë Łódź" arrives as "ZoÃ« ÅÃ³dÅº"; tools that compare bytes or read the first column's name may
want the plain file instead.

XLSX: `write_xlsx` writes the rows with XlsxWriter in its constant-memory mode: each row goes to a
temporary file as soon as the next one starts, so memory stays flat however many rows there are, and
the sheet is zipped at the end. It is the fastest of the Python writers measured whose files Excel
opens (benchmarks/exports.py, 100,000 rows: 7.6 s against openpyxl write-only's 10.9 s and
PyExcelerate's 12.5 s, in 15 MB where PyExcelerate takes 120 MB), though about 14 times PostgreSQL's
COPY: its cost is Python's, per cell. The Invoices Report, which may have hundreds of thousands of
rows, has PostgreSQL write its sheet's XML instead (core/xlsx_postgres.py, about 3 times the COPY).
`xlsx_response` and `xlsx_file_response` write into a spooled temporary file that FileResponse sends
in blocks: a workbook cannot be sent as it is being written, since the zip's directory comes last.
Exports too large to build in a request are written by the worker instead (reports/exports.py).

Cells are typed by column: money is a number shown with two decimals and thousands separators,
dates are dates, counts are whole numbers, and text starting with = + - @ or a tab or return (what
a spreadsheet would run as a formula) is stored as text with Excel's quote prefix, exactly as if
someone had typed it after an apostrophe: it shows unchanged, is never calculated, and stays text
when the cell is edited. The CSV quotes such text with a leading apostrophe instead, since a CSV
cell has no type to carry.
"""

import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any, Literal

import xlsxwriter
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_SIGNS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Up to this size the finished workbook stays in memory; beyond it the file goes to disk.
XLSX_SPOOL_BYTES = 8 * 1024 * 1024


# --- CSV ----------------------------------------------------------------------------------------


def spreadsheet_safe(text: str) -> str:
    """Quote text a spreadsheet would run as a formula (= + - @ tab return first) with an apostrophe."""
    return f"'{text}" if text[:1] in FORMULA_SIGNS else text


def bom_wanted(request: HttpRequest) -> bool:
    """Whether the CSV starts with a byte order mark: yes unless the URL says ?bom=0."""
    params = getattr(request, "query_params", request.GET)  # a DRF request or a Django one
    return params.get("bom", "1").strip().lower() not in ("0", "false", "no")


def csv_response(chunks: Iterable[str], *, filename: str, bom: bool = True) -> StreamingHttpResponse:
    """Stream CSV text as an attachment, with a UTF-8 byte order mark first unless bom is False."""

    def body() -> Iterator[str]:
        if bom:
            yield BOM
        yield from chunks

    response = StreamingHttpResponse(body(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- XLSX ---------------------------------------------------------------------------------------

ColumnKind = Literal["text", "money", "date", "datetime", "integer", "boolean"]


@dataclass(frozen=True)
class XlsxColumn:
    """A column of an XLSX download: its header and how its cells are typed and shown."""

    header: str
    kind: ColumnKind = "text"
    width: float | None = None


# Control characters XML 1.0 cannot carry (tab, line feed and return it can); dropped from text cells.
XML_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

CellWriter = Callable[[int, int, Any], Any]


def _local_naive(value: datetime) -> datetime:
    # Excel has no time zones: a moment is written as the company's wall-clock time.
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def _cell_writer(workbook: Any, sheet: Any, kind: ColumnKind) -> CellWriter:
    """How one column's values are written: each kind its own typed XlsxWriter call and number format."""
    if kind == "money":
        money = workbook.add_format({"num_format": MONEY_FORMAT})
        return lambda row, col, value: sheet.write_number(row, col, float(value), money)
    if kind == "date":
        day = workbook.add_format({"num_format": DATE_FORMAT})

        def write_date(row: int, col: int, value: date) -> Any:
            return sheet.write_datetime(row, col, value.date() if isinstance(value, datetime) else value, day)

        return write_date
    if kind == "datetime":
        moment = workbook.add_format({"num_format": DATETIME_FORMAT})
        return lambda row, col, value: sheet.write_datetime(row, col, _local_naive(value), moment)
    if kind == "integer":
        return lambda row, col, value: sheet.write_number(row, col, int(value))
    if kind == "boolean":
        return lambda row, col, value: sheet.write_boolean(row, col, bool(value))
    # Text is written with write_string, which never makes a formula of it; text a spreadsheet would
    # run as one also gets Excel's quote prefix, so it stays text when someone edits the cell.
    quoted = workbook.add_format({"quote_prefix": True})
    write_string = sheet.write_string

    def write_text(row: int, col: int, value: Any) -> Any:
        text = value if isinstance(value, str) else str(value)
        if XML_ILLEGAL_CHARACTERS.search(text):
            text = XML_ILLEGAL_CHARACTERS.sub("", text)
        if text[:1] in FORMULA_SIGNS:
            return write_string(row, col, text, quoted)
        return write_string(row, col, text)

    return write_text


def write_xlsx(
    rows: Iterable[Sequence[Any]],
    *,
    columns: Sequence[XlsxColumn],
    file: str | IO[bytes],
    sheet_title: str,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 5000,
) -> int:
    """Write a header row in bold and the rows, typed by column, as an XLSX workbook into file; return the rows.

    `progress`, if given, is called with the rows written so far every `progress_every` rows.
    """
    workbook = xlsxwriter.Workbook(file, {"constant_memory": True})
    sheet = workbook.add_worksheet(sheet_title[:31])  # Excel's limit on a sheet's name
    for index, column in enumerate(columns):
        width = column.width or max(len(column.header) + 2, 12 if column.kind in ("money", "date") else 10)
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    bold = workbook.add_format({"bold": True})
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.header, bold)
    writers = [_cell_writer(workbook, sheet, column.kind) for column in columns]
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - count is the rows written
        for col, (write, value) in enumerate(zip(writers, row, strict=True)):
            if value is not None:
                write(count, col, value)
        if progress is not None and count % progress_every == 0:
            progress(count)
    workbook.close()
    return count


def xlsx_response(
    rows: Iterable[Sequence[Any]], *, columns: Sequence[XlsxColumn], filename: str, sheet_title: str
) -> FileResponse:
    """Build the rows into an XLSX workbook in a temporary file and send it as an attachment."""
    return xlsx_file_response(
        lambda file: write_xlsx(rows, columns=columns, file=file, sheet_title=sheet_title), filename=filename
    )


def xlsx_file_response(write: Callable[[IO[bytes]], Any], *, filename: str) -> FileResponse:
    """Send as an attachment the XLSX workbook that write(file) writes into a temporary file."""
    file = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    try:
        write(file)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def today_filename(stem: str, extension: str) -> str:
    """A download's file name with today's date in the company's time zone: stem-2026-05-01.csv."""
    return f"{stem}-{timezone.localdate().isoformat()}.{extension}"
