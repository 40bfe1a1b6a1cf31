"""The production rep sees what the supplier's order status proposes on the PO page, and confirms it in one click."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from backorders.models import Backorder, SupplierProposal
from backorders.order_status_sync import supplier_order_status_sync
from purchasing.models import PurchaseOrder
from purchasing.promostandards.simulator import SimulatedOrder
from tests.backorders.conftest import order_status_supplier, simulator  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_browser_dialogs"),
]


def test_the_production_rep_confirms_the_suppliers_back_order_in_one_click(
    page,
    sign_in,
    screenshot,
    order_status_supplier,  # noqa: F811
    simulator,  # noqa: F811
    mug_order,
    production_rep,
):
    # given the supplier's service says PO-1001 is on back order hold, shipping in three weeks
    ships = timezone.localdate() + timedelta(days=21)
    simulator.app.orders["PO-1001"] = SimulatedOrder(44, expected_ship_date=ships, explanation="White mugs short")
    assert supplier_order_status_sync(supplier=order_status_supplier).error == ""

    # when the production rep opens the PO
    sign_in(production_rep)
    page.goto(f"/purchase-orders/{mug_order.po.pk}/")
    expect(page.get_by_test_id("po-supplier-status")).to_contain_text("44 Back Order Hold")
    proposals = page.get_by_role("region", name="Proposed by the supplier's status")
    expect(proposals).to_contain_text(
        f"Backorder: Backorder 500 × 11 oz mug, 2-colour print, expected {date_format(ships)}."
    )
    expect(proposals).to_contain_text("The supplier reported 44 Back Order Hold: White mugs short")
    screenshot("supplier-proposal")

    # and confirms it: one click
    proposals.get_by_role("button", name="Confirm backorder: Backorder 500 × 11 oz mug").click()

    # then the page says what was done, the proposal is gone, and the backorder is open with the supplier's date
    expect(page.get_by_role("status")).to_contain_text(
        f"Confirmed on PO-1001: Backorder 500 × 11 oz mug, 2-colour print, expected {date_format(ships)}."
    )
    expect(page.get_by_role("region", name="Proposed by the supplier's status")).to_have_count(0)
    open_backorders = page.get_by_test_id("open-backorders")
    expect(open_backorders).to_contain_text("11 oz mug, 2-colour print")
    expect(open_backorders).to_contain_text(date_format(ships))
    expect(page.get_by_test_id("po-status")).to_have_text("Problem")
    backorder = Backorder.objects.get()
    assert (backorder.quantity, backorder.expected_date, backorder.raised_by) == (500, ships, production_rep)
    assert SupplierProposal.objects.get().status == SupplierProposal.Status.CONFIRMED
    assert PurchaseOrder.objects.get(pk=mug_order.po.pk).status == PurchaseOrder.Status.PROBLEM
