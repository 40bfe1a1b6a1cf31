"""Supplier shipments read from a simulated Order Shipment Notification Service 2.0.0, through the real zeep client.

Each package is recorded on its PO once (by tracking number); a complete shipment proposes Shipped, a short
one a backorder of the rest; a person confirms on the PO page. A supplier that misbehaves changes nothing
and says why on the supplier's page.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from backorders.models import Backorder, SupplierProposal
from backorders.shipment_sync import supplier_shipment_sync
from backorders.status_links import status_link_token
from backorders.tasks import supplier_shipment_sync_due_task
from projects.models import Activity
from purchasing.models import PurchaseOrder, Shipment, ShipmentLine, Supplier
from purchasing.promostandards import failures
from purchasing.promostandards.simulator import SimulatedPackage
from purchasing.services import supplier_update
from tests.backorders.conftest import SUPPLIER_PASSWORD, SUPPLIER_USER

pytestmark = pytest.mark.django_db

Kind = SupplierProposal.Kind
SHIPPED_ON = date(2026, 11, 30)


@pytest.fixture
def shipment_supplier(order_status_supplier, simulator):
    """The mug order's supplier with its shipment service switched on (the same account as its order status)."""
    return supplier_update(
        supplier=order_status_supplier,
        by=None,
        shipment_url=simulator.shipment_url,
        shipment_enabled=True,
        order_status_password=SUPPLIER_PASSWORD,
    )


def shipments_of(po) -> list[tuple]:
    return list(
        ShipmentLine.objects.filter(shipment__purchase_order=po)
        .order_by("shipment__tracking_number", "id")
        .values_list("shipment__carrier", "shipment__tracking_number", "shipment__ship_date", "quantity")
    )


def test_a_complete_shipment_is_recorded_once_and_proposes_shipped(
    shipment_supplier, simulator, mug_order, production_rep, signed_in
):
    # given the supplier shipped the 500 mugs (line 1 of PO-1001) in two packages
    simulator.app.shipments["PO-1001"] = [
        SimulatedPackage("1Z999AA10123456784", {1: 300}, ship_date=SHIPPED_ON),
        SimulatedPackage("7712 3456 7890", {1: 200}, carrier="FedEx", ship_date=SHIPPED_ON),
    ]

    result = supplier_shipment_sync(supplier=shipment_supplier)

    # then the desk asked by PO number, with the order status account, and recorded both packages
    assert result.error == ""
    [asked] = simulator.app.requests
    assert asked == {
        "operation": "GetOrderShipmentNotificationRequest",
        "wsVersion": "2.0.0",
        "id": SUPPLIER_USER,
        "password": SUPPLIER_PASSWORD,
        "queryType": "1",
        "referenceNumber": "PO-1001",
    }
    assert shipments_of(mug_order.po) == [
        ("UPS", "1Z999AA10123456784", SHIPPED_ON, 300),
        ("FedEx", "7712 3456 7890", SHIPPED_ON, 200),
    ]
    [proposal] = SupplierProposal.objects.all()
    assert (proposal.kind, proposal.status, proposal.purchase_order_item) == (Kind.SHIPPED, "pending", None)
    assert Supplier.objects.get(pk=shipment_supplier.pk).shipment_checked_at is not None

    # when it is read again, nothing new is recorded or proposed
    activity = Activity.objects.count()
    again = supplier_shipment_sync(supplier=shipment_supplier)
    assert (again.error, again.recorded, again.proposals) == ("", [], [])
    assert Shipment.objects.count() == 2 and SupplierProposal.objects.count() == 1
    assert Activity.objects.count() == activity
    assert mug_order.po.stage == PurchaseOrder.Stage.CONFIRMED  # nothing applied silently

    # when production confirms on the PO page, the PO moves to Shipped through the stage service
    browser = signed_in(production_rep)
    page = browser.get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()
    assert "Move PO-1001 to Shipped" in page
    assert 'href="https://www.ups.com/track?tracknum=1Z999AA10123456784"' in page
    assert 'href="https://www.fedex.com/fedextrack/?trknbr=7712%203456%207890"' in page
    response = browser.post(reverse("supplier-proposal-confirm", args=[proposal.pk]))
    assert response.status_code == 302
    assert PurchaseOrder.objects.get(pk=mug_order.po.pk).stage == PurchaseOrder.Stage.SHIPPED
    assert Activity.objects.filter(verb="moved stage of", actor=production_rep, to_value="Shipped").exists()

    # and the sales order page lists the shipments too
    page = browser.get(reverse("sales-order-detail", args=[mug_order.order.pk])).content.decode()
    assert 'data-tracking="1Z999AA10123456784"' in page and "300 × 11 oz mug, 2-colour print" in page


def test_a_short_shipment_proposes_a_backorder_of_the_rest(
    shipment_supplier, simulator, mug_order, production_rep, signed_in, next_week
):
    simulator.app.shipments["PO-1001"] = [SimulatedPackage("1Z999AA10123456784", {1: 300, 2: 1})]

    supplier_shipment_sync(supplier=shipment_supplier)

    # then the 200 mugs not shipped are proposed as a backorder; the setup charge is no goods to ship
    [proposal] = SupplierProposal.objects.all()
    assert (proposal.kind, proposal.purchase_order_item, proposal.quantity, proposal.supplier_status) == (
        Kind.BACKORDER,
        mug_order.po_mugs,
        200,
        "Shipped 300 of 500",
    )
    # when production confirms with the expected date, Flag backorder does it
    response = signed_in(production_rep).post(
        reverse("supplier-proposal-confirm", args=[proposal.pk]),
        {f"proposal-{proposal.pk}-expected_date": next_week.isoformat()},
    )
    assert response.status_code == 302
    backorder = Backorder.objects.get()
    assert (backorder.quantity, backorder.expected_date, backorder.status) == (200, next_week, Backorder.Status.OPEN)
    # and the next read proposes nothing more: the rest is backordered
    assert supplier_shipment_sync(supplier=shipment_supplier).proposals == []


def snapshot() -> tuple:
    return (
        list(PurchaseOrder.objects.order_by("id").values_list("stage", "status", "updated_at")),
        list(Activity.objects.order_by("id").values_list("id")),
        list(Shipment.objects.values_list("id")),
        list(SupplierProposal.objects.values_list("id")),
        list(Backorder.objects.values_list("id")),
    )


@pytest.mark.parametrize(
    ("fault", "category"),
    [
        ("down", failures.DID_NOT_ANSWER),
        ("slow", failures.DID_NOT_ANSWER),
        ("garbage", failures.NOT_THE_SHIPMENT_SERVICE),
        ("fault", failures.SERVICE_ERROR),
        ("wrong_shape", failures.NOT_THE_SHIPMENT_SERVICE),
        ("refused", failures.REFUSED_CREDENTIALS),
        ("unknown_line", failures.UNUSABLE_SHIPMENTS),
    ],
)
def test_a_supplier_that_misbehaves_changes_nothing_and_says_why(
    fault, category, shipment_supplier, simulator, mug_order, manager, signed_in
):
    simulator.app.shipments["PO-1001"] = [SimulatedPackage("1Z999AA10123456784", {1: 500})]
    if fault == "down":
        simulator.stop()
    elif fault == "refused":
        simulator.app.password = "changed-by-the-supplier"
    elif fault == "unknown_line":
        simulator.app.shipments["PO-1001"].append(SimulatedPackage("1Z999AA10123456785", {3: 5}))
    elif fault != "ok":
        simulator.app.mode = fault
    before = snapshot()

    result = supplier_shipment_sync(supplier=shipment_supplier)

    assert result.error == category
    assert snapshot() == before
    supplier = Supplier.objects.get(pk=shipment_supplier.pk)
    assert (supplier.shipment_error, supplier.shipment_error_at is not None) == (category, True)
    assert supplier.order_status_error == ""  # the order status service is another service
    if fault == "garbage":
        page = signed_in(manager).get(reverse("supplier-detail", args=[supplier.pk])).content.decode()
        assert category in page and 'data-testid="shipment-error"' in page


def test_the_client_status_page_shows_carrier_and_tracking(shipment_supplier, simulator, mug_order, client):
    simulator.app.shipments["PO-1001"] = [
        SimulatedPackage("1Z999AA10123456784", {1: 300}, ship_date=SHIPPED_ON),
        SimulatedPackage("AF-55120", {1: 200}, carrier="Acme Freight", ship_date=SHIPPED_ON + timedelta(days=1)),
    ]
    supplier_shipment_sync(supplier=shipment_supplier)

    html = client.get(reverse("order-status-client-view", args=[status_link_token(mug_order.order)])).content.decode()

    assert '<a href="https://www.ups.com/track?tracknum=1Z999AA10123456784"' in html
    assert "Acme Freight\n        AF-55120, shipped" in html and "tracknum=AF-55120" not in html
    assert "300 × 11 oz mug, 2-colour print" in html
    # (the PO is not marked Shipped yet: the packages are on their way, not "nothing shipped")
    assert "Nothing has shipped yet." not in html
    assert "PO-1001" not in html and shipment_supplier.name not in html


def test_beat_queues_only_suppliers_with_the_shipment_service_switched_on(shipment_supplier, settings, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "backorders.tasks.supplier_shipment_sync_task.apply_async", lambda args, expires: queued.append(args)
    )
    assert supplier_shipment_sync_due_task() == 1 and queued == [(shipment_supplier.pk,)]
    Supplier.objects.filter(pk=shipment_supplier.pk).update(shipment_enabled=False)
    assert supplier_shipment_sync_due_task() == 1 - 1
