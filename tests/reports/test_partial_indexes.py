"""What concerns only open rows is read through partial indexes: the statements' plans name them (PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoicing.services.issue import invoice_create
from projects.models import SalesOrder
from reports.invoice_report import invoice_report_summary
from tests.conftest import need_service
from tests.factories import SalesOrderFactory, SalesOrderItemFactory

pytestmark = pytest.mark.django_db


def plan_without_seq_scans(sql: str) -> str:
    """The statement's plan where the planner may not read a table whole (a few rows would invite it)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return plan


def test_the_report_s_remaining_amount_reads_only_the_items_left_to_invoice(invoicing_rep):
    need_service(connection.vendor == "postgresql", "the plans are PostgreSQL's: set DATABASE_URL")
    for _ in range(3):
        order = SalesOrderFactory(status=SalesOrder.Status.READY_TO_BE_INVOICED)
        SalesOrderItemFactory(sales_order=order, quantity=10, unit_price=Decimal("2.00"), tax_rate=Decimal("0"))
        invoice_create(sales_order=order, by=invoicing_rep)
    open_order = SalesOrderFactory(status=SalesOrder.Status.IN_PRODUCTION)
    SalesOrderItemFactory(sales_order=open_order, quantity=4, unit_price=Decimal("5.00"), tax_rate=Decimal("0"))

    with CaptureQueriesContext(connection) as captured:
        summary = invoice_report_summary()
    [items] = [query["sql"] for query in captured.captured_queries if "projects_salesorderitem" in query["sql"]]

    assert "so_item_remaining_idx" in plan_without_seq_scans(items)
    # The three invoiced orders have nothing left; the open order has no invoice, so it is not a report row.
    assert summary.totals["remaining_amount"] == Decimal("0.00")
    assert summary.totals["count"] == 3
