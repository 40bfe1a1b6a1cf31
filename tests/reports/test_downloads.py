"""Report downloads that open correctly in Excel: CSV with a byte order mark (or not, ?bom=0) and XLSX."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from core.downloads import write_xlsx
from invoicing.selectors import InvoiceReportFilters
from reports import invoice_report_exports as reports
from tests.factories import ClientFactory, UserFactory
from tests.reports.conftest import signed_in
from tests.reports.test_backorder_report import shortages  # noqa: F401 - the fixture, shared
from tests.reports.test_query_counts import BACKORDER_CSV_QUERIES, REPORT_CSV_QUERIES, flag, issue

BOM = b"\xef\xbb\xbf"
INVOICES = "/invoices/report/"
BACKORDERS = "/backorders/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def sheet_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(body(response))).active


def values(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


# --- CSV: the byte order mark -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [INVOICES + "?format=csv", BACKORDERS + "?format=csv", "/api/reports/invoices/?format=csv"]
)
def test_every_csv_starts_with_a_byte_order_mark_and_bom_0_drops_it(as_manager, report_data, url):
    with_bom = as_manager.get(url)
    assert with_bom["Content-Type"] == "text/csv; charset=utf-8"
    data = body(with_bom)
    assert data.startswith(BOM + b"number," if "invoices" in url else BOM + b"purchase_order,")
    without = body(as_manager.get(url + "&bom=0"))
    assert without == data[len(BOM) :]


def test_excel_reads_accented_names_from_the_csv(as_manager, desk):
    order = desk.order(client=ClientFactory(name="Zoë Łódź Ελλάς 北京"), rep=UserFactory(roles=["Sales"]))
    desk.invoice(order, on=timezone.localdate())
    data = body(as_manager.get(INVOICES + "?format=csv"))
    # utf-8-sig is how Excel and Python read a file that announces its encoding with the mark
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["client"] == "Zoë Łódź Ελλάς 北京"


# --- XLSX: the Invoices Report ------------------------------------------------------------------


def test_invoice_report_xlsx_has_the_csvs_columns_and_rows_typed(as_manager, report_data):
    inv, order_b = report_data.invoices, report_data.orders["b"]
    query = f"client={report_data.acme.pk}&sort=number"
    response = as_manager.get(f"{INVOICES}?format=xlsx&{query}")
    assert response["Content-Disposition"] == (
        f'attachment; filename="invoices-report-{timezone.localdate().isoformat()}.xlsx"'
    )
    sheet = sheet_of(response)
    header, *rows = list(sheet.iter_rows())
    assert [cell.value for cell in header] == reports.CSV_COLUMNS
    assert all(cell.font.b for cell in header) and not any(cell.font.b for cell in rows[0])
    # the filters and the order of the page: Acme's three invoices by number
    assert [row[0].value for row in rows] == [inv[k].number for k in ("a_partial", "a_final", "b_partial")]
    b_row = rows[2]
    assert [cell.value for cell in b_row] == [
        inv["b_partial"].number,
        datetime.combine(inv["b_partial"].date, datetime.min.time()),
        "open",
        "partial",
        "Acme Promotions",
        order_b.project.number,
        order_b.number,
        "Bob Baker",
        100,
        8.25,
        108.25,
        100,
    ]
    assert b_row[1].is_date and b_row[1].number_format == "yyyy-mm-dd"
    assert [cell.data_type for cell in b_row[8:]] == ["n"] * 4
    assert {cell.number_format for cell in b_row[8:]} == {"#,##0.00"}
    assert rows[0][11].value == 0  # order a is fully invoiced
    # the same rows as the CSV
    csv_rows = list(csv.reader(io.StringIO(body(as_manager.get(f"{INVOICES}?format=csv&{query}")).decode("utf-8-sig"))))
    assert [row[0] for row in csv_rows] == [row[0].value for row in [header, *rows]]
    assert [Decimal(row[10]) for row in csv_rows[1:]] == [Decimal(str(row[10].value)) for row in rows]


def test_invoice_report_xlsx_respects_status_and_date_filters(as_manager, report_data):
    inv = report_data.invoices
    today = timezone.localdate().isoformat()
    sheet = sheet_of(as_manager.get(f"{INVOICES}?format=xlsx&date_from={today}&status=void"))
    assert [(row[0], row[2], row[4]) for row in values(sheet)[1:]] == [(inv["c_void"].number, "void", "Globex Events")]
    assert sheet_of(as_manager.get(f"{INVOICES}?format=xlsx&kind=partial&status=void")).max_row == 1  # the header


def test_invoice_report_xlsx_keeps_formula_looking_text_as_text(as_manager, desk):
    order = desk.order(client=ClientFactory(name="=HYPERLINK(1)"), rep=UserFactory(first_name="@evil", roles=["Sales"]))
    desk.invoice(order, on=timezone.localdate())
    row = list(sheet_of(as_manager.get(f"{INVOICES}?format=xlsx")).iter_rows(min_row=2))[0]
    client, rep = row[4], row[7]
    assert (client.value, client.data_type, client.quotePrefix) == ("=HYPERLINK(1)", "s", True)
    assert rep.value.startswith("@evil") and rep.data_type == "s" and rep.quotePrefix


def test_the_report_page_links_csv_and_xlsx_with_its_filters(as_manager, report_data):
    response = as_manager.get(f"{INVOICES}?client={report_data.acme.pk}&sort=client")
    links = response.context["links"]
    assert "format=xlsx" in links["xlsx"] and f"client={report_data.acme.pk}" in links["xlsx"]
    assert "sort=client" in links["xlsx"]
    page = response.content.decode()
    assert 'data-testid="export-xlsx">Export XLSX</a>' in page and 'data-testid="export-csv">Export CSV</a>' in page


@pytest.mark.parametrize("roles, status", [(["Invoicing"], 200), (["Sales"], 403), (["Production"], 403)])
def test_only_invoicing_and_managers_download_the_invoices_xlsx(db, roles, status):
    assert signed_in(UserFactory(roles=roles)).get(INVOICES + "?format=xlsx").status_code == status


# The XLSX on PostgreSQL: session, user, groups, the two choice lists, the count that decides whether
# the worker writes it, then one COPY of the rows as the sheet's XML (remaining amounts joined in).
REPORT_XLSX_QUERIES = 7


@pytest.mark.parametrize("count", [3, 60])
def test_invoice_report_xlsx_costs_the_same_queries_whatever_the_rows(
    as_manager, desk, django_assert_num_queries, count
):
    issue(desk, count)
    # elsewhere XlsxWriter writes the CSV's rows, read as the CSV reads them
    expected = REPORT_XLSX_QUERIES if connection.vendor == "postgresql" else REPORT_CSV_QUERIES
    with django_assert_num_queries(expected):
        sheet = sheet_of(as_manager.get(INVOICES + "?format=xlsx"))
    assert sheet.max_row == count + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL writes the rows")
@pytest.mark.parametrize(
    "sort, filters",
    [
        ("-date", {}),
        ("number", {}),
        ("client", {"status": "open"}),
        ("-total", {"has_remaining": True}),
        ("-client", {"kind": "partial"}),
    ],
)
def test_invoice_report_xlsx_from_postgresql_has_the_rows_xlsxwriter_writes(report_data, desk, sort, filters):
    issue(desk, 12)
    filters = InvoiceReportFilters(**filters)
    ours, theirs = io.BytesIO(), io.BytesIO()
    rows = reports.write_invoice_report_xlsx(ours, filters, sort=sort)
    write_xlsx(
        reports.invoice_report_xlsx_rows(filters, sort=sort), columns=reports.XLSX_COLUMNS, file=theirs, sheet_title="x"
    )
    ours_sheet, theirs_sheet = load_workbook(ours).active, load_workbook(theirs).active
    assert rows == ours_sheet.max_row - 1 > 0
    assert values(ours_sheet) == values(theirs_sheet)  # the same cells, in the same order
    assert [[cell.number_format for cell in row] for row in ours_sheet.iter_rows()] == [
        [cell.number_format for cell in row] for row in theirs_sheet.iter_rows()
    ]


# --- XLSX: the Backorders report ----------------------------------------------------------------


def test_backorders_xlsx_has_the_csvs_columns_and_rows_typed(as_manager, shortages, next_week):  # noqa: F811
    response = as_manager.get(f"{BACKORDERS}?format=xlsx&supplier={shortages['cups'].pk}")
    assert response["Content-Disposition"] == (
        f'attachment; filename="backorders-{timezone.localdate().isoformat()}.xlsx"'
    )
    sheet = sheet_of(response)
    header, tumbler, mug = list(sheet.iter_rows())
    assert [cell.value for cell in header] == [
        "purchase_order",
        "supplier",
        "project",
        "client",
        "item",
        "quantity",
        "value",
        "expected_date",
        "age_days",
        "overdue",
        "days_overdue",
    ]
    assert all(cell.font.b for cell in header)
    tumbler_values = [cell.value for cell in tumbler]
    assert tumbler_values[0] == shortages["tumblers"].purchase_order.number
    assert tumbler_values[1:] == [
        "Cup Co",
        shortages["tumblers"].purchase_order.project.number,
        "Globex Events",
        "Tumbler",
        10,
        120,
        datetime.combine(timezone.localdate() - timedelta(days=4), datetime.min.time()),
        10,
        "yes",
        4,
    ]
    assert tumbler[6].number_format == "#,##0.00" and tumbler[6].data_type == "n"
    assert tumbler[7].is_date and tumbler[7].number_format == "yyyy-mm-dd"
    assert [cell.value for cell in mug][4:] == [
        "White mug",
        40,
        170,
        datetime.combine(next_week, datetime.min.time()),
        0,
        "no",
        0,
    ]


def test_backorders_xlsx_respects_the_filters(as_manager, shortages):  # noqa: F811
    sheet = sheet_of(as_manager.get(f"{BACKORDERS}?format=xlsx&client={shortages['acme'].pk}&overdue=no"))
    assert [row[4] for row in values(sheet)[1:]] == ["White mug", "Cap"]
    page = as_manager.get(f"{BACKORDERS}?client={shortages['acme'].pk}")
    assert page.context["xlsx_url"] == f"?client={shortages['acme'].pk}&format=xlsx"
    assert 'data-testid="export-xlsx">Export XLSX</a>' in page.content.decode()


@pytest.mark.parametrize("count", [2, 40])
def test_backorders_xlsx_costs_what_the_csv_costs(
    as_manager, production_rep, next_week, django_assert_num_queries, count
):
    flag(count, production_rep, next_week)
    with django_assert_num_queries(BACKORDER_CSV_QUERIES):
        sheet = sheet_of(as_manager.get(BACKORDERS + "?format=xlsx"))
    assert sheet.max_row == count + 1
