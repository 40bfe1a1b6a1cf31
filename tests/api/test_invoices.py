"""Invoices: issued from a ready order (its ready quantities by default), emailed, marked, voided; PDF."""

import pytest
from django.core import mail

from invoicing.models import Invoice
from invoicing.services.issue import invoice_create
from invoicing.services.marks import invoice_status_change
from projects.models import SalesOrder
from projects.services.sales_orders import sales_order_status_change
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change


@pytest.fixture
def ready_order(mug_order, production_rep):
    # The goods shipped, so production readies the order (ready follows the goods).
    purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    return mug_order


@pytest.fixture
def invoice(ready_order, invoicing_rep) -> Invoice:
    return invoice_create(sales_order=ready_order.order, by=invoicing_rep)


def test_an_invoice_without_lines_takes_every_ready_quantity(as_invoicing, ready_order):
    response = as_invoicing.post("/api/invoices/", {"sales_order": ready_order.order.pk}, format="json")
    assert response.status_code == 201
    invoice = response.json()
    assert {key: invoice[key] for key in ("number", "sales_order", "kind", "status", "subtotal", "tax", "total")} == {
        "number": "INV-000001",
        "sales_order": ready_order.order.pk,
        "kind": "final",
        "status": "open",
        "subtotal": "2190.00",
        "tax": "180.67",  # 175.31 + 5.36, each line rounded half-up
        "total": "2370.67",
    }
    assert invoice["lines"][0] == {
        "id": invoice["lines"][0]["id"],
        "sales_order_item": ready_order.mugs.pk,
        "description": "11 oz mug, 2-colour print",
        "quantity": 500,
        "unit_price": "4.25",
        "tax_rate": "8.25",
        "amount": "2125.00",
        "tax": "175.31",
    }
    assert invoice["due_date"] > invoice["date"]
    # The answer to the POST adds the warnings of quantities beyond what is ready (none here) to the invoice.
    assert invoice.pop("warnings") == []
    assert as_invoicing.get(f"/api/invoices/{invoice['id']}/").json() == invoice
    assert as_invoicing.get("/api/invoices/", {"sales_order": ready_order.order.pk}).json()["count"] == 1


def test_an_invoice_with_lines_is_partial_while_something_remains(as_invoicing, ready_order):
    body = {"sales_order": ready_order.order.pk, "lines": [{"sales_order_item": ready_order.mugs.pk, "quantity": 100}]}
    invoice = as_invoicing.post("/api/invoices/", body, format="json").json()
    assert (invoice["kind"], invoice["subtotal"]) == ("partial", "425.00")
    order = as_invoicing.get(f"/api/sales-orders/{ready_order.order.pk}/").json()
    assert order["billing_status"] == "partially_invoiced"
    assert order["remaining_amount"] == "1765.00"  # 400 × 4.25 + 65.00


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        (
            [{"quantity": 501}],
            "lines[0].quantity",
            "Quantity of 11 oz mug, 2-colour print must be from 1 to 500 (what remains).",
        ),
        ([{"quantity": 0}], "lines[0].quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ([{"quantity": "ten"}], "lines[0].quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        # Odd forms Python's int reads as 10: refused, as on the page.
        ([{"quantity": "1_0"}], "lines[0].quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ([{"quantity": "١٠"}], "lines[0].quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ([{"quantity": " 10"}], "lines[0].quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ([{"quantity": 10.0}], "lines[0].quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        (
            [{"sales_order_item": 987654, "quantity": 1}],
            "lines[0].sales_order_item",
            "Item 987654 is not on sales order SO-1001.",
        ),
        (
            [{"quantity": 1}, {"quantity": 2}],
            "lines[1].sales_order_item",
            "11 oz mug, 2-colour print appears on two lines; use one.",
        ),
        ([], "lines", "An invoice needs at least one line."),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_invoiced(as_invoicing, ready_order, lines, field, message):
    lines = [{"sales_order_item": ready_order.mugs.pk, **line} for line in lines]
    response = as_invoicing.post("/api/invoices/", {"sales_order": ready_order.order.pk, "lines": lines}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    ready_order.refresh()
    assert not Invoice.objects.exists()
    assert ready_order.mugs.invoiced_quantity == 0
    assert ready_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED


def test_an_order_not_ready_to_be_invoiced_is_a_conflict(as_invoicing, mug_order):
    response = as_invoicing.post("/api/invoices/", {"sales_order": mug_order.order.pk}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Sales order SO-1001 is In Production; invoices are issued only while it is Ready to be Invoiced."
    }
    assert not Invoice.objects.exists()


def test_the_pdf_is_a_pdf(as_sales, invoice):
    response = as_sales.get(f"/api/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    missing = as_sales.get("/api/invoices/999999/pdf/", HTTP_ACCEPT="application/pdf")
    assert (missing.status_code, missing["Content-Type"]) == (404, "application/json")


def test_send_emails_the_client_once_it_commits(as_invoicing, invoice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_invoicing.post(f"/api/invoices/{invoice.pk}/send/")
    assert response.status_code == 200
    assert response.json()["status"] == "sent_to_client"
    assert [message.to for message in mail.outbox if invoice.number in message.subject] == [
        [invoice.sales_order.project.client.billing_email]
    ]


def test_a_void_invoice_cannot_be_sent(as_invoicing, invoice, manager):
    from invoicing.services.void import invoice_void

    invoice_void(invoice=invoice, reason="Wrong client", by=manager)
    response = as_invoicing.post(f"/api/invoices/{invoice.pk}/send/")
    assert response.status_code == 409
    assert response.json() == {"detail": "Invoice INV-000001 is Void; it cannot be emailed."}


def test_marking_exported_then_paid(as_invoicing, invoice):
    url = f"/api/invoices/{invoice.pk}/status/"
    assert as_invoicing.post(url, {"status": "exported"}, format="json").json()["status"] == "exported"
    assert as_invoicing.post(url, {"status": "paid"}, format="json").json()["status"] == "paid"
    again = as_invoicing.post(url, {"status": "exported"}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "Invoice INV-000001 is Paid; it cannot be marked Exported."}


def test_a_mark_other_than_exported_or_paid_is_refused(as_invoicing, invoice):
    response = as_invoicing.post(f"/api/invoices/{invoice.pk}/status/", {"status": "void"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": ['"void" is not a valid choice.']}


def test_a_manager_voids_an_invoice_and_the_quantities_return(as_manager, invoice, ready_order):
    url = f"/api/invoices/{invoice.pk}/void/"
    missing = as_manager.post(url, {}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"reason": ["This field is required."]}
    response = as_manager.post(url, {"reason": "Wrong client"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["void_reason"]) == ("void", "Wrong client")
    order = as_manager.get(f"/api/sales-orders/{ready_order.order.pk}/").json()
    assert (order["status"], order["billing_status"], order["remaining_amount"]) == (
        "ready_to_be_invoiced",
        "not_invoiced",
        "2190.00",
    )


def test_a_paid_invoice_cannot_be_voided(as_manager, invoice, invoicing_rep):
    invoice_status_change(invoice=invoice, status=Invoice.Status.PAID, by=invoicing_rep)
    response = as_manager.post(f"/api/invoices/{invoice.pk}/void/", {"reason": "late"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "Invoice INV-000001 is Paid; only open or sent invoices can be voided."}
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_invoices_filter_by_status_and_kind(as_sales, invoice):
    assert as_sales.get("/api/invoices/", {"status": "open", "kind": "final"}).json()["count"] == 1
    assert as_sales.get("/api/invoices/", {"kind": "partial"}).json()["count"] == 0
    assert as_sales.get("/api/invoices/", {"kind": "half"}).status_code == 400


def test_a_manager_undoes_a_mark_the_same_day_with_a_reason(as_manager, as_invoicing, invoice):
    as_invoicing.post(f"/api/invoices/{invoice.pk}/status/", {"status": "exported"}, format="json")
    url = f"/api/invoices/{invoice.pk}/undo/"

    assert as_invoicing.post(url, {"reason": "Mine"}, format="json").status_code == 403
    missing = as_manager.post(url, {}, format="json")
    assert (missing.status_code, missing.json()) == (400, {"reason": ["This field is required."]})
    response = as_manager.post(url, {"reason": "Exported the wrong one"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "open"
    again = as_manager.post(url, {"reason": "Again"}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "Invoice INV-000001 is Open; only an Exported or Paid mark can be undone."}


def test_an_undo_after_the_day_of_the_mark_is_a_conflict_naming_the_day(as_manager, invoice, invoicing_rep):
    from datetime import timedelta

    from django.utils import timezone

    invoice_status_change(invoice=invoice, status=Invoice.Status.PAID, by=invoicing_rep)
    yesterday = timezone.now() - timedelta(days=1)
    Invoice.objects.filter(pk=invoice.pk).update(paid_at=yesterday)

    response = as_manager.post(f"/api/invoices/{invoice.pk}/undo/", {"reason": "Bounced"}, format="json")

    assert response.status_code == 409
    day = timezone.localtime(yesterday).strftime("%b %-d, %Y")
    assert response.json() == {
        "detail": f"Invoice INV-000001 was marked Paid on {day}; a mark can be undone only on the day it was made."
    }
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
