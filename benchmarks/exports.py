"""Measure the Invoices Report's downloads at 100,000 invoices: CSV and XLSX writers against PostgreSQL's COPY.

    .venv/bin/python benchmarks/exports.py [--database-url URL] [--invoices 100000] [--runs 3] [--refill]

Fills the PostgreSQL database with `seed_demo --invoices N` (once; --refill starts it afresh), then
measures every candidate over the report's rows (every invoice, the report's default order), each run
in a fresh Python process of its own so that its peak memory is its own:

- **COPY**: PostgreSQL alone: `COPY (the export's SELECT) TO STDOUT WITH (FORMAT csv)`, every block
  read on a plain psycopg connection. The yardstick: no Python touches a row.
- **CSV (the desk's)**: `reports.invoice_report_exports.invoice_report_csv`, the generator the
  download streams, each chunk encoded to UTF-8 as the response does; the bytes are counted and dropped.
- **XLSX, PostgreSQL writes the rows (the desk's)**: `reports.invoice_report_exports.write_invoice_report_xlsx`
  on PostgreSQL, i.e. `core.xlsx_postgres.write_xlsx_from_sql`: one `COPY (SELECT …) TO STDOUT` whose
  rows are the worksheet's `<row>` elements (typed cells, escaped text, the quote prefix), appended to
  the zip's sheet as they arrive and deflated at level 1, into a temporary file.
- **XLSX, XlsxWriter constant_memory (the desk's before)**: `core.downloads.write_xlsx` over
  `invoice_report_xlsx_rows`, the typed rows (dates, money, the quote prefix), into a temporary file.
- **XLSX, openpyxl write-only**: the writer the desk used before, same rows and cell types.
- **XLSX, XlsxWriter default mode** (the whole sheet in memory until saved), **PyExcelerate**
  (a workbook built in memory, then written) and **rustpy-xlsxwriter** (Rust's rust_xlsxwriter
  behind Python bindings, fed the rows as dicts) when they are installed: other writers. Neither of
  the last two is a dependency of the desk; `PYTHONPATH=dir` with them installed there (`pip install
  --target dir pyexcelerate jinja2 rustpy-xlsxwriter`) measures them.

Each figure is the median of --runs; peak memory growth is the process's high-water mark (VmHWM)
during the export less its resident size just before it. Prints a table of times, ratios to COPY and
memory, and writes it to benchmarks/results/exports.md. Targets: CSV ≤ 1.5× COPY, XLSX ≤ 4× COPY.
"""

import argparse
import importlib.util
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "benchmarks" / "results" / "exports.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bd_bench"

TARGET_CSV_RATIO = 1.5
TARGET_XLSX_RATIO = 4.0

# name: (label, whether it is what the desk uses)
CANDIDATES = {
    "copy": ("PostgreSQL COPY (the same SELECT) TO STDOUT, CSV", False),
    "csv": ("CSV, the desk's streamed download (csv module, server-side cursor)", True),
    "xlsx_postgres": ("XLSX, PostgreSQL writes the rows' XML, zipped at level 1 (the desk's)", True),
    "xlsxwriter": ("XLSX, XlsxWriter constant_memory (the desk's before)", False),
    "openpyxl": ("XLSX, openpyxl write-only", False),
    "xlsxwriter_default": ("XLSX, XlsxWriter default mode (sheet held in memory)", False),
    "pyexcelerate": ("XLSX, PyExcelerate (workbook held in memory)", False),
    "rustpy": ("XLSX, rustpy-xlsxwriter (rust_xlsxwriter bindings, rows as dicts)", False),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--refill", action="store_true", help="Drop the database and fill it again.")
    parser.add_argument("--runs", type=int, default=3, help="Runs of each candidate (the median is reported).")
    parser.add_argument("--only", nargs="*", choices=list(CANDIDATES), help="Measure only these candidates.")
    parser.add_argument("--measure", choices=list(CANDIDATES), help=argparse.SUPPRESS)  # one run, in a child
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument(
        "--flat-memory",
        type=int,
        metavar="ROWS",
        help="Only write ROWS synthetic invoice rows (generate_series) with the desk's XLSX writer and print "
        "its time and peak memory growth.",
    )
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    if args.flat_memory:
        os.environ.setdefault("DATABASE_URL", args.database_url)
        figure = measure("xlsx_postgres_synthetic", rows=args.flat_memory)
        print(
            f"XLSX, PostgreSQL writes the rows' XML: {figure['rows']:,} synthetic rows (every client's name with "
            f"an & to escape) in {figure['seconds']:.1f} s, {figure['bytes'] / 1024 / 1024:.1f} MB, "
            f"peak memory growth {figure['memory_mb']:.1f} MB; load average {os.getloadavg()[0]:.1f}"
        )
        return 0

    bench_reports = _load_reports_benchmark()
    environment = bench_reports.server_environment(args.database_url)
    os.environ.update(environment)
    bench_reports.fill(args.database_url, args.invoices, refill=args.refill, environment=environment)

    args.load_at_start = os.getloadavg()[0]
    figures: dict[str, list[dict]] = {}
    names = args.only or list(CANDIDATES)
    for round_number in range(args.runs + 1):  # the first round warms PostgreSQL's caches and is dropped
        for name in names:
            result = subprocess.run(
                [str(PYTHON), __file__, "--measure", name],
                cwd=ROOT,
                env={**os.environ, **environment},
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"{name} failed:\n{result.stderr[-3000:]}")
            figure = json.loads(result.stdout.strip().splitlines()[-1])
            if figure.get("missing"):
                print(f"  {name}: not installed ({figure['missing']})", flush=True)
                names = [other for other in names if other != name]
                continue
            if round_number:
                figures.setdefault(name, []).append(figure)
                print(f"  {name}: {figure['seconds']:.2f} s, +{figure['memory_mb']:.1f} MB", flush=True)
    report = render(figures, args)
    print(report)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(report)
    print(f"\nWritten to {Path(args.output).resolve()}")
    return 0


def _load_reports_benchmark():
    """benchmarks/reports.py's fill() and production settings (its name would clash with the reports app)."""
    spec = importlib.util.spec_from_file_location("bench_reports", ROOT / "benchmarks" / "reports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- one measurement, in a process of its own ---------------------------------------------------


def _kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure(name: str, *, rows: int = 0) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    try:
        run = _prepare(name) if not rows else _prepare_synthetic(rows)
    except ImportError as error:
        return {"missing": str(error)}
    before = _kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark to the size now
    started = time.perf_counter()
    rows, size = run()
    seconds = time.perf_counter() - started
    growth = (max(_kib("VmHWM"), _kib("VmRSS")) - before) / 1024
    return {"seconds": seconds, "rows": rows, "bytes": size, "memory_mb": growth}


def _prepare(name: str):
    """Import what the candidate needs and open its connection; return the run itself."""
    from django.db import connection

    connection.ensure_connection()
    if name == "copy":
        return _copy
    if name == "csv":
        return _csv
    if name == "xlsx_postgres":
        return _xlsx_postgres
    if name == "xlsxwriter":
        return lambda: _xlsx(_write_desk)
    if name == "openpyxl":
        import openpyxl  # noqa: F401

        return lambda: _xlsx(_write_openpyxl)
    if name == "xlsxwriter_default":
        return lambda: _xlsx(_write_xlsxwriter_default)
    if name == "pyexcelerate":
        import pyexcelerate  # noqa: F401

        return lambda: _xlsx(_write_pyexcelerate)
    if name == "rustpy":
        import rustpy_xlsxwriter  # noqa: F401

        return lambda: _xlsx(_write_rustpy)
    raise ValueError(name)


def _copy() -> tuple[int, int]:
    from django.db import connection

    from reports.invoice_report_exports import invoice_report_csv_sql

    statements = invoice_report_csv_sql()
    lines = size = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor
        for sql, params in statements[:-1]:
            raw.execute(sql, params)
            raw.fetchall()
        sql, params = statements[-1]
        query = raw.mogrify(sql, params) if hasattr(raw, "mogrify") else sql
        with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for block in copy:
                data = bytes(block)
                lines += data.count(b"\n")
                size += len(data)
    return lines - 1, size


def _csv() -> tuple[int, int]:
    from reports.invoice_report_exports import invoice_report_csv

    lines = size = 0
    for chunk in invoice_report_csv():
        data = chunk.encode()  # what StreamingHttpResponse sends
        lines += data.count(b"\n")
        size += len(data)
    return lines - 1, size


def _xlsx(write) -> tuple[int, int]:
    from reports.invoice_report_exports import XLSX_COLUMNS, invoice_report_xlsx_rows

    with tempfile.TemporaryFile() as file:
        rows = write(invoice_report_xlsx_rows(), XLSX_COLUMNS, file)
        return rows, file.seek(0, 2)


def _xlsx_postgres() -> tuple[int, int]:
    from reports.invoice_report_exports import write_invoice_report_xlsx

    with tempfile.TemporaryFile() as file:
        rows = write_invoice_report_xlsx(file)
        return rows, file.seek(0, 2)


SYNTHETIC_ROWS_SQL = """
SELECT 'INV-' || lpad(g::text, 7, '0'), DATE '2020-01-01' + g %% 2000, (ARRAY['open', 'paid', 'void'])[1 + g %% 3],
       (ARRAY['partial', 'final'])[1 + g %% 2], 'Client & Sons ' || g %% 500, 'P-' || g %% 9000, 'SO-' || g %% 70000,
       'Rep ' || g %% 7, round(g %% 100000 / 100.0, 2), round(g %% 9000 / 100.0, 2), round(g %% 109000 / 100.0, 2),
       round(g %% 3000 / 100.0, 2)
FROM generate_series(1, %s) AS g ORDER BY g
"""


def _prepare_synthetic(rows: int):
    from django.db import connection

    connection.ensure_connection()
    return lambda: _xlsx_postgres_synthetic(rows)


def _xlsx_postgres_synthetic(rows: int) -> tuple[int, int]:
    from core.xlsx_postgres import write_xlsx_from_sql
    from reports.invoice_report_exports import XLSX_COLUMNS

    with tempfile.TemporaryFile() as file:
        written = write_xlsx_from_sql(
            SYNTHETIC_ROWS_SQL, [rows], columns=XLSX_COLUMNS, file=file, sheet_title="x", progress=lambda _rows: None
        )
        return written, file.seek(0, 2)


def _write_desk(rows, columns, file) -> int:
    from core.downloads import write_xlsx

    return write_xlsx(rows, columns=columns, file=file, sheet_title="Invoices Report")


def _write_xlsxwriter_default(rows, columns, file) -> int:
    from unittest import mock

    import xlsxwriter

    from core.downloads import write_xlsx

    workbook_class = xlsxwriter.Workbook
    # The desk's writer, with XlsxWriter's default mode: every cell held until the workbook closes.
    with mock.patch.object(
        xlsxwriter, "Workbook", lambda file, options: workbook_class(file, {**options, "constant_memory": False})
    ):
        return write_xlsx(rows, columns=columns, file=file, sheet_title="Invoices Report")


def _write_openpyxl(rows, columns, file) -> int:
    """The desk's former writer: an openpyxl write-only workbook, one styled cell per column reused."""
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from core.downloads import DATE_FORMAT, FORMULA_SIGNS, MONEY_FORMAT, XML_ILLEGAL_CHARACTERS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Invoices Report")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width or 12
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)

    def styled(number_format, prepare):
        cell = WriteOnlyCell(sheet)
        cell.number_format = number_format

        def convert(value):
            if value is None:
                return None
            cell.value = prepare(value)
            return cell

        return convert

    def text(value):
        if value is None:
            return None
        value = XML_ILLEGAL_CHARACTERS.sub("", str(value))
        if value[:1] not in FORMULA_SIGNS:
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    converters = [
        styled(MONEY_FORMAT, Decimal)
        if column.kind == "money"
        else styled(DATE_FORMAT, lambda value: value)
        if column.kind == "date"
        else text
        for column in columns
    ]
    count = 0
    for row in rows:
        sheet.append([convert(value) for convert, value in zip(converters, row, strict=True)])
        count += 1
    workbook.save(file)
    return count


def _write_pyexcelerate(rows, columns, file) -> int:
    """PyExcelerate: every row handed over as a list, then styled by column; it writes from memory."""
    from pyexcelerate import Format, Style, Workbook

    from core.downloads import DATE_FORMAT, FORMULA_SIGNS, MONEY_FORMAT

    data = [[column.header for column in columns]]
    for row in rows:
        data.append([f"'{value}" if isinstance(value, str) and value[:1] in FORMULA_SIGNS else value for value in row])
    workbook = Workbook()
    sheet = workbook.new_sheet("Invoices Report", data=data)
    for index, column in enumerate(columns, start=1):
        if column.kind == "money":
            sheet.set_col_style(index, Style(format=Format(MONEY_FORMAT)))
        elif column.kind == "date":
            sheet.set_col_style(index, Style(format=Format(DATE_FORMAT)))
    workbook.save(file)
    return len(data) - 1


def _write_rustpy(rows, columns, file) -> int:
    """rustpy-xlsxwriter: the rows handed over as dicts (its input), money as floats; it has no
    per-cell format, so every text cell carries the quote prefix."""
    from rustpy_xlsxwriter import Format, write_worksheet

    from core.downloads import DATE_FORMAT, MONEY_FORMAT

    headers = [column.header for column in columns]
    money = [column.kind == "money" for column in columns]
    count = 0

    def records():
        nonlocal count
        for row in rows:
            count += 1
            yield {
                header: float(value) if is_money and value is not None else value
                for header, is_money, value in zip(headers, money, row, strict=True)
            }

    formats = [
        Format().set_num_format(MONEY_FORMAT)
        if column.kind == "money"
        else Format().set_num_format(DATE_FORMAT)
        if column.kind == "date"
        else Format().set_quote_prefix()
        for column in columns
    ]
    write_worksheet(
        records(),
        file,
        sheet_name="Invoices Report",
        freeze_row=1,
        bold_headers=True,
        column_formats=formats,
        column_widths=[column.width or 12 for column in columns],
    )
    return count


# --- the report ---------------------------------------------------------------------------------


def render(figures: dict[str, list[dict]], args) -> str:
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection

    from invoicing.models import Invoice

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres_version = cursor.fetchone()[0]
    invoices = Invoice.objects.count()
    median = {name: statistics.median(figure["seconds"] for figure in runs) for name, runs in figures.items()}
    copy_seconds = median.get("copy")
    lines = [
        "# Invoices Report downloads against COPY",
        "",
        f"{invoices:,} invoices; PostgreSQL {postgres_version}; Python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs; each candidate run in a fresh process, median of {args.runs} runs (a first "
        f"round dropped). Load average (1 min) at the start: {args.load_at_start:.1f}, at the end: "
        f"{os.getloadavg()[0]:.1f}.",
        "",
        f"Targets: CSV ≤ {TARGET_CSV_RATIO}× COPY, XLSX ≤ {TARGET_XLSX_RATIO}× COPY.",
        "",
        "| candidate | rows | time s | vs COPY | peak memory growth MB | file MB | target met |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, runs in figures.items():
        label, desk = CANDIDATES[name]
        seconds = median[name]
        ratio = seconds / copy_seconds if copy_seconds else float("nan")
        target = TARGET_CSV_RATIO if name == "csv" else TARGET_XLSX_RATIO if name != "copy" else None
        verdict = "" if target is None else ("yes" if ratio <= target else "**no**")
        if not desk and target is not None:
            verdict = f"({verdict})"  # a candidate the desk does not use
        lines.append(
            f"| {label} | {runs[-1]['rows']:,} | {seconds:.2f} | {ratio:.2f} | "
            f"{max(figure['memory_mb'] for figure in runs):.1f} | {runs[-1]['bytes'] / 1024 / 1024:.1f} | {verdict} |"
        )
    lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    sys.exit(main())
