"""The supplier's last stock reading of each PO line: kept by the daily re-check for every PO not yet shipped."""

import pytest
from django.utils import timezone

from backorders.inventory_sync import supplier_inventory_sync
from backorders.models import SupplierProposal
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from tests.backorders.conftest import COMES_IN

pytestmark = pytest.mark.usefixtures("postgres")


@pytest.mark.parametrize(
    "stage", [PurchaseOrder.Stage.CREATED, PurchaseOrder.Stage.SUBMITTED, PurchaseOrder.Stage.CONFIRMED]
)
def test_the_daily_check_rechecks_a_po_in_every_stage_not_yet_shipped(stage, inventory_supplier, mug_order, simulator):
    # given the mugs' PO in a stage before Shipped, even a draft not yet sent to the supplier
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(stage=stage)
    before = timezone.now()

    result = supplier_inventory_sync(supplier=inventory_supplier)

    # then the supplier is asked, the reading is kept on the line with its time, and the shortfall proposed
    assert (result.error, result.asked, result.checked) == ("", ["MUG11"], 1)
    line = PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk)
    assert (line.stock_available, line.stock_next_quantity, line.stock_next_date) == (120, 400, COMES_IN)
    assert line.stock_checked_at >= before
    assert list(SupplierProposal.objects.values_list("purchase_order_item", "quantity")) == [(line.pk, 380)]


@pytest.mark.parametrize(
    "stage", [PurchaseOrder.Stage.SHIPPED, PurchaseOrder.Stage.READY_FOR_BILLING, PurchaseOrder.Stage.BILLED]
)
def test_a_po_whose_goods_have_left_the_supplier_is_not_asked_about(stage, inventory_supplier, mug_order, simulator):
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(stage=stage)

    result = supplier_inventory_sync(supplier=inventory_supplier)

    assert (result.asked, result.checked, result.proposals) == ([], 0, [])
    assert simulator.app.requests == []
    assert PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk).stock_checked_at is None
