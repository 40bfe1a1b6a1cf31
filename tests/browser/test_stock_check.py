"""Stock in the browser: the rep types the supplier's ids on the order; production sees the last reading as the PO
opens, reads it again with Check stock, and confirms the proposed backorder."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from backorders.inventory_sync import supplier_inventory_sync
from backorders.models import Backorder
from projects.models import SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrderItem
from purchasing.promostandards.simulator import SimulatedPart
from purchasing.services import supplier_update
from tests.backorders.conftest import SUPPLIER_PASSWORD, order_status_supplier, simulator  # noqa: F401
from tests.browser.problems import refused_form

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_browser_dialogs"),
]


@refused_form(r"/projects/\d+/sales-orders/new/")
def test_a_rep_types_the_suppliers_ids_of_an_item_on_the_order_entry_page(page, sign_in, mug_order, sales_rep):
    project = mug_order.order.project
    supplier = mug_order.po.supplier
    sign_in(sales_rep)
    page.goto(f"/projects/{project.pk}/sales-orders/new/")
    row = page.locator("[data-item-row]").nth(0)
    row.get_by_label("Description").fill("Travel mug, 1-colour print")
    row.get_by_label("Supplier", exact=True).select_option(label=supplier.name)
    row.get_by_label("Quantity").fill("144")
    row.get_by_label("Unit price").fill("9.00")

    # The ids sit folded under each row, optional and labelled
    expect(row.get_by_label("Product id")).to_be_hidden()
    row.locator("summary", has_text="Supplier's ids").click()
    row.get_by_label("Product id").fill("<b>TM20</b>")
    row.get_by_label("Part id").fill("TM20-BLU")
    row.get_by_label("Units per pack").fill("24")
    page.get_by_role("button", name="Create sales order").click()

    # A refused id is named beside its box, the box still open; nothing is written
    expect(page.get_by_text("The supplier's product id must be plain text")).to_be_visible()
    assert SalesOrder.objects.count() == 1
    row = page.locator("[data-item-row]").nth(0)
    row.get_by_label("Product id").fill("TM20")
    # Duplicating the row carries the ids with it
    page.get_by_role("button", name="Duplicate item 1").click()
    copy = page.locator("[data-item-row]").nth(1)
    expect(copy.get_by_label("Quantity")).to_have_value("144")
    copy.locator("summary", has_text="Supplier's ids").click()
    expect(copy.get_by_label("Product id")).to_have_value("TM20")
    copy.get_by_label("Part id").fill("TM20-RED")
    page.get_by_role("button", name="Create sales order").click()

    expect(page.get_by_role("status")).to_contain_text("is written")
    order = SalesOrder.objects.exclude(pk=mug_order.order.pk).get()
    assert list(
        SalesOrderItem.objects.filter(sales_order=order)
        .order_by("position")
        .values_list("supplier_product_id", "supplier_part_id", "supplier_units_per_pack")
    ) == [("TM20", "TM20-BLU", 24), ("TM20", "TM20-RED", 24)]


def test_production_sees_the_last_reading_as_the_po_opens_checks_again_and_confirms_the_proposal(
    page,
    sign_in,
    screenshot,
    order_status_supplier,  # noqa: F811
    simulator,  # noqa: F811
    mug_order,
    production_rep,
):
    # given the supplier has 120 of the 500 white mugs, 400 more on March 1, as the daily re-check read 3 hours ago
    SalesOrderItem.objects.filter(pk=mug_order.mugs.pk).update(supplier_product_id="MUG11", supplier_part_id="WHT")
    simulator.app.stock["MUG11"] = [SimulatedPart("WHT", 120, [(400, date(2027, 3, 1))])]
    supplier_update(
        supplier=order_status_supplier,
        by=None,
        inventory_url=simulator.inventory_url,
        inventory_enabled=True,
        order_status_password=SUPPLIER_PASSWORD,
    )
    assert len(supplier_inventory_sync(supplier=order_status_supplier).proposals) == 1
    line = PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk)
    PurchaseOrderItem.objects.filter(pk=line.pk).update(stock_checked_at=line.stock_checked_at - timedelta(hours=3))
    asked = len(simulator.app.requests)

    # when the production rep opens the PO
    sign_in(production_rep)
    page.goto(f"/purchase-orders/{mug_order.po.pk}/")

    # then the line shows the reading kept, its age, and is marked, without asking the supplier
    stock = page.get_by_test_id("po-line-stock").first
    expect(stock).to_contain_text("120 available")
    expect(stock).to_contain_text("next: 400 on Mar 1, 2027")
    expect(stock.get_by_test_id("stock-read")).to_have_text("read 3\xa0hours ago")
    expect(page.get_by_test_id("likely-backorder")).to_have_text("likely backorder")
    assert len(simulator.app.requests) == asked
    screenshot("stock-on-load")

    # when the rep presses Check stock, the supplier is asked again and the reading is fresh
    page.get_by_role("button", name="Check stock").click()
    expect(page.get_by_role("status")).to_contain_text("Stock checked with")
    expect(page.get_by_test_id("po-line-stock").first.get_by_test_id("stock-read")).to_have_text("read just now")
    assert len(simulator.app.requests) == asked + 1
    screenshot("stock-check")

    # when the rep confirms the daily re-check's proposal of the 380 short in one click
    page.get_by_role("button", name="Confirm backorder: Backorder 380 × 11 oz mug").click()
    expect(page.get_by_test_id("open-backorders")).to_contain_text("11 oz mug, 2-colour print")
    backorder = Backorder.objects.get()
    assert (backorder.quantity, backorder.expected_date) == (380, date(2027, 3, 1))
    expect(page.get_by_test_id("likely-backorder")).to_have_count(0)
