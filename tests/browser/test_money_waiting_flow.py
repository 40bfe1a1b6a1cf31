"""A manager in the browser: signs in to Money waiting and follows its figures to the reports behind them."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from backorders.services import BackorderRequest, backorder_flag
from invoicing.models import Invoice
from invoicing.services.issue import invoice_create
from purchasing.models import PurchaseOrder

pytestmark = pytest.mark.browser


def test_a_manager_lands_on_money_waiting_and_each_figure_opens_a_report_with_the_same_total(
    page, sign_in, screenshot, mug_order, production_rep, invoicing_rep, manager, next_week
):
    # given 200 of SO-1001's 500 mugs backordered (850.00), and the rest invoiced (1,450.55 with tax),
    # of which the client has paid 400.00
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short on white mugs")],
        note="@sam @ivy 300 mugs and the setup charge can be invoiced now; 200 mugs follow.",
        by=production_rep,
    )
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    Invoice.objects.filter(pk=invoice.pk).update(paid_amount=Decimal("400.00"))

    # when the manager signs in, Money waiting is their home page
    sign_in(manager)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Money waiting", level=1)).to_be_visible()
    unpaid = page.locator('[data-figure="unpaid"]').get_by_role("link")
    blocked = page.locator('[data-figure="blocked"]').get_by_role("link")
    expect(unpaid).to_have_text("1,050.55")
    expect(blocked).to_have_text("850.00")
    expect(page.get_by_test_id("blocked-by-date").get_by_role("link", name="850.00").first).to_be_visible()
    screenshot("money-waiting")

    # then the unpaid figure opens the Invoices Report filtered to what is owed, with the same total
    unpaid.click()
    expect(page.get_by_role("heading", name="Invoices Report", level=1)).to_be_visible()
    expect(page.get_by_label("Payment")).to_have_value("yes")
    expect(page.locator('[data-total="balance-due"]')).to_have_text("1,050.55")
    expect(page.get_by_test_id("report-rows").get_by_role("link", name=invoice.number)).to_be_visible()
    screenshot("money-waiting-unpaid-in-the-invoices-report")

    # and the blocked figure opens the Backorders report, whose value is the same
    page.go_back()
    blocked.click()
    expect(page.get_by_role("heading", name="Open backorders", level=1)).to_be_visible()
    expect(page.locator('[data-total="value"]')).to_have_text("850.00")
