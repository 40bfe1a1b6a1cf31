"""Supplier stock read from a simulated Inventory Service 2.0.0, through the real zeep client.

The PO page's Check stock keeps the supplier's stock on each line and marks a line short of it "likely
backorder"; the daily re-check proposes a backorder of the shortfall, once; a supplier that misbehaves
changes nothing and says why on the supplier's page.
"""

import pytest
from django.urls import reverse

from backorders.inventory_sync import supplier_inventory_sync
from backorders.models import Backorder, SupplierProposal
from backorders.services import supplier_proposal_dismiss
from backorders.tasks import supplier_inventory_sync_due_task, supplier_inventory_sync_task
from projects.models import Activity
from purchasing.models import PurchaseOrderItem, Supplier
from purchasing.promostandards import failures
from purchasing.promostandards.inventory import FutureStock, InventoryClient
from purchasing.promostandards.simulator import SimulatedPart
from tests.backorders.conftest import COMES_IN, SUPPLIER_PASSWORD, SUPPLIER_USER

pytestmark = pytest.mark.django_db


def test_the_client_reads_each_part_from_the_simulator(inventory_supplier, simulator):
    client = InventoryClient(url=simulator.inventory_url, username=SUPPLIER_USER, password=SUPPLIER_PASSWORD, timeout=1)

    [white] = client.inventory_levels(product_id="MUG11", part_ids=["MUG11-WHT"])
    both = client.inventory_levels(product_id="MUG11")

    assert (white.part_id, white.available, white.next_future) == ("MUG11-WHT", 120, FutureStock(400, COMES_IN))
    assert [(part.part_id, part.available, part.next_future) for part in both] == [
        ("MUG11-WHT", 120, FutureStock(400, COMES_IN)),
        ("MUG11-BLK", 9000, None),
    ]
    assert simulator.app.requests[0] == {
        "operation": "GetInventoryLevelsRequest",
        "wsVersion": "2.0.0",
        "id": SUPPLIER_USER,
        "password": SUPPLIER_PASSWORD,
        "productId": "MUG11",
        "partIds": "MUG11-WHT",
    }


def test_check_stock_on_the_po_page_marks_a_short_line(inventory_supplier, mug_order, production_rep, signed_in):
    browser = signed_in(production_rep)
    page = browser.get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()
    assert 'data-testid="check-stock"' in page and "Not checked yet" in page

    # when production asks: 120 white mugs in stock for 500 still to ship
    response = browser.post(reverse("purchase-order-stock-check", args=[mug_order.po.pk]), follow=True)

    page = response.content.decode()
    assert "Stock checked with" in page and "1 line likely to be backordered." in page
    assert 'data-stock-available="120"' in page and "next: 400 on Mar 1, 2027" in page
    assert page.count('data-testid="likely-backorder"') == 1
    line = PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk)
    assert (line.stock_available, line.stock_next_quantity, line.stock_next_date) == (120, 400, COMES_IN)
    assert line.stock_checked_at is not None
    assert PurchaseOrderItem.objects.get(pk=mug_order.po_setup.pk).stock_checked_at is None  # a service
    assert SupplierProposal.objects.count() == 0  # the page only marks; the daily check proposes
    assert Supplier.objects.get(pk=inventory_supplier.pk).inventory_checked_at is not None

    # when 380 of them are backordered, the 120 in stock cover the rest: no longer marked
    Backorder.objects.create(
        purchase_order=mug_order.po,
        purchase_order_item=line,
        quantity=380,
        expected_date=COMES_IN,
        reason="Supplier short of white mugs",
        raised_by=production_rep,
    )
    page = browser.get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()
    assert 'data-testid="likely-backorder"' not in page


def stock_snapshot() -> tuple:
    return (
        list(
            PurchaseOrderItem.objects.order_by("id").values_list(
                "stock_available",
                "stock_next_quantity",
                "stock_next_date",
                "stock_uom",
                "stock_comparable",
                "stock_checked_at",
            )
        ),
        list(SupplierProposal.objects.values_list("id", "quantity")),
        list(Activity.objects.values_list("id")),
    )


@pytest.mark.parametrize(
    ("fault", "category"),
    [
        ("down", failures.DID_NOT_ANSWER),
        ("slow", failures.DID_NOT_ANSWER),
        ("garbage", failures.NOT_THE_INVENTORY_SERVICE),
        ("fault", failures.SERVICE_ERROR),
        ("wrong_shape", failures.NOT_THE_INVENTORY_SERVICE),
        ("refused", failures.REFUSED_CREDENTIALS),
    ],
)
def test_a_supplier_that_misbehaves_changes_nothing_and_says_why(
    fault, category, inventory_supplier, simulator, mug_order, manager, signed_in
):
    # given a good check earlier, with its figures on the line
    browser = signed_in(manager)
    browser.post(reverse("purchase-order-stock-check", args=[mug_order.po.pk]))
    simulator.app.stock["MUG11"] = [SimulatedPart("MUG11-WHT", 3)]
    if fault == "down":
        simulator.stop()
    elif fault == "refused":
        simulator.app.password = "changed-by-the-supplier"
    else:
        simulator.app.mode = fault
    before = stock_snapshot()

    page = browser.post(reverse("purchase-order-stock-check", args=[mug_order.po.pk]), follow=True).content.decode()
    daily = supplier_inventory_sync(supplier=inventory_supplier)

    assert daily.error == category
    assert stock_snapshot() == before
    assert f"stock could not be checked: {category} Nothing on PO-1001 changed." in page
    supplier = Supplier.objects.get(pk=inventory_supplier.pk)
    assert (supplier.inventory_error, supplier.inventory_error_at is not None) == (category, True)
    assert supplier.shipment_error == supplier.order_status_error == ""  # other services
    page = browser.get(reverse("supplier-detail", args=[supplier.pk])).content.decode()
    assert 'data-testid="inventory-error"' in page and category in page
    # and the PO page still shows the last good reading, as it opens
    page = browser.get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()
    assert 'data-stock-available="120"' in page and "read just now" in page


def test_the_daily_check_proposes_a_backorder_once(inventory_supplier, simulator, mug_order, production_rep):
    # when the daily check runs twice on the 500 mugs, 120 in stock
    assert "1 new proposal(s)" in supplier_inventory_sync_task(inventory_supplier.pk)
    assert "0 new proposal(s)" in supplier_inventory_sync_task(inventory_supplier.pk)

    # then one backorder of the 380 short is proposed, expected when the supplier expects more
    [proposal] = SupplierProposal.objects.all()
    assert (proposal.kind, proposal.status, proposal.purchase_order_item_id) == (
        SupplierProposal.Kind.BACKORDER,
        SupplierProposal.Status.PENDING,
        mug_order.po_mugs.pk,
    )
    assert (proposal.quantity, proposal.expected_date, proposal.supplier_status) == (
        380,
        COMES_IN,
        "120 in stock, 500 still to ship",
    )
    assert Activity.objects.filter(verb="received the supplier's proposal for").count() == 1
    assert Backorder.objects.count() == 0  # nothing flagged silently

    # when production dismisses it, the same shortfall is not proposed again; a larger one is
    supplier_proposal_dismiss(proposal=proposal, by=production_rep)
    assert supplier_inventory_sync(supplier=inventory_supplier).proposals == []
    simulator.app.stock["MUG11"] = [SimulatedPart("MUG11-WHT", 20)]
    [again] = supplier_inventory_sync(supplier=inventory_supplier).proposals
    assert again.quantity == 480


def test_beat_queues_only_suppliers_with_the_inventory_service_switched_on(inventory_supplier, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "backorders.tasks.supplier_inventory_sync_task.apply_async", lambda args, expires: queued.append(args)
    )
    assert supplier_inventory_sync_due_task() == 1 and queued == [(inventory_supplier.pk,)]
    Supplier.objects.filter(pk=inventory_supplier.pk).update(inventory_enabled=False)
    assert supplier_inventory_sync_due_task() == 0
