"""The supplier's last stock reading of each PO line: kept by the daily re-check for every PO not yet shipped."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backorders.inventory_sync import supplier_inventory_sync
from backorders.models import Backorder, SupplierProposal
from backorders.services import supplier_proposal_confirm
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier
from tests.backorders.conftest import COMES_IN
from tests.factories import PurchaseOrderItemFactory, SalesOrderItemFactory

pytestmark = pytest.mark.usefixtures("postgres")

# Every query the PO page makes, for any number of lines: the 5 of every signed-in page (session, user, groups,
# unread count, Recent menu), recording the visit (2), the PO and its lines, the sales order's items with their
# figures, the backorders, the sibling POs (2), the proposals, the shipments, the two sums of what is still to
# ship (shipped, backordered) that the stock marks need, and the activity. A change is a change of the page's cost.
PO_PAGE_QUERIES = 18


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


def test_a_shortfall_proposed_on_a_draft_po_is_confirmed_into_a_backorder(
    inventory_supplier, mug_order, production_rep
):
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(stage=PurchaseOrder.Stage.CREATED)
    [proposal] = supplier_inventory_sync(supplier=inventory_supplier).proposals

    supplier_proposal_confirm(proposal=proposal, by=production_rep)

    backorder = Backorder.objects.get()
    assert (backorder.purchase_order_item_id, backorder.quantity, backorder.expected_date) == (
        mug_order.po_mugs.pk,
        380,
        COMES_IN,
    )


@pytest.mark.parametrize(
    "stage", [PurchaseOrder.Stage.SHIPPED, PurchaseOrder.Stage.READY_FOR_BILLING, PurchaseOrder.Stage.BILLED]
)
def test_a_po_whose_goods_have_left_the_supplier_is_not_asked_about(stage, inventory_supplier, mug_order, simulator):
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(stage=stage)

    result = supplier_inventory_sync(supplier=inventory_supplier)

    assert (result.asked, result.checked, result.proposals) == ([], 0, [])
    assert simulator.app.requests == []
    assert PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk).stock_checked_at is None


def _read_earlier(line_pk: int, *, hours: int, available: int = 120) -> None:
    PurchaseOrderItem.objects.filter(pk=line_pk).update(
        stock_available=available,
        stock_next_quantity=400,
        stock_next_date=COMES_IN,
        stock_uom="EA",
        stock_checked_at=timezone.now() - timedelta(hours=hours, minutes=5),
    )


def test_the_po_page_shows_the_last_reading_as_it_opens_with_its_age(
    inventory_supplier, mug_order, production_rep, signed_in, simulator
):
    # given the daily re-check read 120 white mugs two hours ago
    _read_earlier(mug_order.po_mugs.pk, hours=2)

    page = signed_in(production_rep).get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()

    # then the page shows it without asking the supplier, marked, with its age and the button to read again
    assert simulator.app.requests == []
    assert 'data-stock-available="120"' in page and "next: 400 on Mar 1, 2027" in page
    assert page.count('data-testid="likely-backorder"') == 1
    assert re.search(r'<time datetime="[^"]+" title="[^"]+">read 2\xa0hours ago</time>', page), page
    assert 'data-testid="check-stock"' in page


def test_a_reading_kept_after_the_supplier_service_is_switched_off_is_still_shown(
    inventory_supplier, mug_order, production_rep, signed_in
):
    _read_earlier(mug_order.po_mugs.pk, hours=30, available=900)
    Supplier.objects.filter(pk=inventory_supplier.pk).update(inventory_enabled=False)

    page = signed_in(production_rep).get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()

    assert 'data-stock-available="900"' in page and "read 1\xa0day ago" in page
    assert 'data-testid="likely-backorder"' not in page  # 900 cover the 500
    assert 'data-testid="check-stock"' not in page


@pytest.mark.parametrize("lines", [2, 12])
def test_the_po_page_costs_the_same_for_2_or_12_lines_with_readings(
    lines, inventory_supplier, mug_order, production_rep, signed_in, django_assert_num_queries
):
    # given a PO with N product lines, each read by the supplier, some short
    for index in range(lines - 2):
        item = SalesOrderItemFactory(
            sales_order=mug_order.order, description=f"Tote {index}", quantity=50, supplier_product_id=f"TOTE{index}"
        )
        PurchaseOrderItemFactory(purchase_order=mug_order.po, sales_order_item=item, quantity=50)
    for line in PurchaseOrderItem.objects.filter(purchase_order=mug_order.po):
        _read_earlier(line.pk, hours=1, available=line.pk % 100)
    browser = signed_in(production_rep)
    browser.get(reverse("purchase-order-detail", args=[mug_order.po.pk]))  # the Recent menu's first write

    with django_assert_num_queries(PO_PAGE_QUERIES):
        response = browser.get(reverse("purchase-order-detail", args=[mug_order.po.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("read 1\xa0hour ago") == lines
