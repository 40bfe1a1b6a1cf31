"""The Invoices Report page: rows, totals, filters, sorting, keyset pages, chart and CSV."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from invoicing.selectors import InvoiceReportFilters
from reports.invoice_report import (
    invoice_report_page,
    invoice_report_rows,
    invoice_report_summary,
    invoice_report_totals,
)
from reports.invoice_report_exports import invoice_report_csv
from reports.views.invoice_report import period_dates
from tests.factories import ClientFactory, UserFactory
from tests.reports.conftest import month_start, signed_in

URL = "/invoices/report/"


def numbers(response) -> list[str]:
    return [row["number"] for row in response.context["rows"]]


def csv_rows(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel reads the encoding from
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


# --- who may read it ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "roles, status", [(["Invoicing"], 200), (["Managers"], 200), (["Sales"], 403), (["Production"], 403)]
)
def test_only_invoicing_and_managers_read_the_report(db, roles, status):
    client = signed_in(UserFactory(roles=roles))
    assert client.get(URL).status_code == status
    assert client.get(URL + "?format=csv").status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- rows and totals ----------------------------------------------------------------------------


def test_one_row_per_invoice_newest_first_with_the_orders_remaining_amount(as_invoicing, report_data):
    inv = report_data.invoices
    response = as_invoicing.get(URL)
    assert response.status_code == 200
    assert numbers(response) == [inv[k].number for k in ("c_partial", "c_void", "b_partial", "a_final", "a_partial")]
    row = response.context["rows"][2]
    order = report_data.orders["b"]
    assert row["number"] == inv["b_partial"].number
    assert (row["status"], row["kind"], row["client"], row["order_rep"]) == (
        "open",
        "partial",
        "Acme Promotions",
        "Bob Baker",
    )
    assert (row["project"], row["sales_order"]) == (order.project.number, order.number)
    assert (row["subtotal"], row["tax"], row["total"], row["remaining"]) == ("100.00", "8.25", "108.25", "100.00")
    assert response.context["rows"][3]["remaining"] == "0.00"  # order a is fully invoiced
    page = response.content.decode()
    assert inv["b_partial"].number in page and "Bob Baker" in page and "108.25" in page


def test_totals_cover_every_matching_invoice_and_each_order_once(as_manager, report_data):
    response = as_manager.get(URL)
    totals = response.context["totals"]
    # void invoices are listed but invoiced nothing; orders b (100.00) and c (52.50) still have a balance
    assert totals == {
        "count": 5,
        "void": 1,
        "subtotal": "222.50",
        "tax": "16.50",
        "total": "239.00",
        "balance_due": "195.70",  # what is not void, less a_partial (43.30), which is paid
        "remaining_amount": "152.50",
    }


def test_totals_are_of_the_whole_filtered_set_not_the_page(report_data):
    page = invoice_report_page(InvoiceReportFilters(), size=2)
    assert len(page.rows) == 2 and page.has_next
    assert invoice_report_summary(InvoiceReportFilters()).totals["count"] == 5


def test_the_api_selectors_keep_their_shape(report_data):
    rows = invoice_report_rows({"client": report_data.acme})
    assert [invoice.remaining_amount for invoice in rows] == [Decimal("100.00"), Decimal("0.00"), Decimal("0.00")]
    assert rows[0].sales_order.project.client == report_data.acme  # loaded with the row
    totals = invoice_report_totals({"client": report_data.acme})
    assert totals == {
        "count": 3,
        "void": 0,
        "subtotal": Decimal("200.00"),
        "tax": Decimal("16.50"),
        "total": Decimal("216.50"),
        "balance_due": Decimal("173.20"),  # a_partial (43.30) is paid
        "remaining_amount": Decimal("100.00"),
    }


def test_the_remaining_amount_follows_the_rep_and_the_other_filters_together(report_data):
    def remaining(**filters) -> Decimal:
        return invoice_report_totals(filters)["remaining_amount"]

    # Rep A: order a is wholly invoiced, order c has 7 of 10 × 7.50 left; rep B: order b, 5 × 20.00.
    assert remaining(rep=report_data.rep_a) == Decimal("52.50")
    assert remaining(rep=report_data.rep_b) == Decimal("100.00")
    assert remaining(rep=report_data.rep_a, status="paid") == Decimal("0.00")  # only order a's paid partial
    assert remaining(rep=report_data.rep_b, status="paid") == Decimal("0.00")  # none of rep B's is paid
    assert remaining(rep=report_data.rep_a, client=report_data.globex) == Decimal("52.50")
    assert remaining() == Decimal("152.50")


# --- filters ------------------------------------------------------------------------------------


def test_filters_by_client_rep_status_kind_dates_and_remaining_balance(as_manager, report_data):
    inv = report_data.invoices
    cases = {
        f"client={report_data.globex.pk}": ["c_partial", "c_void"],
        f"rep={report_data.rep_b.pk}": ["b_partial"],
        "status=paid": ["a_partial"],
        "kind=final": ["c_void", "a_final"],
        "has_remaining=yes": ["c_partial", "c_void", "b_partial"],
        "has_remaining=no": ["a_final", "a_partial"],
        f"date_from={month_start(1)}&date_to={month_start(0) - timedelta(days=1)}": ["b_partial", "a_final"],
        f"client={report_data.acme.pk}&rep={report_data.rep_a.pk}&kind=partial": ["a_partial"],
    }
    for query, expected in cases.items():
        response = as_manager.get(f"{URL}?{query}")
        assert numbers(response) == [inv[key].number for key in expected], query


def test_quick_pick_last_month_fills_the_dates(as_manager, report_data):
    response = as_manager.get(f"{URL}?period=last_month&client={report_data.acme.pk}")
    first, last = month_start(1), month_start(0) - timedelta(days=1)
    form = response.context["form"]
    assert (form.cleaned_data["date_from"], form.cleaned_data["date_to"]) == (first, last)
    assert numbers(response) == [report_data.invoices[k].number for k in ("b_partial", "a_final")]
    assert response.context["totals"]["total"] == "173.20"  # 108.25 + 64.95
    page = response.content.decode()
    assert f'value="{first.isoformat()}"' in page and 'aria-pressed="true"' in page


@pytest.mark.parametrize(
    "period, today, expected",
    [
        ("this_month", date(2026, 2, 14), (date(2026, 2, 1), date(2026, 2, 28))),
        ("last_month", date(2026, 1, 5), (date(2025, 12, 1), date(2025, 12, 31))),
        ("last_month", date(2024, 3, 31), (date(2024, 2, 1), date(2024, 2, 29))),
        ("this_quarter", date(2026, 11, 27), (date(2026, 10, 1), date(2026, 12, 31))),
        ("this_quarter", date(2026, 5, 2), (date(2026, 4, 1), date(2026, 6, 30))),
        ("this_year", date(2026, 7, 4), (date(2026, 1, 1), date(2026, 12, 31))),
    ],
)
def test_quick_pick_periods(period, today, expected):
    assert period_dates(period, today) == expected


def test_an_end_before_the_start_is_refused_next_to_the_field_and_left_out(as_manager, report_data):
    response = as_manager.get(f"{URL}?date_from=2026-05-01&date_to=2026-04-01")
    assert response.status_code == 200
    assert response.context["form"].errors == {"date_to": ["The end date is before the start date."]}
    assert "The end date is before the start date." in response.content.decode()
    # The rows are those of the start date alone, and the links leave the refused end out.
    alone = as_manager.get(f"{URL}?date_from=2026-05-01")
    assert [row["number"] for row in response.context["rows"]] == [row["number"] for row in alone.context["rows"]]
    assert "date_to" not in response.context["links"]["csv"]


# The calendar's ends: refused next to the field, left out of the rows (which are every invoice's), never a 500.
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
@pytest.mark.parametrize(("name", "label"), [("date_from", "“From”"), ("date_to", "“To”")])
@pytest.mark.parametrize("download", [None, "csv", "xlsx"])
def test_a_day_out_of_range_is_named_next_to_its_field_and_left_out(
    as_manager, report_data, name, label, value, download
):
    response = as_manager.get(URL, {name: value, **({"format": download} if download else {})})
    # A download asked for with a refused filter shows the page and why, rather than a file of other rows.
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors == {name: [f"{label} must be a day from 1900-01-01 to 2999-12-31."]}
    everything = as_manager.get(URL)
    assert [row["number"] for row in response.context["rows"]] == [row["number"] for row in everything.context["rows"]]


def test_unknown_choices_are_refused(as_manager, report_data):
    response = as_manager.get(f"{URL}?status=lost&client=999999")
    assert response.context["rows"]  # left out: every invoice is shown
    errors = response.context["form"].errors
    assert errors["status"] == ["Select a valid choice. lost is not one of the available choices."]
    assert errors["client"] == ["Select a valid choice. 999999 is not one of the available choices."]


def test_filter_links_keep_the_filters_in_the_url(as_manager, report_data):
    response = as_manager.get(f"{URL}?client={report_data.acme.pk}&sort=client")
    links = response.context["links"]
    assert f"client={report_data.acme.pk}" in links["csv"] and "format=csv" in links["csv"]
    assert "sort=client" in links["csv"]


# --- sorting and pages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("number", ["a_partial", "a_final", "b_partial", "c_void", "c_partial"]),
        ("-number", ["c_partial", "c_void", "b_partial", "a_final", "a_partial"]),
        ("date", ["a_partial", "a_final", "b_partial", "c_void", "c_partial"]),
        ("client", ["a_partial", "a_final", "b_partial", "c_void", "c_partial"]),
        ("-client", ["c_partial", "c_void", "b_partial", "a_final", "a_partial"]),
        ("total", ["c_partial", "a_partial", "a_final", "c_void", "b_partial"]),
        ("-total", ["b_partial", "c_void", "a_final", "a_partial", "c_partial"]),
        ("nonsense", ["c_partial", "c_void", "b_partial", "a_final", "a_partial"]),
    ],
)
def test_sortable_by_date_number_client_and_total(as_manager, report_data, sort, expected):
    response = as_manager.get(f"{URL}?sort={sort}")
    assert numbers(response) == [report_data.invoices[key].number for key in expected]


def test_keyset_pages_walk_every_row_once_both_ways_in_every_order(desk):
    # ties on date, client and total, so the sequence number has to break them
    clients = [ClientFactory(name=f"Client {letter}") for letter in "ABC"]
    rep = UserFactory(roles=["Sales"])
    today = timezone.localdate()
    for index in range(11):
        order = desk.order(client=clients[index % 3], rep=rep, prices=[("5.00", "7.00")[index % 2]])
        desk.invoice(order, on=today - timedelta(days=index % 4))

    for sort in ["-date", "date", "number", "-number", "client", "-client", "total", "-total"]:
        everything = [row["number"] for row in invoice_report_page(sort=sort, size=200).rows]
        assert len(everything) == 11

        walked, page = [], invoice_report_page(sort=sort, size=3)
        assert page.is_first and not page.has_previous
        while True:
            walked += [row["number"] for row in page.rows]
            if not page.has_next:
                break
            page = invoice_report_page(sort=sort, size=3, after=page.last_cursor)
        assert walked == everything and page.is_last, sort

        last = invoice_report_page(sort=sort, size=3, last=True)
        assert [row["number"] for row in last.rows] == everything[-3:] and last.is_last and not last.has_next
        backwards, page = [], last
        while True:
            backwards = [row["number"] for row in page.rows] + backwards
            if not page.has_previous:
                break
            page = invoice_report_page(sort=sort, size=3, before=page.first_cursor)
        assert backwards[-len(everything) :] == everything and page.is_first, sort


def test_pagination_links_lead_from_first_to_last(as_manager, desk):
    client, rep = ClientFactory(), UserFactory(roles=["Sales"])
    for _ in range(27):
        desk.invoice(desk.order(client=client, rep=rep), on=timezone.localdate())
    first = as_manager.get(f"{URL}?size=25")
    assert len(first.context["rows"]) == 25 and first.context["links"]["previous"] is None
    second = as_manager.get(URL + first.context["links"]["next"])
    assert len(second.context["rows"]) == 2 and second.context["links"]["next"] is None
    last = as_manager.get(URL + first.context["links"]["last"])
    assert numbers(last) == numbers(first)[2:] + numbers(second)
    back = as_manager.get(URL + second.context["links"]["previous"])
    assert numbers(back) == numbers(first)


def test_a_broken_cursor_starts_from_the_first_page(as_manager, report_data):
    response = as_manager.get(f"{URL}?after=not-a-cursor&sort=total")
    assert len(response.context["rows"]) == 5
    response = as_manager.get(f"{URL}?after=banana~12&sort=-date")
    assert len(response.context["rows"]) == 5


# --- the chart ----------------------------------------------------------------------------------


def test_chart_stacks_partial_and_final_per_month_of_the_period(as_manager, report_data):
    start, end = month_start(2), timezone.localdate()
    response = as_manager.get(f"{URL}?date_from={start}&date_to={end}")
    months = invoice_report_summary(InvoiceReportFilters(date_from=start, date_to=end)).months
    assert [month.month for month in months] == [month_start(2), month_start(1), month_start(0)]
    assert [(m.partial, m.final) for m in months] == [
        (Decimal("43.30"), Decimal("0")),
        (Decimal("108.25"), Decimal("64.95")),
        (Decimal("22.50"), Decimal("0")),  # the void invoice of this month is left out
    ]
    svg = response.context["chart"]
    assert svg.startswith("<svg") and svg.count('class="bar"') == 3
    assert svg.count("<rect") == 4 + 2  # four coloured parts and the two legend keys


def test_chart_has_a_note_instead_when_nothing_matches(as_manager, report_data):
    response = as_manager.get(f"{URL}?status=exported")
    assert "No invoices to chart for these filters." in response.content.decode()


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_streams_the_same_filtered_rows(as_manager, report_data):
    response = as_manager.get(f"{URL}?format=csv&client={report_data.acme.pk}&sort=number")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="invoices-report-')
    rows = csv_rows(response)
    inv, order_b = report_data.invoices, report_data.orders["b"]
    assert [row["number"] for row in rows] == [inv[k].number for k in ("a_partial", "a_final", "b_partial")]
    assert rows[2] == {
        "number": inv["b_partial"].number,
        "date": inv["b_partial"].date.isoformat(),
        "status": "open",
        "kind": "partial",
        "client": "Acme Promotions",
        "project": order_b.project.number,
        "sales_order": order_b.number,
        "order_rep": "Bob Baker",
        "subtotal": "100.00",
        "tax": "8.25",
        "total": "108.25",
        "remaining_amount": "100.00",
    }
    assert rows[0]["remaining_amount"] == "0.00"


def test_csv_quotes_text_a_spreadsheet_would_run(as_manager, desk):
    order = desk.order(client=ClientFactory(name="=HYPERLINK(1)"), rep=UserFactory(first_name="@evil", roles=["Sales"]))
    desk.invoice(order, on=timezone.localdate())
    row = csv_rows(as_manager.get(f"{URL}?format=csv"))[0]
    assert row["client"] == "'=HYPERLINK(1)"
    assert row["order_rep"].startswith("'@evil")


def test_csv_of_many_invoices_comes_in_chunks(report_data, monkeypatch):
    import reports.invoice_report_exports as reports

    monkeypatch.setattr(reports, "CSV_CHUNK_ROWS", 2)
    chunks = list(invoice_report_csv(InvoiceReportFilters()))
    assert chunks[0] == ",".join(reports.CSV_COLUMNS) + "\r\n"
    assert len(chunks) == 1 + 3  # the header, then 5 rows two at a time
    assert sum(chunk.count("\n") for chunk in chunks) == 6
