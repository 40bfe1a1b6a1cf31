"""A supplier that counts its stock in cases, dozens or boxes: turned into the line's eaches, or shown apart.

The desk counts items one by one. A dozen and a thousand are the same size for every item; a case or a box holds
the item's "units per supplier's pack". Without that figure the reading is kept as the supplier counted it and
marked "not comparable": never compared with what is still to ship, never proposed as a backorder.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from backorders.inventory_sync import supplier_inventory_sync
from backorders.models import SupplierProposal
from projects.models import SalesOrderItem
from purchasing.models import PurchaseOrderItem
from purchasing.promostandards import failures
from purchasing.promostandards.simulator import SimulatedPart
from purchasing.promostandards.units import eaches
from tests.backorders.conftest import COMES_IN

pytestmark = pytest.mark.usefixtures("postgres")


@pytest.mark.parametrize(
    ("value", "uom", "per_pack", "expected"),
    [
        ("120", "EA", None, 120),
        ("120", "", None, 120),  # no unit written: eaches
        ("10", "DZ", None, 120),
        ("2", "th", None, 2000),
        ("10", "CA", 24, 240),
        ("2.5", "CA", 12, 30),
        ("2.55", "BX", 10, 25),  # rounded down: half an item is not in stock
        ("10", "CA", None, None),
        ("3", "PR", None, None),  # a pair is the item's own
        ("3", "PR", 2, 6),
    ],
)
def test_a_quantity_in_the_suppliers_unit_in_eaches(value, uom, per_pack, expected):
    assert eaches(Decimal(value), uom, per_pack) == expected


def _stock(simulator, *parts: SimulatedPart, per_pack: int | None, part_id: str = "MUG11-WHT", mug_order=None):
    SalesOrderItem.objects.filter(pk=mug_order.mugs.pk).update(
        supplier_part_id=part_id, supplier_units_per_pack=per_pack
    )
    simulator.app.stock["MUG11"] = list(parts)


def test_cases_with_the_items_units_per_pack_are_compared_in_eaches(inventory_supplier, simulator, mug_order):
    # given 10 cases of 12 mugs in stock, 20 cases more on March 1, for 500 mugs still to ship
    _stock(simulator, SimulatedPart("MUG11-WHT", 10, [(20, COMES_IN)], uom="CA"), per_pack=12, mug_order=mug_order)

    result = supplier_inventory_sync(supplier=inventory_supplier)

    line = PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk)
    assert (line.stock_available, line.stock_next_quantity, line.stock_uom, line.stock_comparable) == (
        120,
        240,
        "CA",
        True,
    )
    assert [proposal.quantity for proposal in result.proposals] == [380]
    assert result.not_comparable == []


def test_dozens_need_no_figure_on_the_item(inventory_supplier, simulator, mug_order):
    _stock(simulator, SimulatedPart("MUG11-WHT", 50, uom="DZ"), per_pack=None, mug_order=mug_order)

    result = supplier_inventory_sync(supplier=inventory_supplier)

    line = PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk)
    assert (line.stock_available, line.stock_comparable) == (600, True)
    assert result.proposals == []  # 600 cover the 500


def test_cases_without_the_items_figure_are_kept_apart_and_never_proposed(
    inventory_supplier, simulator, mug_order, production_rep, signed_in
):
    # given the supplier counts 10 cases and the item does not say how many mugs a case holds
    _stock(simulator, SimulatedPart("MUG11-WHT", 10, [(20, COMES_IN)], uom="CA"), per_pack=None, mug_order=mug_order)

    result = supplier_inventory_sync(supplier=inventory_supplier)

    # then the reading is kept in cases, not compared with the 500 mugs: no proposal, no mark
    line = PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk)
    assert (line.stock_available, line.stock_next_quantity, line.stock_uom, line.stock_comparable) == (
        10,
        20,
        "CA",
        False,
    )
    assert result.error == "" and result.short == [] and result.proposals == []
    assert result.not_comparable == ["MUG11 / MUG11-WHT (CA)"]
    assert not SupplierProposal.objects.exists()
    browser = signed_in(production_rep)
    page = browser.get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()
    assert "10 CA available" in page and "next: 20 CA on Mar 1, 2027" in page
    assert 'data-testid="stock-not-comparable"' in page
    assert 'data-testid="likely-backorder"' not in page

    # and Check stock says so
    response = browser.post(reverse("purchase-order-stock-check", args=[mug_order.po.pk]), follow=True)
    assert "units the desk cannot compare: MUG11 / MUG11-WHT (CA)." in response.content.decode()

    # when the rep gives the item its 12 mugs a case, the next reading compares: 120 for 500, proposed
    SalesOrderItem.objects.filter(pk=mug_order.mugs.pk).update(supplier_units_per_pack=12)
    assert [proposal.quantity for proposal in supplier_inventory_sync(supplier=inventory_supplier).proposals] == [380]
    page = browser.get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()
    assert 'data-stock-available="120"' in page and "counted from the supplier's CA" in page
    assert 'data-testid="likely-backorder"' in page


def test_parts_counted_in_different_units_are_not_added_up(inventory_supplier, simulator, mug_order):
    # an item without a part id counts every part: 5 cases of white, 30 black ones
    _stock(
        simulator,
        SimulatedPart("MUG11-WHT", 5, uom="CA"),
        SimulatedPart("MUG11-BLK", 30),
        per_pack=None,
        part_id="",
        mug_order=mug_order,
    )

    supplier_inventory_sync(supplier=inventory_supplier)

    line = PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk)
    assert (line.stock_available, line.stock_uom, line.stock_comparable) == (None, "CA+EA", False)
    assert not SupplierProposal.objects.exists()


def test_a_fraction_of_an_each_is_garbage_and_changes_nothing(inventory_supplier, simulator, mug_order):
    _stock(simulator, SimulatedPart("MUG11-WHT", "12.5"), per_pack=None, mug_order=mug_order)

    result = supplier_inventory_sync(supplier=inventory_supplier)

    assert result.error == failures.UNUSABLE_INVENTORY
    assert PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk).stock_checked_at is None


def test_a_huge_figure_is_kept_as_the_largest_a_line_holds(inventory_supplier, simulator, mug_order):
    _stock(
        simulator,
        SimulatedPart("MUG11-WHT", "900000000", [(1, date(2027, 5, 1))], uom="CA"),
        per_pack=100_000,
        mug_order=mug_order,
    )

    assert supplier_inventory_sync(supplier=inventory_supplier).error == ""

    assert PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk).stock_available == 2_147_483_647
