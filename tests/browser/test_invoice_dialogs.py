"""Marking paid and issuing a draft ask first, in the page's own dialog (never window.confirm)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from invoicing.models import Invoice
from invoicing.services.issue import LineRequest, invoice_create
from projects.models import SalesOrder
from tests.factories import SalesOrderFactory, SalesOrderItemFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_browser_dialogs"),
]


@pytest.fixture
def ready_order(invoicing_rep):
    """SO-2001 Ready to be Invoiced: 100 caps at 12.00 and 40 bags at 3.35, 8.25% tax."""
    order = SalesOrderFactory(
        number="SO-2001", status=SalesOrder.Status.READY_TO_BE_INVOICED, project__invoicing_rep=invoicing_rep
    )
    SalesOrderItemFactory(
        sales_order=order, description="Embroidered cap", quantity=100, unit_price=Decimal("12.00"), position=0
    )
    SalesOrderItemFactory(
        sales_order=order, description="Tote bag", quantity=40, unit_price=Decimal("3.35"), position=1
    )
    return order


def test_mark_paid_asks_in_a_dialog_and_go_back_changes_nothing(page, sign_in, screenshot, ready_order, invoicing_rep):
    invoice = invoice_create(sales_order=ready_order, by=invoicing_rep)
    sign_in(invoicing_rep)
    page.goto(reverse("invoice-detail", args=[invoice.pk]))

    page.get_by_role("button", name="Mark paid").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(
        "Mark INV-000001 paid? It can no longer be voided once paid. A manager can undo the mark today only."
    )
    screenshot("mark-paid-dialog")
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Mark paid")).to_be_focused()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN

    page.get_by_role("button", name="Mark paid").click()
    dialog.get_by_role("button", name="Mark paid").click()

    expect(page.get_by_text("Invoice INV-000001 is now Paid.")).to_be_visible()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Paid")


def test_a_draft_is_saved_then_issued_from_its_page_after_the_dialog(
    page, sign_in, screenshot, ready_order, invoicing_rep
):
    caps = ready_order.items.order_by("position").first()
    draft = invoice_create(sales_order=ready_order, lines=[LineRequest(caps, 50)], by=invoicing_rep, draft=True)
    sign_in(invoicing_rep)
    page.goto(reverse("invoice-detail", args=[draft.pk]))
    expect(page.get_by_role("heading", name="Draft invoice")).to_be_visible()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Draft")

    page.get_by_role("button", name="Issue invoice").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(
        "Issue an invoice for 649.50? After it, 734.00 (net) will remain to invoice on SO-2001."
    )
    screenshot("issue-draft-dialog")
    dialog.get_by_role("button", name="Issue invoice").click()

    expect(page.get_by_text("Issued partial invoice INV-000001 for 649.50.")).to_be_visible()
    expect(page.get_by_role("heading", name="Invoice INV-000001")).to_be_visible()
