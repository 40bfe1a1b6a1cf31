"""Two invoicing reps at once, on real PostgreSQL: row locks, the CHECK and gapless numbers."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from core.errors import TransitionNotAllowed, ValidationFailed
from invoicing.models import Invoice
from invoicing.services.issue import LineRequest, invoice_create
from projects.models import SalesOrder, SalesOrderItem
from tests.conftest import need_service
from tests.factories import SalesOrderFactory, SalesOrderItemFactory, goods_ready

THREADS = 10


def run_at_once(work, count: int) -> list:
    """Run `work(i)` in `count` threads released together; return each result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def runner(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def on_postgres(transactional_db):
    need_service(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")


def test_ten_reps_invoicing_the_same_remaining_quantity(on_postgres, mug_order, invoicing_rep):
    goods_ready(mug_order.order.pk)
    lines = [LineRequest(mug_order.mugs.pk, 500), LineRequest(mug_order.setup.pk, 1)]

    results = run_at_once(
        lambda _: invoice_create(sales_order=SalesOrder(pk=mug_order.order.pk), lines=lines, by=invoicing_rep),
        THREADS,
    )

    issued = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if not isinstance(r, Invoice)]
    assert len(issued) == 1
    assert len(refused) == THREADS - 1
    assert all(isinstance(r, TransitionNotAllowed) for r in refused), refused
    assert all(str(r).startswith("Sales order SO-1001 is Invoiced") for r in refused)
    ordered = SalesOrderItem.objects.aggregate(total=Sum("quantity"))["total"]
    invoiced = SalesOrderItem.objects.aggregate(total=Sum("invoiced_quantity"))["total"]
    assert invoiced == ordered == 501
    assert Invoice.objects.count() == 1


def test_ten_reps_racing_for_part_of_the_remaining_quantity(on_postgres, mug_order, invoicing_rep):
    # Each asks for 100 of 500: whatever the interleaving, no more than 500 are invoiced.
    goods_ready(mug_order.order.pk)
    results = run_at_once(
        lambda _: invoice_create(
            sales_order=SalesOrder(pk=mug_order.order.pk), lines=[LineRequest(mug_order.mugs.pk, 100)], by=invoicing_rep
        ),
        THREADS,
    )
    issued = [r for r in results if isinstance(r, Invoice)]
    assert all(isinstance(r, (Invoice, TransitionNotAllowed, ValidationFailed)) for r in results), results
    mug_order.refresh()
    assert mug_order.mugs.invoiced_quantity == 100 * len(issued) <= 500


def test_invoice_numbers_stay_gapless_across_orders(on_postgres, invoicing_rep):
    orders = []
    for index in range(THREADS):
        order = SalesOrderFactory(number=f"SO-{7000 + index}", status=SalesOrder.Status.READY_TO_BE_INVOICED)
        SalesOrderItemFactory(sales_order=order, quantity=3, unit_price=Decimal("10.00"))
        orders.append(order)

    results = run_at_once(lambda i: invoice_create(sales_order=orders[i], by=invoicing_rep), THREADS)

    assert all(isinstance(r, Invoice) for r in results), results
    numbers = sorted(Invoice.objects.values_list("sequence_number", flat=True))
    assert numbers == list(range(1, THREADS + 1))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [f"INV-{n:06d}" for n in numbers]
