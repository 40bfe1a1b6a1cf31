"""The supplier order status sync under a real Celery worker and beat, on a real Redis broker.

Beat queues a sync of every supplier with a service each SUPPLIER_ORDER_STATUS_INTERVAL_SECONDS
(one second here); the worker asks the simulated supplier over HTTP. Many rounds make one status
row and one proposal; a round that meets a SOAP fault changes nothing and says so on the supplier,
and the next good round clears it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from backorders.models import SupplierProposal
from backorders.order_status_sync import STATUS_VERB
from projects.models import Activity
from purchasing.models import Supplier
from purchasing.promostandards.simulator import SimulatedOrder

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


def supplier_row(supplier) -> Supplier:
    return Supplier.objects.get(pk=supplier.pk)


def test_beat_and_a_worker_sync_the_supplier_round_after_round(
    start_worker,  # noqa: F811
    order_status_supplier,
    simulator,
    mug_order,
):
    ships = timezone.localdate() + timedelta(days=12)
    simulator.app.orders["PO-1001"] = SimulatedOrder(44, expected_ship_date=ships)

    # The simulator is plain http on 127.0.0.1: the worker calls it because its settings name it.
    worker = start_worker(
        SUPPLIER_ORDER_STATUS_INTERVAL_SECONDS="1",
        SUPPLIER_ORDER_STATUS_TIMEOUT_SECONDS="2",
        SUPPLIER_SERVICE_ALLOWED_HOSTS=f"127.0.0.1:{simulator.port}",
    )

    # then beat's rounds reach the supplier, and the PO gets its proposal
    assert wait_until(lambda: SupplierProposal.objects.exists(), timeout=60), worker.log()[-3000:]
    assert wait_until(lambda: len(simulator.app.requests) >= 3, timeout=30), worker.log()[-3000:]  # three rounds
    [proposal] = SupplierProposal.objects.all()
    assert (proposal.kind, proposal.purchase_order_item, proposal.quantity, proposal.expected_date) == (
        SupplierProposal.Kind.BACKORDER,
        mug_order.po_mugs,
        500,
        ships,
    )
    assert Activity.objects.filter(verb=STATUS_VERB, to_value="44 Back Order Hold").count() == 1
    assert {request["referenceNumber"] for request in simulator.app.requests} == {"PO-1001"}
    assert supplier_row(order_status_supplier).order_status_checked_at is not None
    assert "succeeded" in worker.log() and "supplier_order_status_sync_task" in worker.log()

    # when the supplier starts answering SOAP faults
    simulator.app.orders["PO-1001"] = SimulatedOrder(80)
    simulator.app.mode = "fault"
    assert wait_until(lambda: supplier_row(order_status_supplier).order_status_error != "", timeout=30)

    # then nothing changes on the PO; the supplier says what kind of failure it was, the worker's log what it was
    assert supplier_row(order_status_supplier).order_status_error == "The service answered with an error."
    assert wait_until(lambda: "SOAP fault: Order status database is unavailable" in worker.log(), timeout=10)
    assert list(SupplierProposal.objects.values_list("kind", "status")) == [("backorder", "pending")]

    # and once it answers again, the error clears and its news is proposed, once
    simulator.app.mode = "ok"
    assert wait_until(lambda: supplier_row(order_status_supplier).order_status_error == "", timeout=30)
    assert wait_until(lambda: SupplierProposal.objects.filter(kind="goods_ready").exists(), timeout=30)
    rounds = len(simulator.app.requests)
    assert wait_until(lambda: len(simulator.app.requests) >= rounds + 3, timeout=30)  # a few more rounds
    assert SupplierProposal.objects.filter(kind="goods_ready").count() == 1
    assert list(Activity.objects.filter(verb=STATUS_VERB).order_by("id").values_list("from_value", "to_value")) == [
        ("", "44 Back Order Hold"),
        ("44 Back Order Hold", "80 Complete"),
    ]
