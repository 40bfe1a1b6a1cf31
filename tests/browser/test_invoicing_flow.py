"""The invoicing rep in the browser: a partial invoice for what is ready, emailed, then the final one."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from backorders.services import BackorderRequest, backorder_flag
from invoicing.models import Invoice
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change
from tests.browser.conftest import SCREENSHOTS
from tests.browser.problems import refused_form

pytestmark = pytest.mark.browser


def _open_order_from_desk(page, order) -> str:
    """Follow My desk's link to the order; go by address while the desk has no such link."""
    page.goto(reverse("desk"))
    link = page.get_by_role("link", name=re.compile(re.escape(order.number)))
    if link.count():
        link.first.click()
        return "desk"
    page.goto(reverse("sales-order-detail", args=[order.pk]))
    return "address"


def test_partial_then_final_invoice_in_the_browser(
    page, new_context, sign_in, screenshot, mug_order, production_rep, invoicing_rep, next_week
):
    # given SO-1001 (500 mugs and a setup charge) with 200 mugs backordered and Ready to be Invoiced
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short on white mugs")],
        note="@sam @ivy 300 mugs and the setup charge can be invoiced now; 200 mugs follow.",
        by=production_rep,
    )
    order = mug_order.order
    client = order.project.client

    # when Ivy signs in and opens the order from her desk
    sign_in(invoicing_rep)
    route = _open_order_from_desk(page, order)
    print(f"opened {order.number} by {route}")
    expect(page.get_by_role("heading", name=f"Sales order {order.number}")).to_be_visible()
    expect(page.get_by_test_id("so-status")).to_have_text("Ready to be Invoiced")
    expect(page.get_by_test_id("remaining-net")).to_have_text("2,190.00")
    expect(page.get_by_test_id("ready-amount")).to_have_text("1,340.00")

    # and creates an invoice: 300 mugs and the setup charge are proposed, a partial invoice
    page.get_by_role("link", name="Create invoice").click()
    mugs = page.get_by_label("Quantity of 11 oz mug, 2-colour print to invoice")
    expect(mugs).to_have_value("300")
    expect(page.get_by_label("Quantity of Setup charge to invoice")).to_have_value("1")
    expect(page.locator("[data-total]")).to_have_text("1,450.55")
    expect(page.locator("[data-kind-label]")).to_have_text("This will be a partial invoice")

    # a quantity above what remains is refused next to its row while typing
    mugs.fill("600")
    expect(page.get_by_text("Only 500 of 11 oz mug, 2-colour print remain to invoice; enter 0 to 500.")).to_be_visible()
    expect(page.locator("[data-kind-label]")).to_have_text("Check the quantities")

    # she lowers the mugs to 250 and removes the setup charge; the totals follow
    mugs.fill("250")
    page.get_by_role("button", name="Remove Setup charge").click()
    expect(page.get_by_role("button", name="Put back Setup charge")).to_be_visible()
    expect(page.locator("[data-subtotal]")).to_have_text("1,062.50")
    expect(page.locator("[data-tax]")).to_have_text("87.66")
    expect(page.locator("[data-total]")).to_have_text("1,150.16")
    expect(page.locator("[data-kind-detail]")).to_have_text(
        "After it, 251 units worth 1,127.50 (net) will remain to invoice on SO-1001."
    )
    screenshot("create-invoice")
    page.get_by_role("button", name="Issue invoice").click()

    # she is asked first, with the total and what will remain
    confirm = page.get_by_role("dialog")
    expect(confirm).to_have_text(
        re.compile(r"Issue an invoice for 1,150\.16\? After it, 1,127\.50 \(net\) will remain to invoice on SO-1001\.")
    )
    screenshot("create-invoice-confirm")
    confirm.get_by_role("button", name="Issue invoice").click()

    # then the partial invoice is issued for the 250 mugs alone
    expect(page.get_by_text("Issued partial invoice INV-000001 for 1,150.16.")).to_be_visible()
    expect(page.get_by_test_id("invoice-kind")).to_have_text("Partial")
    expect(page.get_by_test_id("invoice-position")).to_have_count(0)  # not "Partial 1 of 1"
    expect(page.get_by_test_id("invoice-total")).to_have_text("1,150.16")
    expect(page.get_by_test_id("invoice-lines")).not_to_contain_text("Setup charge")

    # when she emails it to the client, confirming in the page's dialog
    page.get_by_role("button", name="Email to client").click()
    page.get_by_role("dialog").get_by_role("button", name="Email INV-000001").click()

    # then it is Sent to Client and the client has the email with the PDF
    expect(page.get_by_test_id("invoice-status")).to_have_text("Sent to Client")
    expect(page.get_by_text(f"Invoice INV-000001 was emailed to {client.billing_email}")).to_be_visible()
    [email] = [message for message in mail.outbox if message.to == [client.billing_email]]
    assert email.attachments[0][0] == "INV-000001.pdf"
    screenshot("invoice")

    # the client opens the emailed link without signing in and sees that invoice
    link = urlsplit(re.search(r"http://\S+/invoices/c/\S+/", email.body).group(0)).path
    client_page = new_context().new_page()
    client_page.goto(link)
    expect(client_page.get_by_role("heading", name="INVOICE")).to_be_visible()
    expect(client_page.locator("body")).to_contain_text("INV-000001")
    expect(client_page.locator("body")).to_contain_text("1,150.16")
    expect(client_page.get_by_role("link", name="My desk")).to_have_count(0)
    client_page.screenshot(path=str(SCREENSHOTS / "invoice-client-view.png"), full_page=True)

    # the order waits for the backordered mugs
    page.get_by_role("link", name=order.number).first.click()
    expect(page.get_by_test_id("so-status")).to_have_text("In Production")
    expect(page.get_by_test_id("billing-status")).to_have_text("Partially invoiced")
    expect(page.get_by_test_id("remaining-net")).to_have_text("1,127.50")  # 250 mugs and the setup charge
    expect(page.get_by_role("link", name="Create invoice")).to_have_count(0)

    # later: the supplier ships the rest and the PO reaches Ready for Billing
    purchase_order_stage_change(
        purchase_order=mug_order.po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=production_rep
    )

    # when Ivy comes back to the order, the final invoice proposes exactly the rest
    route = _open_order_from_desk(page, order)
    print(f"opened {order.number} again by {route}")
    expect(page.get_by_test_id("so-status")).to_have_text("Ready to be Invoiced")
    page.get_by_role("link", name="Create invoice").click()
    expect(page.get_by_label("Quantity of 11 oz mug, 2-colour print to invoice")).to_have_value("250")
    expect(page.get_by_label("Quantity of Setup charge to invoice")).to_have_value("1")
    expect(page.locator("[data-kind-label]")).to_have_text("This will be the final invoice")
    expect(page.locator("[data-total]")).to_have_text("1,220.52")  # 1,127.50 + 93.02 tax
    screenshot("create-final-invoice")
    page.get_by_role("button", name="Issue invoice").click()
    confirm = page.get_by_role("dialog")
    expect(confirm).to_contain_text("Issue the final invoice for 1,220.52? Nothing will remain to invoice on SO-1001.")
    confirm.get_by_role("button", name="Issue invoice").click()

    expect(page.get_by_text("Issued final invoice INV-000002 for 1,220.52.")).to_be_visible()
    expect(page.get_by_test_id("invoice-kind")).to_have_text("Final")
    expect(page.get_by_test_id("invoice-position")).to_have_text("2 of 2")
    page.get_by_role("button", name="Email to client").click()
    page.get_by_role("dialog").get_by_role("button", name="Email INV-000002").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Sent to Client")

    # then nothing remains and the order is Invoiced
    page.get_by_role("link", name=order.number).first.click()
    expect(page.get_by_test_id("so-status")).to_have_text("Invoiced")
    expect(page.get_by_test_id("billing-status")).to_have_text("Fully invoiced")
    expect(page.get_by_test_id("remaining-net")).to_have_text("0.00")
    expect(page.get_by_test_id("remaining-gross")).to_have_text("0.00")
    screenshot("sales-order-invoiced")
    assert SalesOrder.objects.get(pk=order.pk).status == SalesOrder.Status.INVOICED
    assert list(Invoice.objects.order_by("number").values_list("kind", "status")) == [
        ("partial", "sent_to_client"),
        ("final", "sent_to_client"),
    ]


# 501 mugs are invoiced on purpose: without JavaScript the server refuses them, 400, by the row.
@refused_form(r"/invoices/new/\d+/")
def test_create_invoice_works_without_javascript(
    new_context, sign_in, mug_order, production_rep, invoicing_rep, next_week
):
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short on white mugs")],
        note="@ivy 300 mugs and the setup charge can be invoiced now.",
        by=production_rep,
    )
    page = sign_in(invoicing_rep, window=new_context(java_script_enabled=False).new_page())
    page.goto(reverse("invoice-create", args=[mug_order.order.pk]))

    # without JavaScript each row has an Include box instead of a Remove button
    expect(page.get_by_role("button", name="Remove Setup charge")).to_be_hidden()
    page.get_by_label("Include Setup charge").uncheck()
    mugs = page.get_by_label("Quantity of 11 oz mug, 2-colour print to invoice")

    # too many is refused by the server, next to the row, and nothing is issued
    mugs.fill("501")
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.get_by_text("Only 500 of 11 oz mug, 2-colour print remain to invoice; enter 0 to 500.")).to_be_visible()
    assert not Invoice.objects.exists()

    mugs.fill("120")
    page.get_by_role("button", name="Issue invoice").click()

    # the server asks first, with the total and what will remain, and nothing is issued yet
    expect(
        page.get_by_text("Issue an invoice for 552.08? After it, 1,680.00 (net) will remain to invoice on SO-1001.")
    ).to_be_visible()
    assert not Invoice.objects.exists()
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.get_by_text("Issued partial invoice INV-000001 for 552.08.")).to_be_visible()
    assert [(line.description, line.quantity) for line in Invoice.objects.get().lines.all()] == [
        ("11 oz mug, 2-colour print", 120)
    ]
