"""Checking the books: each sales-order item's cached counters against the rows they sum.

The services keep `invoiced_quantity`, `backordered_quantity` and `cancelled_quantity` in the same
transaction as the invoice lines, credit note lines and backorders they count, and `purchased_quantity` and
`shipped_quantity` with the purchase orders (purchasing/figures.py). These reads recompute
them from those rows, in the database, so that `manage.py check_books` can report any drift.
"""

from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from backorders.models import Backorder
from invoicing.models import CreditNoteLine, Invoice, InvoiceLine
from projects.models import SalesOrderItem
from purchasing.figures import purchased_expression, shipped_expression

COUNTERS = ("invoiced", "backordered", "cancelled", "purchased", "shipped")


def _total(rows: QuerySet, item_field: str) -> Coalesce:
    """The sum of the rows' quantities for the outer item, 0 without rows."""
    summed = rows.order_by().values(item_field).annotate(total=Sum("quantity")).values("total")
    return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))


def items_with_recomputed_counters() -> QuerySet[SalesOrderItem]:
    """Annotate every item with its counters as its issued invoice lines, their credits and its backorders say."""
    # A draft's lines count nowhere until it is issued, and a void invoice's no longer count.
    lines = InvoiceLine.objects.filter(sales_order_item=OuterRef("pk")).exclude(
        invoice__status__in=[Invoice.Status.VOID, Invoice.Status.DRAFT]
    )
    # Invoiced is net of credit notes: a credited quantity is remaining to invoice again.
    credits = CreditNoteLine.objects.filter(invoice_line__sales_order_item=OuterRef("pk")).exclude(
        invoice_line__invoice__status=Invoice.Status.VOID
    )
    backorders = Backorder.objects.filter(purchase_order_item__sales_order_item=OuterRef("pk"))
    item = "purchase_order_item__sales_order_item"
    return SalesOrderItem.objects.annotate(
        recomputed_invoiced=_total(lines, "sales_order_item") - _total(credits, "invoice_line__sales_order_item"),
        recomputed_backordered=_total(backorders.filter(status=Backorder.Status.OPEN), item),
        recomputed_cancelled=_total(backorders.filter(status=Backorder.Status.CANCELLED), item),
        recomputed_purchased=purchased_expression(),
        recomputed_shipped=shipped_expression(),
    )


def items_drifted() -> QuerySet[SalesOrderItem]:
    """Return the items whose stored counters differ from the recomputed ones, in order-number order."""
    return (
        items_with_recomputed_counters()
        .exclude(
            invoiced_quantity=F("recomputed_invoiced"),
            backordered_quantity=F("recomputed_backordered"),
            cancelled_quantity=F("recomputed_cancelled"),
            purchased_quantity=F("recomputed_purchased"),
            shipped_quantity=F("recomputed_shipped"),
        )
        .select_related("sales_order")
        .order_by("sales_order__number", "position", "id")
    )


@dataclass(frozen=True)
class Drift:
    counter: str
    stored: int
    recomputed: int


def drifts_of(item: SalesOrderItem) -> list[Drift]:
    """Name each counter of an annotated item that differs, and the remaining quantity that follows from them."""
    drifts = [
        Drift(name, getattr(item, f"{name}_quantity"), getattr(item, f"recomputed_{name}"))
        for name in COUNTERS
        if getattr(item, f"{name}_quantity") != getattr(item, f"recomputed_{name}")
    ]
    remaining = item.quantity - item.recomputed_cancelled - item.recomputed_invoiced
    if remaining != item.remaining_quantity:
        drifts.append(Drift("remaining", item.remaining_quantity, remaining))
    return drifts


def invoices_with_another_client() -> QuerySet[Invoice]:
    """Invoices whose kept client is not their order's project's client (the projects' services move it)."""
    return Invoice.objects.exclude(client_id=F("sales_order__project__client_id")).select_related(
        "client", "sales_order__project__client"
    )
