"""The sales rep in the browser: from a client nobody has heard of to a purchase order emailed to its supplier."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from projects.models import Client, Project, SalesOrder
from purchasing.models import PurchaseOrder, Supplier
from tests.browser.problems import refused_form

pytestmark = pytest.mark.browser


# A quantity of 0 is saved on purpose: the editor comes back 400 with the error by the field.
@refused_form(r"/projects/\d+/sales-orders/new/")
def test_from_a_new_client_to_a_purchase_order_emailed_to_the_supplier(
    page, sign_in, screenshot, sales_rep, production_rep, invoicing_rep
):
    sign_in(sales_rep)

    # A new client, from the Clients page.
    page.get_by_role("link", name="Clients").first.click()
    page.get_by_role("link", name="New client").click()
    page.get_by_label("Name").fill("Harbor Fair")
    page.get_by_label("Billing email").fill("accounts@harborfair.example.com")
    page.get_by_label("Billing address").fill("9 Pier Road\nPortland, OR 97201")
    page.get_by_role("button", name="Save client").click()
    expect(page.get_by_role("heading", name="Harbor Fair")).to_be_visible()

    # Two suppliers: one for the mugs, one for the print setup.
    for name, email in (("Mugs & Co", "orders@mugs.example.com"), ("Ace Print", "po@aceprint.example.com")):
        page.get_by_role("link", name="Suppliers").first.click()
        page.get_by_role("link", name="New supplier").click()
        page.get_by_label("Name").fill(name)
        page.get_by_label("Email").fill(email)
        page.get_by_role("button", name="Save supplier").click()
        expect(page.get_by_role("heading", name=name)).to_be_visible()

    # A project for the client, opened from the client's page.
    page.get_by_role("link", name="Clients").first.click()
    page.get_by_role("link", name="Harbor Fair").click()
    page.get_by_role("link", name="New project").click()
    expect(page.get_by_label("Client")).to_have_value(str(Client.objects.get().pk))
    page.get_by_label("Project name").fill("Spring fair mugs")
    page.get_by_label("Production rep").select_option(label=production_rep.get_full_name())
    page.get_by_label("Invoicing rep").select_option(label=invoicing_rep.get_full_name())
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("Project P-1001 is open. Add its first sales order.")).to_be_visible()

    # A sales order: rows added and removed in place, the running total following what is typed.
    page.get_by_role("link", name="New sales order").click()
    page.get_by_label("In-hands date").fill("2030-05-01")
    first = page.locator("[data-item-row]").nth(0)
    first.get_by_label("Description").fill("11 oz mug, 2-colour print")
    first.get_by_label("Supplier").select_option(label="Mugs & Co")
    first.get_by_label("Quantity").fill("500")
    first.get_by_label("Unit price").fill("4.25")
    first.get_by_label("Tax %").fill("8.25")
    expect(page.get_by_test_id("order-total")).to_have_text("2,300.31")  # 2,125.00 + 175.31

    page.get_by_role("button", name="Add an item").click()
    page.get_by_role("button", name="Add an item").click()
    expect(page.locator("[data-item-row]")).to_have_count(3)
    page.get_by_role("button", name="Remove item 3").click()
    expect(page.locator("[data-item-row]")).to_have_count(2)
    second = page.locator("[data-item-row]").nth(1)
    second.get_by_label("Kind").select_option(label="Service")
    second.get_by_label("Description").fill("Setup charge")
    second.get_by_label("Supplier").select_option(label="Ace Print")
    second.get_by_label("Quantity").fill("1")
    second.get_by_label("Unit price").fill("65.00")
    second.get_by_label("Tax %").fill("8.25")
    expect(page.get_by_test_id("order-subtotal")).to_have_text("2,190.00")
    expect(page.get_by_test_id("order-total")).to_have_text("2,370.67")  # taxes 175.31 + 5.36
    expect(second.get_by_test_id("row-amount")).to_have_text("65.00")

    # A mistake is shown next to its field, and nothing is saved until it is fixed.
    second.get_by_label("Quantity").fill("0")
    page.get_by_role("button", name="Create sales order").click()
    refused = (
        page.locator("[data-item-row]").nth(1).get_by_text("Quantity must be a whole number from 1 to 10,000,000.")
    )
    expect(refused).to_be_visible()
    assert not SalesOrder.objects.exists()
    page.locator("[data-item-row]").nth(1).get_by_label("Quantity").fill("1")
    screenshot("sales-order-editor")
    page.get_by_role("button", name="Create sales order").click()
    expect(page.get_by_text("Sales order SO-1001 is written.")).to_be_visible()
    expect(page.get_by_test_id("remaining-net")).to_have_text("2,190.00")

    # Create purchase orders: reviewed first, one per supplier, then saved.
    page.get_by_role("link", name="Create purchase orders").click()
    expect(page.get_by_test_id("po-draft")).to_have_count(2)
    assert not PurchaseOrder.objects.exists()
    screenshot("purchase-orders-review")
    page.get_by_role("button", name="Create 2 purchase orders").click()
    expect(page.get_by_text("Created 2 purchase orders: PO-1001 to Ace Print, PO-1002 to Mugs & Co.")).to_be_visible()
    expect(page.get_by_role("link", name="Create purchase orders")).to_have_count(0)
    expect(page.get_by_test_id("items-locked")).to_contain_text("PO-1001, PO-1002 can no longer change here")

    # The mugs' PO is emailed to Mugs & Co with its PDF.
    page.get_by_role("link", name="PO-1002").first.click()
    mail.outbox.clear()
    page.get_by_role("button", name="Email PO to supplier").click()
    page.get_by_role("dialog").get_by_role("button", name="Email PO-1002").click()
    expect(page.get_by_test_id("po-email-state")).to_contain_text("orders@mugs.example.com")
    [message] = mail.outbox
    assert message.to == ["orders@mugs.example.com"]
    assert message.subject.startswith("Purchase order PO-1002")
    assert [attachment[2] for attachment in message.attachments] == ["application/pdf"]
    po = PurchaseOrder.objects.get(number="PO-1002")
    assert (po.supplier, po.email_state, po.stage) == (Supplier.objects.get(name="Mugs & Co"), "sent", "submitted")
    assert Project.objects.get().number == "P-1001"
    screenshot("purchase-order-emailed")
