"""Every list costs the same number of queries for a page of 50 rows as for a page of 5."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backorders.models import Backorder
from invoicing.models import Invoice, InvoiceLine
from notifications.models import Notification
from projects.models import Note, SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from tests.api.conftest import token_client
from tests.factories import ClientFactory, ProjectFactory, SalesOrderFactory, SupplierFactory

ROWS = 55  # more than the larger page, so both pages are full


@pytest.fixture
def busy_desk(manager, sales_rep, production_rep, invoicing_rep):
    """ROWS of everything a list shows, each with the related rows its serializer reads."""
    project = ProjectFactory(order_rep=sales_rep, production_rep=production_rep, invoicing_rep=invoicing_rep)
    supplier = SupplierFactory()
    for _ in range(ROWS):
        ClientFactory()
        SupplierFactory()
        ProjectFactory(
            client=project.client, order_rep=sales_rep, production_rep=production_rep, invoicing_rep=invoicing_rep
        )
    orders = [SalesOrderFactory(project=project, status=SalesOrder.Status.READY_TO_BE_INVOICED) for _ in range(ROWS)]
    items = SalesOrderItem.objects.bulk_create(
        SalesOrderItem(
            sales_order=order,
            position=position,
            description=f"Item {position}",
            quantity=10,
            unit_price=Decimal("2.50"),
            tax_rate=Decimal("8.25"),
        )
        for order in orders
        for position in range(2)
    )
    pos = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(number=f"PO-{9000 + index}", project=project, sales_order=order, supplier=supplier)
        for index, order in enumerate(orders)
    )
    po_items = PurchaseOrderItem.objects.bulk_create(
        PurchaseOrderItem(purchase_order=po, sales_order_item=item, quantity=10)
        for po in pos
        for item in items
        if item.sales_order_id == po.sales_order_id
    )
    Backorder.objects.bulk_create(
        Backorder(
            purchase_order_id=po_item.purchase_order_id,
            purchase_order_item=po_item,
            quantity=1,
            expected_date=timezone.localdate() + timedelta(days=3),
            reason="short",
            raised_by=production_rep,
        )
        for po_item in po_items[:ROWS]
    )
    notes = Note.objects.bulk_create(Note(project=project, author=production_rep, body="@sam") for _ in range(ROWS))
    Note.mentions.through.objects.bulk_create(
        Note.mentions.through(note=note, user=user) for note in notes for user in (sales_rep, invoicing_rep)
    )
    today = timezone.localdate()
    invoices = Invoice.objects.bulk_create(
        Invoice(
            number=f"INV-{index:06d}",
            sequence_number=index,
            sales_order=order,
            client_id=order.project.client_id,
            date=today,
            due_date=today,
            kind=Invoice.Kind.PARTIAL,
            subtotal=Decimal("2.50"),
            tax=Decimal("0.21"),
            total=Decimal("2.71"),
            issued_by=invoicing_rep,
        )
        for index, order in enumerate(orders, start=1)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            sales_order_item=item,
            description=item.description,
            quantity=1,
            unit_price=item.unit_price,
            tax_rate=item.tax_rate,
            amount=Decimal("2.50"),
            tax=Decimal("0.21"),
        )
        for invoice in invoices
        for item in items
        if item.sales_order_id == invoice.sales_order_id
    )
    Notification.objects.bulk_create(
        Notification(
            recipient=manager, kind="mention", event_key=f"note:{index}", project=project, message="m", url="/"
        )
        for index in range(ROWS)
    )


# path → (queries, why). Each request first reads the caller's token (with its user, 1 query).
LISTS = {
    "/api/clients/": (3, "token, count, page"),
    "/api/suppliers/": (3, "token, count, page"),
    "/api/projects/": (3, "token, count, page (client and reps joined)"),
    "/api/sales-orders/": (4, "token, count, page with figures summed in SQL, items with figures (one prefetch)"),
    "/api/purchase-orders/": (4, "token, count, page, items (one prefetch, SO item joined)"),
    "/api/backorders/": (3, "token, count, page (PO and item joined)"),
    "/api/notes/": (4, "token, count, page, mentions (one prefetch)"),
    "/api/invoices/": (4, "token, count, page (sales order joined), lines (one prefetch)"),
    "/api/notifications/": (3, "token, count, page"),
    "/api/reports/invoices/": (5, "token, the caller's groups, the page (keyset), totals, remaining of the orders"),
}


@pytest.mark.parametrize("path", list(LISTS))
def test_a_list_costs_the_same_for_5_and_50_rows(busy_desk, manager, django_assert_num_queries, path):
    queries, _why = LISTS[path]
    for page_size in (5, 50):
        # A fresh client each time: the roles a request finds are cached on its user object.
        api = token_client(manager)
        with django_assert_num_queries(queries):
            response = api.get(path, {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size
