"""Where the goods of a sales order are: each item's purchased and shipped quantities, kept as POs change.

An item's purchased quantity is what its purchase order lines order; its shipped quantity is the part of
that on POs whose goods are there: Shipped or later, or a PO whose backorder was flagged (flagging declares
that the rest of the PO ships now; the backordered part is subtracted as backordered). "Ready to invoice"
(SalesOrderItem.ready_quantity) follows from these, so an invoice never proposes goods nobody shipped.

The services that create POs, move their stage or flag a backorder call `sales_order_purchase_figures_refresh`
in their own transaction, after locking the sales order (core/locks.py's order), and `check_books`
recomputes the same figures to report any drift.
"""

from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from projects.models import SalesOrderItem
from purchasing.models import STAGE_ORDER, PurchaseOrder, PurchaseOrderItem

SHIPPED_OR_LATER = STAGE_ORDER[STAGE_ORDER.index(PurchaseOrder.Stage.SHIPPED) :]
# A PO whose goods are there: shipped (or later), or its rest declared shipping when a backorder was flagged.
GOODS_THERE = Q(purchase_order__stage__in=SHIPPED_OR_LATER) | Q(purchase_order__rest_ships_declared_at__isnull=False)


def _summed(lines) -> Coalesce:
    total = lines.filter(sales_order_item=OuterRef("pk")).values("sales_order_item").annotate(total=Sum("quantity"))
    return Coalesce(Subquery(total.values("total"), output_field=IntegerField()), Value(0))


def purchased_expression() -> Coalesce:
    """An item's purchased quantity, recomputed from its PO lines."""
    return _summed(PurchaseOrderItem.objects.all())


def shipped_expression() -> Coalesce:
    """An item's shipped quantity, recomputed from its PO lines on POs whose goods are there."""
    return _summed(PurchaseOrderItem.objects.filter(GOODS_THERE))


def sales_order_purchase_figures_refresh(*, sales_order_id: int) -> int:
    """Recompute the purchased and shipped quantities of every item of one sales order; returns the rows changed.

    The caller holds the sales order's lock (a money write), so no other write changes these items meanwhile.
    """
    return SalesOrderItem.objects.filter(sales_order_id=sales_order_id).update(
        purchased_quantity=purchased_expression(), shipped_quantity=shipped_expression()
    )


def purchase_order_declare_rest_ships(*, purchase_order: PurchaseOrder) -> None:
    """Record, once, that the rest of this PO ships now (a backorder was flagged on it), and refresh the figures."""
    if purchase_order.rest_ships_declared_at is None:
        purchase_order.rest_ships_declared_at = timezone.now()
        PurchaseOrder.objects.filter(pk=purchase_order.pk, rest_ships_declared_at__isnull=True).update(
            rest_ships_declared_at=purchase_order.rest_ships_declared_at
        )
    sales_order_purchase_figures_refresh(sales_order_id=purchase_order.sales_order_id)


def purchase_orders_not_shipped(*, sales_order_id: int, excluding: int | None = None):
    """The order's POs whose goods are not there yet (not Shipped or later, nothing declared), by number."""
    pending = PurchaseOrder.objects.filter(sales_order_id=sales_order_id).exclude(stage__in=SHIPPED_OR_LATER)
    pending = pending.filter(rest_ships_declared_at__isnull=True)
    if excluding is not None:
        pending = pending.exclude(pk=excluding)
    return pending.order_by("number")


def unshipped_purchase_orders_by_item(*, sales_order_id: int) -> dict[int, list[str]]:
    """For each item of the order with goods not shipped yet, its POs holding them: "PO-1002 (Submitted)"."""
    lines = (
        PurchaseOrderItem.objects.filter(sales_order_item__sales_order_id=sales_order_id)
        .exclude(GOODS_THERE)
        .order_by("purchase_order__number")
        .values_list("sales_order_item_id", "purchase_order__number", "purchase_order__stage")
    )
    named: dict[int, list[str]] = {}
    for item_id, number, stage in lines:
        named.setdefault(item_id, []).append(f"{number} ({PurchaseOrder.Stage(stage).label})")
    return named


def not_shipped_warnings(*, sales_order_id: int, quantities: list[tuple[SalesOrderItem, int]]) -> list[str]:
    """A warning for each quantity above what is ready that sits on a PO not shipped yet, naming that PO.

    The invoicing rep may still invoice such quantities by hand (the client was billed in advance, say); the
    page and the API say which goods have not shipped, so it is never by accident.
    """
    over = [(item, quantity) for item, quantity in quantities if quantity > item.ready_quantity]
    if not over:
        return []
    holding = unshipped_purchase_orders_by_item(sales_order_id=sales_order_id)
    warnings = []
    for item, quantity in over:
        if item.pk in holding:
            beyond = quantity - item.ready_quantity
            warnings.append(
                f"{beyond} × {item.description} beyond what is ready: on {', '.join(holding[item.pk])}, "
                "not shipped yet."
            )
    return warnings
