"""Each report page and export costs the same number of queries whatever the page size and data size."""

import pytest
from django.db import connection
from django.utils import timezone

from backorders.services import BackorderRequest, backorder_flag
from purchasing.models import PurchaseOrder
from tests.factories import ClientFactory, PurchaseOrderFactory, PurchaseOrderItemFactory, UserFactory

# The Invoices Report page: session, user, the user's groups (role check), the client and order-rep
# choices, one page of rows (keyset, with each order's remaining amount as a subquery), the totals
# and chart (one grouped query), the remaining amount of the orders involved, and the unread count
# and Recent menu in the navigation, and the user's saved filters.
REPORT_PAGE_QUERIES = 11
# The CSV: session, user, groups, the two choice lists, the count (stopping at the threshold) that
# decides whether the worker writes it, then in one transaction (here a savepoint and its release)
# the orders' remaining amounts and the rows; on PostgreSQL also the cursor's plan setting.
REPORT_CSV_QUERIES = 10
# The Backorders report: session, user, the supplier and client choices, one page of rows, the
# totals, the user's saved filters, and the navigation's role check, unread count and Recent menu.
BACKORDER_PAGE_QUERIES = 10
BACKORDER_CSV_QUERIES = 5


def issue(desk, count: int) -> None:
    clients = [ClientFactory(), ClientFactory()]
    reps = [UserFactory(roles=["Sales"]), UserFactory(roles=["Sales"])]
    for index in range(count):
        order = desk.order(client=clients[index % 2], rep=reps[index % 2], prices=["4.00", "6.00"])
        desk.invoice(order, on=timezone.localdate(), quantities=[5, 10] if index % 3 else None)


@pytest.mark.parametrize("count, size", [(3, 25), (60, 50)])
def test_invoice_report_page_queries(as_manager, desk, django_assert_num_queries, count, size):
    issue(desk, count)
    for query in ("", "&page=last", "&sort=client&has_remaining=yes", "&sort=-total&status=open&period=this_year"):
        with django_assert_num_queries(REPORT_PAGE_QUERIES):
            response = as_manager.get(f"/invoices/report/?size={size}{query}")
        assert 0 < len(response.context["rows"]) <= min(count, size)
    assert len(as_manager.get(f"/invoices/report/?size={size}").context["rows"]) == min(count, size)


@pytest.mark.parametrize("count", [3, 60])
def test_invoice_report_csv_queries(as_manager, desk, django_assert_num_queries, count):
    issue(desk, count)
    with django_assert_num_queries(REPORT_CSV_QUERIES + (connection.vendor == "postgresql")):
        response = as_manager.get("/invoices/report/?format=csv")
        lines = b"".join(response.streaming_content).count(b"\n")
    assert lines == count + 1


def flag(count: int, production_rep, next_week) -> None:
    supplier_po = PurchaseOrderFactory(stage=PurchaseOrder.Stage.CONFIRMED)
    for _ in range(count):
        po = PurchaseOrderFactory(stage=PurchaseOrder.Stage.CONFIRMED, supplier=supplier_po.supplier)
        item = PurchaseOrderItemFactory(purchase_order=po, quantity=10)
        backorder_flag(
            purchase_order=po,
            status=PurchaseOrder.Status.PROBLEM,
            items=[BackorderRequest(item, 4, next_week, "Short")],
            note="",
            by=production_rep,
            ready_to_invoice=False,
        )


@pytest.mark.parametrize("count", [2, 40])
def test_backorder_report_queries(as_manager, production_rep, next_week, django_assert_num_queries, count):
    flag(count, production_rep, next_week)
    with django_assert_num_queries(BACKORDER_PAGE_QUERIES):
        response = as_manager.get("/backorders/?overdue=no")
    assert len(response.context["rows"]) == count
    with django_assert_num_queries(BACKORDER_CSV_QUERIES):
        response = as_manager.get("/backorders/?format=csv")
        assert b"".join(response.streaming_content).count(b"\n") == count + 1
