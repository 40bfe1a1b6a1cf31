"""Reads of purchase orders shared by the pages, the API, the PDF and the email."""

from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
)

from purchasing.models import PurchaseOrder, PurchaseOrderItem


def purchase_order_list() -> QuerySet[PurchaseOrder]:
    """POs with project, client, supplier and items (with their SO item) for any list or page."""
    return PurchaseOrder.objects.select_related(
        "project__client", "sales_order", "supplier", "production_rep"
    ).prefetch_related(
        Prefetch("items", queryset=PurchaseOrderItem.objects.select_related("sales_order_item").order_by("id"))
    )


def purchase_orders_flagged() -> QuerySet[PurchaseOrder]:
    return purchase_order_list().filter(~Q(status=PurchaseOrder.Status.NONE))


def purchase_order_ship_to(*, purchase_order: PurchaseOrder) -> str:
    """Where a PO's goods go: its own ship-to, else its sales order's, else the client's billing address."""
    return (
        purchase_order.ship_to.strip()
        or purchase_order.sales_order.ship_to.strip()
        or purchase_order.project.client.billing_address.strip()
    )
