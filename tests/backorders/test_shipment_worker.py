"""The supplier shipment sync under a real Celery worker and beat, on a real Redis broker.

Beat queues a shipment sync of every supplier whose service is on each SUPPLIER_SHIPMENT_INTERVAL_SECONDS
(one second here); the worker asks the simulated supplier over HTTP. Many rounds record each package once
and propose Shipped once; a round that meets a SOAP fault changes nothing and says so on the supplier.
"""

import pytest

from backorders.models import SupplierProposal
from purchasing.models import Shipment, Supplier
from purchasing.promostandards.simulator import SHIPMENT_OPERATION, SimulatedPackage
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


def shipment_rounds(simulator) -> int:
    return sum(1 for request in simulator.app.requests if request["operation"] == SHIPMENT_OPERATION)


def test_beat_and_a_worker_read_the_suppliers_shipments_round_after_round(
    start_worker,  # noqa: F811
    order_status_supplier,
    simulator,
    mug_order,
):
    supplier_update(
        supplier=order_status_supplier,
        by=None,
        shipment_url=simulator.shipment_url,
        shipment_enabled=True,
        order_status_password=SUPPLIER_PASSWORD,
    )
    simulator.app.shipments["PO-1001"] = [SimulatedPackage("1Z999AA10123456784", {1: 500})]

    worker = start_worker(
        SUPPLIER_SHIPMENT_INTERVAL_SECONDS="1",
        SUPPLIER_ORDER_STATUS_TIMEOUT_SECONDS="2",
        SUPPLIER_SERVICE_ALLOWED_HOSTS=f"127.0.0.1:{simulator.port}",
    )

    # then beat's rounds reach the supplier: the package is recorded once, Shipped proposed once
    assert wait_until(lambda: Shipment.objects.exists(), timeout=60), worker.log()[-3000:]
    assert wait_until(lambda: shipment_rounds(simulator) >= 3, timeout=30), worker.log()[-3000:]
    assert list(Shipment.objects.values_list("carrier", "tracking_number")) == [("UPS", "1Z999AA10123456784")]
    assert list(SupplierProposal.objects.values_list("kind", "status")) == [("shipped", "pending")]
    assert "supplier_shipment_sync_task" in worker.log()

    # when the supplier answers SOAP faults, nothing changes and the supplier's page says what kind of failure
    simulator.app.shipments["PO-1001"].append(SimulatedPackage("1Z999AA10123456785", {1: 5}))
    simulator.app.mode = "fault"
    assert wait_until(lambda: Supplier.objects.get(pk=order_status_supplier.pk).shipment_error != "", timeout=30)
    assert Supplier.objects.get(pk=order_status_supplier.pk).shipment_error == "The service answered with an error."
    assert Shipment.objects.count() == 1

    # and once it answers again, the error clears and the new package is recorded
    simulator.app.mode = "ok"
    assert wait_until(lambda: Supplier.objects.get(pk=order_status_supplier.pk).shipment_error == "", timeout=30)
    assert wait_until(lambda: Shipment.objects.count() == 2, timeout=30)
