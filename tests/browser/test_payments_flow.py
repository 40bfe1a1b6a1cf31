"""The invoicing rep records a partial payment, then the rest, and the invoice is Paid."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from invoicing.models import Invoice, Payment
from invoicing.services.issue import invoice_create
from projects.models import SalesOrder
from tests.browser.problems import refused_form
from tests.factories import SalesOrderFactory, SalesOrderItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def invoice(invoicing_rep) -> Invoice:
    """INV-000001 for 100 caps at 12.00 and 40 bags at 3.35 with no tax: 1,334.00."""
    order = SalesOrderFactory(
        number="SO-2001", status=SalesOrder.Status.READY_TO_BE_INVOICED, project__invoicing_rep=invoicing_rep
    )
    SalesOrderItemFactory(
        sales_order=order, description="Embroidered cap", quantity=100, unit_price=Decimal("12.00"), tax_rate=0
    )
    SalesOrderItemFactory(
        sales_order=order, description="Tote bag", quantity=40, unit_price=Decimal("3.35"), tax_rate=0
    )
    invoice = invoice_create(sales_order=order, by=invoicing_rep)
    assert invoice.total == Decimal("1334.00")
    return invoice


# A payment of more than the balance is typed on purpose: the page comes back 400 with the error by the amount.
@refused_form(r"/invoices/\d+/payments/")
def test_a_partial_payment_then_the_rest_makes_the_invoice_paid(page, sign_in, screenshot, invoice, invoicing_rep):
    sign_in(invoicing_rep)
    page.goto(reverse("invoice-detail", args=[invoice.pk]))
    expect(page.get_by_test_id("invoice-balance-due")).to_have_text("1,334.00")
    payments = page.get_by_role("region", name="Payments")
    expect(payments.get_by_label("Amount")).to_have_value("1334.00")

    # the client's first check covers part of it
    payments.get_by_label("Amount").fill("1000")
    payments.get_by_label("Method").select_option(label="Check")
    payments.get_by_label("Reference").fill("Check 1042")
    payments.get_by_role("button", name="Record payment").click()

    expect(page.get_by_text("Recorded 1,000.00 on INV-000001; 334.00 is still due.")).to_be_visible()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Open")
    expect(page.get_by_test_id("invoice-balance-due")).to_have_text("334.00")
    expect(page.get_by_test_id("payments")).to_contain_text("Check 1042")
    screenshot("payment-partial")

    # a typo is refused next to the amount, and nothing is recorded
    payments = page.get_by_role("region", name="Payments")
    payments.get_by_label("Amount").fill("3340")
    payments.get_by_role("button", name="Record payment").click()
    expect(page.locator("#payment-amount_error")).to_have_text("3,340.00 is more than the balance due, 334.00.")
    expect(page.get_by_label("Amount")).to_have_attribute("aria-invalid", "true")
    assert Payment.objects.count() == 1

    # then the rest, by wire, proposed as the amount
    payments = page.get_by_role("region", name="Payments")
    payments.get_by_label("Amount").fill("334.00")
    payments.get_by_label("Method").select_option(label="Wire")
    payments.get_by_role("button", name="Record payment").click()

    expect(page.get_by_text("Recorded 334.00 on INV-000001; it is now Paid.")).to_be_visible()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Paid")
    expect(page.get_by_test_id("invoice-balance-due")).to_have_text("0.00")
    expect(page.get_by_role("button", name="Record payment")).to_have_count(0)
    screenshot("payment-paid")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PAID, Decimal("1334.00"))
