"""The supplier stock re-check under a real Celery worker and beat, on a real Redis broker.

Beat queues a stock check of every supplier whose inventory service is on each SUPPLIER_INVENTORY_INTERVAL_SECONDS
(one second here instead of a day); the worker asks the simulated supplier over HTTP. Many rounds propose the
backorder of the shortfall once; a round that meets a SOAP fault changes nothing and says so on the supplier.
"""

import pytest

from backorders.models import SupplierProposal
from projects.models import SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier
from purchasing.promostandards.simulator import INVENTORY_OPERATION, SimulatedPart
from purchasing.services import supplier_update
from tests.backorders.conftest import SUPPLIER_PASSWORD

# The delivery fixtures: our own redis-server, SMTP sink and Celery worker, always cleaned up.
from tests.notifications.conftest import (  # noqa: F401
    broker,
    broker_backoff_reset,
    real_services,
    redis_server,
    smtp_sink,
    start_worker,
)
from tests.notifications.support import wait_until

pytestmark = [pytest.mark.real_worker, pytest.mark.services]


def stock_rounds(simulator) -> int:
    return sum(1 for request in simulator.app.requests if request["operation"] == INVENTORY_OPERATION)


def test_beat_and_a_worker_recheck_the_suppliers_stock_round_after_round(
    start_worker,  # noqa: F811
    order_status_supplier,
    simulator,
    mug_order,
):
    SalesOrderItem.objects.filter(pk=mug_order.mugs.pk).update(supplier_product_id="MUG11")
    # a draft PO, not yet sent to the supplier: the daily re-check covers every PO not yet shipped
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(stage=PurchaseOrder.Stage.CREATED)
    supplier_update(
        supplier=order_status_supplier,
        by=None,
        inventory_url=simulator.inventory_url,
        inventory_enabled=True,
        order_status_password=SUPPLIER_PASSWORD,
    )
    simulator.app.stock["MUG11"] = [SimulatedPart("MUG11-WHT", 100), SimulatedPart("MUG11-BLK", 20)]

    worker = start_worker(
        SUPPLIER_INVENTORY_INTERVAL_SECONDS="1",
        SUPPLIER_ORDER_STATUS_TIMEOUT_SECONDS="2",
        SUPPLIER_SERVICE_ALLOWED_HOSTS=f"127.0.0.1:{simulator.port}",
    )

    # then beat's rounds reach the supplier: 120 mugs in stock for 500, a backorder of 380 proposed once
    assert wait_until(lambda: SupplierProposal.objects.exists(), timeout=60), worker.log()[-3000:]
    assert wait_until(lambda: stock_rounds(simulator) >= 3, timeout=30), worker.log()[-3000:]
    assert list(SupplierProposal.objects.values_list("kind", "status", "quantity")) == [("backorder", "pending", 380)]
    assert "supplier_inventory_sync_task" in worker.log()
    line = PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk)
    assert (line.stock_available, line.stock_uom, line.stock_comparable) == (120, "EA", True)
    assert line.stock_checked_at is not None

    # when the supplier answers SOAP faults, nothing changes and the supplier's page says what kind of failure
    simulator.app.stock["MUG11"] = [SimulatedPart("MUG11-WHT", 0)]
    simulator.app.mode = "fault"
    assert wait_until(lambda: Supplier.objects.get(pk=order_status_supplier.pk).inventory_error != "", timeout=30)
    assert Supplier.objects.get(pk=order_status_supplier.pk).inventory_error == "The service answered with an error."
    assert PurchaseOrderItem.objects.get(pk=mug_order.po_mugs.pk).stock_available == 120
    assert list(SupplierProposal.objects.values_list("quantity", flat=True)) == [380]

    # and once it answers again, the error clears and the pending proposal follows the stock
    simulator.app.mode = "ok"
    assert wait_until(lambda: Supplier.objects.get(pk=order_status_supplier.pk).inventory_error == "", timeout=30)
    assert wait_until(lambda: list(SupplierProposal.objects.values_list("quantity", flat=True)) == [500], timeout=30)
