"""Downloads every report offers: CSV that Excel opens as UTF-8, and XLSX with typed cells.

CSV: `csv_response` streams the text with a UTF-8 byte order mark first, unless the request asks
`?bom=0` (`bom_wanted`). Excel reads a CSV without the mark in the machine's legacy code page, so
"Zoë Łódź" arrives as "ZoÃ« ÅÃ³dÅº"; tools that compare bytes or read the first column's name may
want the plain file instead.

XLSX: `xlsx_response` writes rows into an openpyxl write-only workbook, which keeps only the row in
hand in memory (openpyxl spools the sheet's XML to a temporary file), then saves the zip into a
spooled temporary file that FileResponse sends in blocks. A workbook cannot be sent as it is being
written (the zip's directory comes last and openpyxl writes the sheet before zipping it), which is
also why openpyxl's own documentation points to a temporary file for a web response.

Cells are typed by column: money is a number shown with two decimals and thousands separators,
dates are dates, counts are whole numbers, and text starting with = + - @ or a tab or return (what
a spreadsheet would run as a formula) is stored as text with Excel's quote prefix, exactly as if
someone had typed it after an apostrophe: it shows unchanged, is never calculated, and stays text
when the cell is edited. The CSV quotes such text with a leading apostrophe instead, since a CSV
cell has no type to carry.
"""

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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


def _text_cell(sheet) -> Any:
    def convert(value: Any) -> Any:
        if value is None:
            return None
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters XML cannot carry
        if text[:1] not in FORMULA_SIGNS:
            return text
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # openpyxl makes "=..." a formula; this one is text
        cell.quotePrefix = True
        return cell

    return convert


def _formatted_cell(sheet, number_format: str, prepare=lambda value: value) -> Any:
    # One styled cell per column, given each row's value in turn: openpyxl writes a row's cells out
    # before the next row is appended, and making a styled cell per value costs more than the rest.
    cell = WriteOnlyCell(sheet)
    cell.number_format = number_format

    def convert(value: Any) -> Any:
        if value is None:
            return None
        cell.value = prepare(value)
        return cell

    return convert


def _local_naive(value: datetime) -> datetime:
    # Excel has no time zones: a moment is written as the company's wall-clock time.
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def _converter(sheet, kind: ColumnKind):
    if kind == "money":
        return _formatted_cell(sheet, MONEY_FORMAT, lambda value: Decimal(value))
    if kind == "date":
        return _formatted_cell(sheet, DATE_FORMAT, lambda value: value.date() if isinstance(value, datetime) else value)
    if kind == "datetime":
        return _formatted_cell(sheet, DATETIME_FORMAT, _local_naive)
    if kind == "integer":
        return lambda value: None if value is None else int(value)
    if kind == "boolean":
        return lambda value: None if value is None else bool(value)
    return _text_cell(sheet)


def write_xlsx(rows: Iterable[Sequence[Any]], *, columns: Sequence[XlsxColumn], file, sheet_title: str) -> int:
    """Write a header row in bold and the rows, typed by column, as an XLSX workbook into file; return the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])  # Excel's limit on a sheet's name
    for index, column in enumerate(columns, start=1):
        width = column.width or max(len(column.header) + 2, 12 if column.kind in ("money", "date") else 10)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    converters = [_converter(sheet, column.kind) for column in columns]
    count = 0
    for row in rows:
        sheet.append([convert(value) for convert, value in zip(converters, row, strict=True)])
        count += 1
    workbook.save(file)
    return count


def xlsx_response(
    rows: Iterable[Sequence[Any]], *, columns: Sequence[XlsxColumn], filename: str, sheet_title: str
) -> FileResponse:
    """Build the rows into an XLSX workbook in a temporary file and send it as an attachment."""
    file = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    try:
        write_xlsx(rows, columns=columns, file=file, sheet_title=sheet_title)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def today_filename(stem: str, extension: str) -> str:
    """A download's file name with today's date in the company's time zone: stem-2026-05-01.csv."""
    return f"{stem}-{timezone.localdate().isoformat()}.{extension}"
