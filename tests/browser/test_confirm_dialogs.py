"""Emailing a PO, emailing an invoice and voiding ask in the page's own dialog, never the browser's."""

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from invoicing.models import Invoice
from invoicing.services.issue import LineRequest, invoice_create
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_browser_dialogs"),
]


@pytest.fixture
def open_invoice(mug_order, invoicing_rep):
    """INV-000001 for the whole of SO-1001, open (not yet emailed)."""
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=SalesOrder.Status.READY_TO_BE_INVOICED)
    mug_order.refresh()
    lines = [LineRequest(mug_order.mugs, 500), LineRequest(mug_order.setup, 1)]
    return invoice_create(sales_order=mug_order.order, lines=lines, by=invoicing_rep)


def test_email_po_asks_in_the_page_dialog_named_by_the_po(page, sign_in, screenshot, mug_order, production_rep):
    sign_in(production_rep)
    page.goto(reverse("purchase-order-detail", args=[mug_order.po.pk]))
    mail.outbox.clear()

    button = page.get_by_role("button", name="Email PO to supplier")
    button.click()
    dialog = page.get_by_role("dialog", name="Email PO-1001")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Email PO-1001 with its PDF to {mug_order.po.supplier.email}?")
    # the focus is in the dialog, on the safe choice
    expect(dialog.get_by_role("button", name="Go back")).to_be_focused()
    screenshot("email-po-dialog")

    # Escape cancels: nothing is sent and the focus is back on the button
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    assert mail.outbox == []
    assert PurchaseOrder.objects.get(pk=mug_order.po.pk).email_state == "not_requested"

    button.click()
    dialog.get_by_role("button", name="Email PO-1001").click()
    expect(page.get_by_test_id("po-email-state")).to_contain_text(mug_order.po.supplier.email)
    assert [message.to for message in mail.outbox] == [[mug_order.po.supplier.email]]


def test_email_invoice_asks_in_the_page_dialog(page, sign_in, open_invoice, invoicing_rep):
    sign_in(invoicing_rep)
    page.goto(reverse("invoice-detail", args=[open_invoice.pk]))
    client_email = open_invoice.sales_order.project.client.billing_email

    page.get_by_role("button", name="Email to client").click()
    dialog = page.get_by_role("dialog", name="Email INV-000001")
    expect(dialog).to_contain_text(f"Email INV-000001 with its PDF to {client_email}?")
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    assert Invoice.objects.get(pk=open_invoice.pk).status == Invoice.Status.OPEN

    page.get_by_role("button", name="Email to client").click()
    dialog.get_by_role("button", name="Email INV-000001").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Sent to Client")


def test_void_asks_in_the_page_dialog(page, sign_in, open_invoice, manager):
    sign_in(manager)
    page.goto(reverse("invoice-detail", args=[open_invoice.pk]))
    page.get_by_label("Reason").fill("Issued to the wrong client contact")

    page.get_by_role("button", name="Void invoice").click()
    dialog = page.get_by_role("dialog", name="Void INV-000001")
    expect(dialog).to_contain_text("Void INV-000001? Its quantities go back to SO-1001.")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert Invoice.objects.get(pk=open_invoice.pk).status == Invoice.Status.OPEN

    page.get_by_role("button", name="Void invoice").click()
    dialog.get_by_role("button", name="Void INV-000001").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Void")
