"""The Invoices Report over HTTP: rows with the order's remaining amount, totals, filters and CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from invoicing.models import Invoice
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.void import invoice_void
from projects.models import SalesOrder
from projects.services.sales_orders import sales_order_status_change
from tests.factories import ClientFactory


@pytest.fixture
def two_invoices(mug_order, production_rep, invoicing_rep, manager):
    """A partial invoice of 100 mugs, and a second one of 50 mugs that was voided."""
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    partial = invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 100)], by=invoicing_rep)
    voided = invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 50)], by=invoicing_rep)
    invoice_void(invoice=voided, reason="Typed the wrong quantity", by=manager)
    return partial, voided


def test_rows_carry_the_orders_remaining_amount_and_totals_skip_void(as_invoicing, two_invoices, mug_order):
    partial, voided = two_invoices
    response = as_invoicing.get("/api/reports/invoices/")
    assert response.status_code == 200
    report = response.json()
    first = report["results"][0]
    assert first == {
        "id": voided.pk,
        "number": "INV-000002",
        "date": timezone.localdate().isoformat(),
        "status": "void",
        "kind": "partial",
        "client": mug_order.order.project.client_id,
        "client_name": mug_order.order.project.client.name,
        "project": mug_order.order.project_id,
        "project_number": "P-1001",
        "sales_order": mug_order.order.pk,
        "sales_order_number": "SO-1001",
        "order_rep": mug_order.order.project.order_rep_id,
        "order_rep_name": "Sam Seller",
        "subtotal": "212.50",
        "tax": "17.53",
        "total": "230.03",
        "remaining_amount": "1765.00",  # 400 mugs × 4.25 + the setup charge
    }
    assert report["totals"] == {
        "count": 2,
        "void": 1,
        "subtotal": "425.00",
        "tax": "35.06",
        "total": "460.06",
        "remaining_amount": "1765.00",  # the order counts once
    }


def test_the_filters_narrow_rows_and_totals(as_manager, two_invoices, mug_order, sales_rep):
    partial, _ = two_invoices
    today = timezone.localdate()

    def numbers(**params) -> list[str]:
        response = as_manager.get("/api/reports/invoices/", params)
        assert response.status_code == 200, response.content
        return [row["number"] for row in response.json()["results"]]

    assert numbers(status="open") == [partial.number]
    assert numbers(kind="final") == []
    assert numbers(client=mug_order.order.project.client_id, rep=sales_rep.pk) == ["INV-000002", "INV-000001"]
    assert numbers(client=ClientFactory().pk) == []
    assert numbers(date_from=today.isoformat(), date_to=today.isoformat()) == ["INV-000002", "INV-000001"]
    assert numbers(date_from=(today + timedelta(days=1)).isoformat()) == []
    assert numbers(has_remaining="true") == ["INV-000002", "INV-000001"]
    assert numbers(has_remaining="false") == []
    totals = as_manager.get("/api/reports/invoices/", {"status": "void"}).json()["totals"]
    assert (totals["count"], totals["total"]) == (1, "0.00")


def test_bad_filters_are_refused_naming_them(as_manager):
    response = as_manager.get("/api/reports/invoices/", {"date_from": "yesterday", "kind": "big"})
    assert response.status_code == 400
    assert response.json() == {
        "date_from": ["Enter a valid date."],
        "kind": ["Select a valid choice. big is not one of the available choices."],
    }
    response = as_manager.get("/api/reports/invoices/", {"date_from": "2030-02-01", "date_to": "2030-01-01"})
    assert response.status_code == 400
    assert response.json() == {"date_to": ["The end date is before the start date."]}


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_a_day_out_of_range_is_refused_naming_the_filter(as_manager, name, value):
    for extra in ({}, {"format": "csv"}):
        response = as_manager.get("/api/reports/invoices/", {name: value, **extra})
        assert response.status_code == 400
        assert response.json() == {name: [f"{name} must be a day from 1900-01-01 to 2999-12-31."]}


def test_csv_streams_every_row(as_invoicing, two_invoices):
    response = as_invoicing.get("/api/reports/invoices/", {"format": "csv", "status": "open"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="invoices-report-')
    assert response.streaming
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel reads the encoding from
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [
        "number",
        "date",
        "status",
        "kind",
        "client",
        "project",
        "sales_order",
        "order_rep",
        "subtotal",
        "tax",
        "total",
        "remaining_amount",
    ]
    assert rows[1][0] == "INV-000001" and rows[1][-4:] == ["425.00", "35.06", "460.06", "1765.00"]
    assert len(rows) == 2


def test_csv_cells_typed_by_people_never_run_as_formulas(as_invoicing, two_invoices, mug_order):
    client = mug_order.order.project.client
    client.name = '=HYPERLINK("http://evil.example")'
    client.save()
    body = b"".join(as_invoicing.get("/api/reports/invoices/", {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[1][4] == '\'=HYPERLINK("http://evil.example")'


def test_a_refused_csv_is_explained_in_json(as_production):
    response = as_production.get("/api/reports/invoices/", {"format": "csv"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Only Invoicing or Managers may read the Invoices Report."}


def test_no_invoices_give_zero_totals(as_invoicing):
    report = as_invoicing.get("/api/reports/invoices/").json()
    assert report["results"] == [] and not Invoice.objects.exists()
    assert report["totals"] == {
        "count": 0,
        "void": 0,
        "subtotal": "0.00",
        "tax": "0.00",
        "total": "0.00",
        "remaining_amount": "0.00",
    }
