"""Reads of purchase orders shared by the pages, the API, the PDF and the email."""

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round

from projects.models import MONEY
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Shipment, ShipmentLine


def purchase_order_list() -> QuerySet[PurchaseOrder]:
    """POs with project, client, supplier and items (with their SO item) for any list or page."""
    return PurchaseOrder.objects.select_related(
        "project__client", "sales_order", "supplier", "production_rep"
    ).prefetch_related(
        Prefetch("items", queryset=PurchaseOrderItem.objects.select_related("sales_order_item").order_by("id"))
    )


def purchase_order_total() -> Coalesce:
    """A PO's total at cost, for annotating a list: each line's quantity × unit cost rounded to cents, summed.

    The same as the PO page's total (core.money.line_amount per line), in one subquery.
    """
    money = DecimalField(**MONEY)
    line = Round(
        ExpressionWrapper(F("quantity") * F("sales_order_item__unit_cost"), output_field=money), 2, output_field=money
    )
    lines = (
        PurchaseOrderItem.objects.filter(purchase_order=OuterRef("pk"))
        .order_by()
        .values("purchase_order")
        .annotate(total=Sum(line))
        .values("total")
    )
    return Coalesce(Subquery(lines, output_field=money), Value(0, output_field=money))


def purchase_orders_flagged() -> QuerySet[PurchaseOrder]:
    return purchase_order_list().filter(~Q(status=PurchaseOrder.Status.NONE))


def purchase_order_ship_to(*, purchase_order: PurchaseOrder) -> str:
    """Where a PO's goods go: its own ship-to, else its sales order's, else the client's billing address."""
    return (
        purchase_order.ship_to.strip()
        or purchase_order.sales_order.ship_to.strip()
        or purchase_order.project.client.billing_address.strip()
    )


def shipments_of(*, purchase_orders: QuerySet[PurchaseOrder] | list[PurchaseOrder]) -> QuerySet[Shipment]:
    """The shipments recorded on some POs, oldest first, with their lines and each line's item (one query each)."""
    return (
        Shipment.objects.filter(purchase_order__in=purchase_orders)
        .select_related("purchase_order")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ShipmentLine.objects.select_related("purchase_order_item__sales_order_item").order_by("id"),
            )
        )
        .order_by("ship_date", "id")
    )
