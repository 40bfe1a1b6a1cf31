"""A manager credits one line of an invoice in the browser and sees the credit note and what remains."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from invoicing.models import CreditNote
from invoicing.services.issue import invoice_create
from projects.models import SalesOrder
from tests.browser.problems import refused_form
from tests.factories import SalesOrderFactory, SalesOrderItemFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_browser_dialogs"),
]


@pytest.fixture
def invoice(invoicing_rep):
    """INV-000001 for all of SO-2001: 100 caps at 12.00 and 40 bags at 3.35, 8.25% tax, 1,444.06."""
    order = SalesOrderFactory(
        number="SO-2001", status=SalesOrder.Status.READY_TO_BE_INVOICED, project__invoicing_rep=invoicing_rep
    )
    SalesOrderItemFactory(
        sales_order=order, description="Embroidered cap", quantity=100, unit_price=Decimal("12.00"), position=0
    )
    SalesOrderItemFactory(
        sales_order=order, description="Tote bag", quantity=40, unit_price=Decimal("3.35"), position=1
    )
    return invoice_create(sales_order=order, by=invoicing_rep)


# 101 caps are credited on purpose: the form comes back 400 with the error by the quantity.
@refused_form(r"/invoices/\d+/credit/")
def test_a_manager_credits_one_line_and_sees_the_credit_note_and_the_new_balance(
    page, sign_in, screenshot, invoice, manager
):
    assert invoice.total == Decimal("1444.06")
    sign_in(manager)
    page.goto(reverse("invoice-detail", args=[invoice.pk]))

    page.get_by_role("link", name="Credit…").click()
    expect(page.get_by_role("heading", name="Credit invoice INV-000001")).to_be_visible()
    # A wrong quantity is refused next to its field, and nothing is credited.
    caps = page.get_by_label("Embroidered cap: quantity to credit (at most 100)")
    caps.fill("101")
    page.get_by_label("Reason").fill("Ten caps came with a crooked logo")
    page.get_by_role("button", name="Issue credit note").click()
    expect(page.get_by_text("Enter a whole number from 0 to 100 for Embroidered cap.")).to_be_visible()
    assert CreditNote.objects.count() == 0

    caps.fill("10")
    screenshot("credit-note-form")
    page.get_by_role("button", name="Issue credit note").click()

    # 10 × 12.00 = 120.00, tax 8.25% = 9.90
    expect(page.get_by_role("heading", name="Credit note CN-000001")).to_be_visible()
    expect(page.get_by_text("Issued credit note CN-000001 for 129.90 on INV-000001")).to_be_visible()
    expect(page.get_by_test_id("credit-note-total")).to_have_text("129.90")
    expect(page.get_by_test_id("credit-note-lines")).to_contain_text("Embroidered cap")
    expect(page.get_by_test_id("credit-note-lines")).not_to_contain_text("Tote bag")
    expect(page.get_by_test_id("credit-note-reason")).to_have_text("Ten caps came with a crooked logo")
    screenshot("credit-note-page")

    page.get_by_test_id("credit-note-invoice").click()
    expect(page.get_by_role("heading", name="Invoice INV-000001")).to_be_visible()
    expect(page.get_by_test_id("credited-amount")).to_have_text("129.90")
    expect(page.get_by_test_id("invoice-after-credits")).to_have_text("1,314.16")
    expect(page.get_by_test_id("credit-notes")).to_contain_text("CN-000001")
    # The ten caps are back on the order to invoice again.
    expect(page.get_by_test_id("order-remaining")).to_have_text("120.00")
    expect(page.get_by_role("button", name="Void invoice")).to_have_count(0)
    screenshot("invoice-with-credit-note")
