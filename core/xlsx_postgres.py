"""XLSX whose worksheet rows PostgreSQL writes: a COPY of the rows as XML, zipped as it arrives.

A writer in Python spends its time per cell (XlsxWriter's constant-memory mode took 14 times
PostgreSQL's COPY of the same rows at 100,000 invoices). Here the SELECT that reads the rows also
formats each one as the worksheet's `<row>` element, and `COPY (...) TO STDOUT` hands the text over
block by block; Python only appends it to the sheet's member of the zip, deflated at level 1. The
other parts of the workbook (content types, relationships, the workbook, its styles, the sheet's
head with the header row, the frozen pane and the column widths, and its tail) are a few fixed
strings written by `write_xlsx_from_sql` below.

Cells are typed by column as `core.downloads.write_xlsx` types them:

- text: an inline string, XML-escaped, control characters XML cannot carry dropped; tab, line feed,
  return and backslash written as character references (so that COPY's text format, which escapes
  those, leaves every row as it is). An inline string is never a formula; text a spreadsheet would
  run as one (starting with = + - @, a tab or a return) also gets Excel's quote prefix, so it stays
  text when someone edits the cell. Text holding _x and four hex digits and _ (Excel's own escape of
  a character, _x000D_ for a return) has its _ written _x005F_, so Excel shows it as written. One
  regular expression per row tells the rows whose text needs none of this (most): theirs is copied.
- money: a number (numeric, already in cents as the desk keeps money), shown as #,##0.00.
- date: the day's serial number (days since 1899-12-30), shown as yyyy-mm-dd; datetime: the moment
  at the company's wall-clock time (settings.TIME_ZONE), shown as yyyy-mm-dd hh:mm.
- integer: a whole number; boolean: TRUE or FALSE.

NULL or empty text leaves the cell empty. Memory stays flat: rows go from the socket to the deflater
in blocks of about a megabyte. The file is written into a seekable file (the zip's directory comes
last); a sheet of more than 2 GB of XML (some 3 million rows) would need zip64, and zipfile refuses it.
"""

import zipfile
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from html import escape
from typing import IO, Any

from django.conf import settings
from django.db import connections

from core.downloads import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    FORMULA_SIGNS,
    XlsxColumn,
)

# Deflate level 1: about three times faster than the default level 6 for a file about 15% larger.
COMPRESS_LEVEL = 1
FLUSH_BYTES = 1024 * 1024
# The most characters a cell holds in Excel.
CELL_TEXT_LIMIT = 32767

# The cellXfs of STYLES, by name.
STYLE_BOLD, STYLE_MONEY, STYLE_DATE, STYLE_DATETIME, STYLE_QUOTED = 1, 2, 3, 4, 5

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = (
    XML_DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    XML_DECLARATION + f'<Relationships xmlns="{PACKAGE_REL_NS}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    XML_DECLARATION + f'<Relationships xmlns="{PACKAGE_REL_NS}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL_NS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_XF = '<xf numFmtId="{}" fontId="{}" fillId="0" borderId="0" xfId="0"{}/>'
STYLES = (
    XML_DECLARATION + f'<styleSheet xmlns="{MAIN_NS}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{escape(DATE_FORMAT)}"/>'
    f'<numFmt numFmtId="165" formatCode="{escape(DATETIME_FORMAT)}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    + _XF.format(0, 0, "")
    + _XF.format(0, 1, ' applyFont="1"')
    + _XF.format(4, 0, ' applyNumberFormat="1"')  # 4 is Excel's built-in #,##0.00
    + _XF.format(164, 0, ' applyNumberFormat="1"')
    + _XF.format(165, 0, ' applyNumberFormat="1"')
    + _XF.format(0, 0, ' quotePrefix="1"')
    + "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0"/>'
    "</styleSheet>"
)
# STYLES shows money with Excel's built-in format 4, which is core.downloads.MONEY_FORMAT (a test checks it).

# Characters XML 1.0 cannot carry (PostgreSQL's regular expressions read \xHH).
_ILLEGAL = r"[\x01-\x08\x0b\x0c\x0e-\x1f]"
# What needs more than copying: markup, COPY's escapes (backslash, tab, line feed, return), characters
# XML cannot carry, a space at either end (which needs xml:space="preserve"), and _x + 4 hex digits + _,
# which Excel would read as its own escape of a character (_x000D_ is a return): its _ is written _x005F_.
_NEEDS_ESCAPING = r"[&<>\\\x01-\x1f]|^ | $|_x[0-9A-Fa-f]{4}_"
# The same over a row's text joined by "|".
_ROW_NEEDS_ESCAPING = r"[&<>\\\x01-\x1f]|^ | $| \||\| |_x[0-9A-Fa-f]{4}_"
_ESCAPES = [
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ("\\", "&#92;"),
    ("\t", "&#9;"),
    ("\n", "&#10;"),
    ("\r", "&#13;"),
]


def column_letter(index: int) -> str:
    """A 0-based column index as Excel's letters: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _escaped_sql(text: str) -> str:
    """SQL for `text` (SQL, free of control characters XML cannot carry) as XML character data that
    COPY's text format leaves alone."""
    text = f"regexp_replace({text}, '_(x[0-9A-Fa-f]{{4}}_)', '_x005F_\\1', 'g')"
    for character, reference in _ESCAPES:
        character_sql = f"chr({ord(character)})" if character in "\\\t\n\r" else f"'{character}'"
        text = f"replace({text}, {character_sql}, '{reference}')"
    return text


def _serial_day(day: str) -> str:
    # Excel counts 1900-02-29, a day that never was: from March 1900 on, days since 1899-12-30.
    return f"({day} - CASE WHEN {day} < DATE '1900-03-01' THEN DATE '1899-12-31' ELSE DATE '1899-12-30' END)"


def _signs_sql(signs: Sequence[str]) -> str:
    return ", ".join(f"chr({ord(sign)})" if sign < " " else _sql_text(sign) for sign in signs)


def _text_cell_sql(name: str, ref: str, *, clean: bool) -> str:
    """SQL for a text cell; NULL (no cell) when the text is NULL or empty.

    `clean`: the row is known to hold no text that needs more than copying, so the text is copied.
    Otherwise each value is checked: text with markup, a backslash, a control character or a space at
    either end is cleaned, escaped and marked xml:space="preserve"; text longer than a cell holds
    is cut to CELL_TEXT_LIMIT characters, as XlsxWriter cuts it.
    """
    cell = f"'<c r=\"{ref}', n, '\" t=\"inlineStr\"'"
    quoted = f"' s=\"{STYLE_QUOTED}\"'"
    plain_signs = [sign for sign in FORMULA_SIGNS if sign >= " "]  # the others need escaping anyway
    copied = (
        f"concat({cell}, CASE WHEN left({name}, 1) IN ({_signs_sql(plain_signs)}) THEN {quoted} END, "
        f"'><is><t>', {name}, '</t></is></c>')"
    )
    if clean:
        return f"CASE WHEN {name} <> '' THEN {copied} END"
    cleaned = f"left(regexp_replace({name}, '{_ILLEGAL}', '', 'g'), {CELL_TEXT_LIMIT})"
    return (
        f"CASE WHEN {name} = '' OR {name} IS NULL THEN NULL "
        f"WHEN {name} !~ '{_NEEDS_ESCAPING}' AND length({name}) <= {CELL_TEXT_LIMIT} THEN {copied} "
        f"WHEN {cleaned} = '' THEN NULL "
        f"ELSE concat({cell}, CASE WHEN left({cleaned}, 1) IN ({_signs_sql(FORMULA_SIGNS)}) THEN {quoted} END, "
        f"'><is><t xml:space=\"preserve\">', {_escaped_sql(cleaned)}, '</t></is></c>') END"
    )


def _cell_sql(name: str, ref: str, kind: str, *, clean: bool) -> str:
    """SQL for one cell of a row (`n` is the row's number as text); NULL when the value is NULL."""
    if kind == "text":
        return _text_cell_sql(f"{name}::text", ref, clean=clean)
    cell = f"'<c r=\"{ref}', n, '\"'"
    if kind == "money":  # numeric in cents already, as the desk keeps money
        value, style = f"{name}::numeric", f' s="{STYLE_MONEY}"'
    elif kind == "date":
        value, style = _serial_day(f"{name}::date"), f' s="{STYLE_DATE}"'
    elif kind == "datetime":
        wall_clock = f"({name} AT TIME ZONE {_sql_text(settings.TIME_ZONE)})"
        day = f"{wall_clock}::date"
        value = f"{_serial_day(day)} + round(extract(epoch FROM {wall_clock} - {day}) / 86400, 10)"
        style = f' s="{STYLE_DATETIME}"'
    elif kind == "integer":
        value, style = f"{name}::bigint", ""
    elif kind == "boolean":
        value, style = f"CASE WHEN {name} THEN 1 ELSE 0 END", ' t="b"'
    else:
        raise ValueError(f"Unknown column kind: {kind}")
    return f"CASE WHEN {name} IS NOT NULL THEN concat({cell}, '{style}><v>', {value}, '</v></c>') END"


def sheet_rows_sql(select_sql: str, columns: Sequence[XlsxColumn]) -> str:
    """A SELECT of one text column: each row of `select_sql` (its columns in the order of `columns`,
    its rows in the sheet's order) as the worksheet's <row> element, numbered from 2 (1 is the header).

    Each row is one concat() of its cells (a NULL cell is left out), not a chain of || that would
    copy the growing row once per piece. One regular expression over the row's text joined by "|"
    decides whether any of it needs escaping (a "|" next to a space may send a clean row to the
    careful branch, never the other way round); most rows do not, and their text is copied.
    """
    names = [f"c{index}" for index in range(len(columns))]
    texts = [f"{name}::text" for name, column in zip(names, columns, strict=True) if column.kind == "text"]

    def row(*, clean: bool) -> str:
        cells = ", ".join(
            _cell_sql(name, column_letter(index), column.kind, clean=clean)
            for index, (name, column) in enumerate(zip(names, columns, strict=True))
        )
        return f"concat('<row r=\"', n, '\">', {cells}, '</row>')"

    rows = row(clean=False)
    if texts:
        joined = f"concat_ws('|', {', '.join(texts)})"
        # (a row of at most CELL_TEXT_LIMIT bytes of text has no cell longer than that)
        clean = f"{joined} !~ '{_ROW_NEEDS_ESCAPING}' AND octet_length({joined}) <= {CELL_TEXT_LIMIT}"
        rows = f"CASE WHEN {clean} THEN {row(clean=True)} ELSE {rows} END"
    # Only the caller's SELECT and this module's own SQL: no value is written into the statement.
    return (
        f"SELECT {rows} FROM ("  # noqa: S608  # nosec B608 (no value in it)
        f"SELECT numbered.*, (row_number() OVER () + 1)::text AS n "
        f"FROM ({select_sql}) AS numbered({', '.join(names)})) AS sheet_rows"
    )


def _sheet_head(columns: Sequence[XlsxColumn]) -> str:
    widths = "".join(
        f'<col min="{index}" max="{index}" width="{_width(column):.2f}" customWidth="1"/>'
        for index, column in enumerate(columns, start=1)
    )
    header = "".join(
        f'<c r="{column_letter(index)}1" t="inlineStr" s="{STYLE_BOLD}"><is><t>{escape(column.header)}</t></is></c>'
        for index, column in enumerate(columns)
    )
    return (
        XML_DECLARATION + f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData><row r="1">{header}</row>\n'
    )


SHEET_TAIL = (
    '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
)


def _width(column: XlsxColumn) -> float:
    # As core.downloads.write_xlsx sizes them, plus the cell padding XlsxWriter adds.
    width = column.width or max(len(column.header) + 2, 12 if column.kind in ("money", "date") else 10)
    return width + 0.71


def _workbook(sheet_title: str) -> str:
    return (
        XML_DECLARATION + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        "<bookViews><workbookView/></bookViews>"
        f'<sheets><sheet name="{escape(sheet_title[:31])}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def write_xlsx_from_sql(
    sql: str,
    params: Sequence[Any],
    *,
    columns: Sequence[XlsxColumn],
    file: str | IO[bytes],
    sheet_title: str,
    using: str = "default",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the rows of the SELECT `sql` (PostgreSQL only; psycopg's %s placeholders, as Django's
    sql_with_params() gives them, bound to `params`) as an XLSX workbook into file; return the rows.

    The SELECT returns the columns in the order of `columns` and its rows in the sheet's order.
    `progress`, if given, is called with the rows written so far after each block (about a megabyte).
    """
    statement = f"COPY ({sheet_rows_sql(sql, columns)}) TO STDOUT"
    rows = 0
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook(sheet_title))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet, connections[using].cursor() as cursor:
            sheet.write(_sheet_head(columns).encode())
            buffer = bytearray()
            # Counted and timed like any query where Django logs them (DEBUG, assertNumQueries).
            logged = cursor.debug_sql(statement, params) if hasattr(cursor, "debug_sql") else nullcontext()
            with logged, cursor.cursor.copy(statement, params) as copy:
                for block in copy:
                    buffer += block
                    if len(buffer) >= FLUSH_BYTES:
                        rows += buffer.count(b"\n")
                        sheet.write(buffer)
                        buffer.clear()
                        if progress is not None:
                            progress(rows)
            rows += buffer.count(b"\n")
            sheet.write(buffer)
            sheet.write(SHEET_TAIL.encode())
    if progress is not None:
        progress(rows)
    return rows
