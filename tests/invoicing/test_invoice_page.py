"""The invoice page: facts, lines and totals, and only the buttons whose action will work."""

from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing.models import Invoice
from invoicing.services.marks import invoice_status_change
from projects.models import Activity, SalesOrder
from projects.selectors import sales_order_detail
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change

pytestmark = pytest.mark.django_db


def _url(invoice, name="invoice-detail"):
    return reverse(name, args=[invoice.pk])


def _buttons(html: str) -> dict[str, bool]:
    return {
        "pdf": "Download PDF" in html,
        "email": "Email to client" in html,
        "exported": "Mark exported" in html,
        "paid": "Mark paid" in html,
        "void": "Void invoice" in html,
    }


def test_page_shows_the_invoice_in_full(partial_invoice, ivy_client):
    response = ivy_client.get(_url(partial_invoice))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Invoice INV-000001" in html
    assert 'data-testid="invoice-kind">Partial<' in html
    assert 'data-testid="invoice-position"' not in html  # the first invoice is not "1 of 1"
    assert 'data-testid="invoice-status">Open<' in html
    assert partial_invoice.sales_order.project.client.name in html
    assert partial_invoice.date.strftime("%b") in html
    assert "11 oz mug, 2-colour print" in html and "Setup charge" in html
    assert 'data-testid="invoice-subtotal">1,340.00<' in html
    assert 'data-testid="invoice-tax">110.55<' in html
    assert 'data-testid="invoice-total">1,450.55<' in html
    assert "Net 30 days" in html
    assert 'data-testid="order-remaining">850.00<' in html


def test_the_final_invoice_is_2_of_2(partial_invoice, backordered_mug_order, production_rep, issue, ivy_client):
    mug = backordered_mug_order
    purchase_order_stage_change(purchase_order=mug.po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=production_rep)
    final = issue(mug.order, (mug.mugs, 200))

    html = ivy_client.get(_url(final)).content.decode()

    assert 'data-testid="invoice-kind">Final<' in html
    assert 'data-testid="invoice-position">2 of 2<' in html


def test_invoicing_rep_sees_the_actions_that_will_work(partial_invoice, ivy_client):
    html = ivy_client.get(_url(partial_invoice)).content.decode()

    assert _buttons(html) == {"pdf": True, "email": True, "exported": True, "paid": True, "void": False}
    assert "Client link" in html and reverse("invoice-client-view", args=["x"])[:-2] in html


def test_manager_may_also_void(partial_invoice, max_client):
    html = max_client.get(_url(partial_invoice)).content.decode()

    assert _buttons(html)["void"] is True
    assert '<label for="id_reason">Reason for voiding</label>' in html


def test_a_paid_invoice_offers_only_its_pdf(partial_invoice, invoicing_rep, max_client):
    invoice_status_change(invoice=partial_invoice, status=Invoice.Status.PAID, by=invoicing_rep)

    html = max_client.get(_url(partial_invoice)).content.decode()

    assert _buttons(html) == {"pdf": True, "email": False, "exported": False, "paid": False, "void": False}


def test_a_sales_rep_reads_the_invoice_but_acts_on_nothing(partial_invoice, client, sales_rep):
    client.force_login(sales_rep)

    html = client.get(_url(partial_invoice)).content.decode()

    assert _buttons(html) == {"pdf": True, "email": False, "exported": False, "paid": False, "void": False}


def test_mark_exported_then_paid(partial_invoice, ivy_client):
    response = ivy_client.post(
        _url(partial_invoice, "invoice-status"), {"status": "exported", "confirm": "1"}, follow=True
    )
    assert "Invoice INV-000001 is now Exported." in response.content.decode()
    html = response.content.decode()
    assert _buttons(html)["exported"] is False and _buttons(html)["paid"] is True

    ivy_client.post(_url(partial_invoice, "invoice-status"), {"status": "paid", "confirm": "1"})

    partial_invoice.refresh_from_db()
    assert partial_invoice.status == Invoice.Status.PAID


def test_a_move_the_status_does_not_allow_is_refused_with_a_message(partial_invoice, invoicing_rep, ivy_client):
    invoice_status_change(invoice=partial_invoice, status=Invoice.Status.PAID, by=invoicing_rep)

    response = ivy_client.post(_url(partial_invoice, "invoice-status"), {"status": "exported"}, follow=True)

    assert "Invoice INV-000001 is Paid; it cannot be marked Exported." in response.content.decode()
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == Invoice.Status.PAID


def test_void_returns_the_quantities_to_the_order(partial_invoice, backordered_mug_order, max_client):
    mug = backordered_mug_order

    response = max_client.post(_url(partial_invoice, "invoice-void"), {"reason": "Wrong PO number"}, follow=True)

    html = response.content.decode()
    assert "Invoice INV-000001 is void; its quantities are back on SO-1001 to invoice again." in html
    assert 'data-testid="invoice-status">Void<' in html
    assert "Client link" not in html  # a void invoice has no client view
    partial_invoice.refresh_from_db()
    assert (partial_invoice.status, partial_invoice.void_reason) == (Invoice.Status.VOID, "Wrong PO number")
    order = sales_order_detail(pk=mug.order.pk)
    mugs = next(item for item in order.items.all() if item.pk == mug.mugs.pk)
    assert (mugs.invoiced, mugs.remaining, mugs.ready) == (0, 500, 300)
    assert order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    assert order.billing_status == SalesOrder.BillingStatus.NOT_INVOICED
    assert order.remaining_amount == Decimal("2190.00")
    assert Activity.objects.filter(verb="voided", detail="Wrong PO number").exists()


def test_the_next_invoice_after_a_void_counts_1_of_1(
    partial_invoice, backordered_mug_order, manager, issue, max_client
):
    max_client.post(_url(partial_invoice, "invoice-void"), {"reason": "Wrong PO number"})
    again = issue(backordered_mug_order.order, (backordered_mug_order.mugs, 300))

    html = max_client.get(_url(again)).content.decode()

    assert again.number == "INV-000002"
    assert 'data-testid="invoice-position"' not in html  # alone again once the first is void


def test_void_needs_a_reason(partial_invoice, max_client):
    response = max_client.post(_url(partial_invoice, "invoice-void"), {"reason": "  "})

    assert response.status_code == 400
    assert response.context["void_form"].errors == {"reason": ["Say why the invoice is void."]}
    assert 'id="void-reason-error" role="alert">Say why the invoice is void.' in response.content.decode()
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == Invoice.Status.OPEN


def test_only_managers_may_void(partial_invoice, ivy_client):
    response = ivy_client.post(_url(partial_invoice, "invoice-void"), {"reason": "Mistake"})

    assert response.status_code == 403
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == Invoice.Status.OPEN


def test_staff_pdf_opens_in_the_browser(partial_invoice, ivy_client):
    response = ivy_client.get(_url(partial_invoice, "invoice-pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="INV-000001.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_staff_pdf_download(partial_invoice, ivy_client):
    response = ivy_client.get(_url(partial_invoice, "invoice-pdf"), {"download": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="INV-000001.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_the_page_offers_to_open_the_pdf_and_to_download_it(partial_invoice, ivy_client):
    html = ivy_client.get(_url(partial_invoice)).content.decode()
    pdf = _url(partial_invoice, "invoice-pdf")

    assert f'<a class="button" href="{pdf}" target="_blank" rel="noopener">Open PDF</a>' in html
    assert f'<a class="button" href="{pdf}?download=1" download>Download PDF</a>' in html


def test_signed_out_visitors_see_no_invoice_and_no_pdf(partial_invoice, client):
    for name in ("invoice-detail", "invoice-pdf"):
        response = client.get(_url(partial_invoice, name))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_actions_need_post(partial_invoice, ivy_client):
    for name in ("invoice-send", "invoice-status", "invoice-void"):
        assert ivy_client.get(_url(partial_invoice, name)).status_code == 405
