"""Reading a file a distributor brings (CSV or XLSX) into a tablib Dataset, or refusing it with a clear reason.

Whatever is refused here is refused whole, before anything is stored: an empty file, one over the size
limit, bytes that are neither UTF-8 nor Windows-1252 text nor an XLSX workbook, a header row with a
name twice. Problems of one row (a formula, a date where text belongs) are the rows' own: see rows.py.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.conf import settings

from core.errors import DomainError

XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
CONTROL_BYTES_IN_TEXT = {ord("\t"), ord("\n"), ord("\r")}


class FileRefused(DomainError):
    """A file the desk cannot read as a table; the message says why and what to do."""


@dataclass
class Table:
    """The file's header row and data rows, each with the row number a spreadsheet shows it at."""

    headers: list[str]
    rows: list[list[Any]]
    lines: list[int]
    described: str
    # (index of the data row, index of the column) of every cell that holds a formula.
    formulas: set[tuple[int, int]] = field(default_factory=set)

    def dataset(self) -> tablib.Dataset:
        return tablib.Dataset(*self.rows, headers=self.headers)


def max_file_bytes() -> int:
    return settings.IMPORT_MAX_FILE_BYTES


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB".replace(".0 MB", " MB")


def read_table(*, name: str, content: bytes) -> Table:
    """Read a CSV or XLSX file's rows, or raise FileRefused naming what is wrong with it."""
    if not content.strip():
        raise FileRefused(f"{name} is empty: export the list again, with its header row and at least one row.")
    if len(content) > max_file_bytes():
        raise FileRefused(
            f"{name} is {megabytes(len(content))}; one import reads at most {megabytes(max_file_bytes())}. "
            "Split the list into smaller files."
        )
    if content.startswith(OLD_EXCEL_MAGIC):
        raise FileRefused(f"{name} is an old Excel workbook (.xls): save it as .xlsx or as CSV and choose it again.")
    if content.startswith(XLSX_MAGIC):
        table = _read_xlsx(name, content)
    else:
        table = _read_csv(name, content)
    _check_headers(name, table)
    _drop_blank_rows(table)
    if not table.rows:
        raise FileRefused(f"{name} has a header row and no rows under it.")
    if len(table.rows) > settings.IMPORT_MAX_ROWS:
        raise FileRefused(
            f"{name} has {len(table.rows):,} rows; one import reads at most {settings.IMPORT_MAX_ROWS:,}. "
            "Split the list into smaller files."
        )
    return table


def _decode(name: str, content: bytes) -> tuple[str, str]:
    """Return the text and how it was read: UTF-8 (with or without a byte order mark), else Windows-1252."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text, "UTF-8 with a byte order mark" if content.startswith(b"\xef\xbb\xbf") else "UTF-8"
    try:
        return content.decode("cp1252"), "Windows-1252 (it is not UTF-8)"
    except UnicodeDecodeError as error:
        raise FileRefused(
            f"{name} is neither UTF-8 nor Windows-1252 text (byte {error.start + 1} is 0x{content[error.start]:02x}), "
            "nor an XLSX workbook: save it as CSV (UTF-8) or as .xlsx."
        ) from error


def _read_csv(name: str, content: bytes) -> Table:
    # Control bytes mean the same in UTF-8 and Windows-1252: no text export holds them, garbage does.
    for position, byte in enumerate(content[:1_000_000]):
        if byte < 32 and byte not in CONTROL_BYTES_IN_TEXT:
            raise FileRefused(
                f"{name} is not a CSV file or an XLSX workbook: byte {position + 1} is a control character "
                f"(0x{byte:02x}). Export the list as CSV or .xlsx and choose it again."
            )
    text, encoding = _decode(name, content)
    delimiter = _sniff_delimiter(text)
    # The row a spreadsheet shows each record at: csv reads a quoted line break as part of its cell, and tablib
    # leaves blank lines out, so the numbers are counted on the same reading tablib makes.
    lines, width = [], None
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            if width is None:
                if not record:
                    raise FileRefused(f"{name} starts with a blank line: its first row must name the columns.")
                width = len(record)
            elif record:
                if len(record) > width:
                    raise FileRefused(
                        f"{name}, row {number}: it has {len(record)} cells and the header row names {width} "
                        f"columns. A value holding a {DELIMITERS[delimiter]} must be in double quotes."
                    )
                lines.append(number)
        dataset = tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    except csv.Error as error:
        raise FileRefused(f"{name} could not be read as CSV: {error}.") from error
    described = f"CSV, {encoding}, {DELIMITERS[delimiter]}-separated"
    return Table(
        headers=list(dataset.headers or []), rows=[list(row) for row in dataset], lines=lines, described=described
    )


def _sniff_delimiter(text: str) -> str:
    """Find the delimiter from the first lines: commas, or the semicolons a European Excel writes, or tabs."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        # One column, or lines the sniffer finds ambiguous: the header row's most frequent candidate decides.
        header = text.splitlines()[0] if text.splitlines() else ""
        counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ","


def _read_xlsx(name: str, content: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = f"{name} could not be read as an XLSX workbook: save it again from Excel as .xlsx, or as CSV."
    # A first pass over the formulas themselves (tablib reads the values Excel last computed for them), which
    # also stops a workbook that unpacks into far more rows than an import reads before tablib loads it all.
    formulas: set[tuple[int, int]] = set()
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        sheet = workbook.active
        if sheet is None:
            raise FileRefused(unreadable)
        for index, row in enumerate(sheet.iter_rows()):
            if index > settings.IMPORT_MAX_ROWS + 1:
                raise FileRefused(
                    f"{name} has more than {settings.IMPORT_MAX_ROWS:,} rows; one import reads at most "
                    f"{settings.IMPORT_MAX_ROWS:,}. Split the list into smaller files."
                )
            for column, cell in enumerate(row):
                if getattr(cell, "data_type", None) == "f":
                    formulas.add((index - 1, column))
        title = sheet.title
        workbook.close()
        dataset = tablib.Dataset().load(content, format="xlsx")
    except FileRefused:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise FileRefused(unreadable) from error
    headers = [_header_text(value) for value in (dataset.headers or [])]
    rows = [list(row) for row in dataset]
    return Table(
        headers=headers,
        rows=rows,
        lines=list(range(2, len(rows) + 2)),
        described=f"XLSX, sheet {title}",
        formulas=formulas,
    )


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _check_headers(name: str, table: Table) -> None:
    headers = [_header_text(header) for header in table.headers]
    if not any(headers):
        raise FileRefused(f"{name} has no header row: its first row must name the columns (see the template).")
    seen: dict[str, int] = {}
    for index, header in enumerate(headers):
        if not header:
            # A column with no name whose cells are blank too is Excel's leftover formatting; one with data
            # gets a name the column-matching step can show.
            headers[index] = f"Column {_column_letter(index)}"
            continue
        key = header.casefold()
        if key in seen:
            raise FileRefused(
                f"{name} names two columns {header} (columns {_column_letter(seen[key])} and "
                f"{_column_letter(index)}): rename or remove one."
            )
        seen[key] = index
    table.headers = headers


def _drop_blank_rows(table: Table) -> None:
    keep = [index for index, row in enumerate(table.rows) if any(_header_text(cell) for cell in row)]
    if len(keep) == len(table.rows):
        return
    renumber = {old: new for new, old in enumerate(keep)}
    table.formulas = {(renumber[row], column) for row, column in table.formulas if row in renumber}
    table.rows = [table.rows[index] for index in keep]
    table.lines = [table.lines[index] for index in keep]
