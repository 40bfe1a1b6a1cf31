"""Production checks the supplier's stock on the PO page; a short line is marked, and the daily proposal confirmed."""

from datetime import date

import pytest
from playwright.sync_api import expect

from backorders.inventory_sync import supplier_inventory_sync
from backorders.models import Backorder
from projects.models import SalesOrderItem
from purchasing.promostandards.simulator import SimulatedPart
from purchasing.services import supplier_update
from tests.backorders.conftest import SUPPLIER_PASSWORD, order_status_supplier, simulator  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_browser_dialogs"),
]


def test_production_checks_stock_and_confirms_the_proposed_backorder(
    page,
    sign_in,
    screenshot,
    order_status_supplier,  # noqa: F811
    simulator,  # noqa: F811
    mug_order,
    production_rep,
):
    # given the supplier has 120 of the 500 white mugs, 400 more on March 1
    SalesOrderItem.objects.filter(pk=mug_order.mugs.pk).update(supplier_product_id="MUG11", supplier_part_id="WHT")
    simulator.app.stock["MUG11"] = [SimulatedPart("WHT", 120, [(400, date(2027, 3, 1))])]
    supplier_update(
        supplier=order_status_supplier,
        by=None,
        inventory_url=simulator.inventory_url,
        inventory_enabled=True,
        order_status_password=SUPPLIER_PASSWORD,
    )

    # when the production rep opens the PO and presses Check stock
    sign_in(production_rep)
    page.goto(f"/purchase-orders/{mug_order.po.pk}/")
    page.get_by_role("button", name="Check stock").click()

    # then the line shows the supplier's stock and is marked
    expect(page.get_by_role("status")).to_contain_text("Stock checked with")
    stock = page.get_by_test_id("po-line-stock").first
    expect(stock).to_contain_text("120 available")
    expect(stock).to_contain_text("next: 400 on Mar 1, 2027")
    expect(page.get_by_test_id("likely-backorder")).to_have_text("likely backorder")
    screenshot("stock-check")

    # when the daily re-check proposes the backorder of the 380 short, one click confirms it
    assert len(supplier_inventory_sync(supplier=order_status_supplier).proposals) == 1
    page.reload()
    page.get_by_role("button", name="Confirm backorder: Backorder 380 × 11 oz mug").click()
    expect(page.get_by_test_id("open-backorders")).to_contain_text("11 oz mug, 2-colour print")
    backorder = Backorder.objects.get()
    assert (backorder.quantity, backorder.expected_date) == (380, date(2027, 3, 1))
    expect(page.get_by_test_id("likely-backorder")).to_have_count(0)
