"""What a client may see of its sales order: the goods shipped, backordered (until when), still to ship and to invoice.

Quantities only: prices belong to invoices, and the client sees the invoices it was sent (the status page adds
them from invoicing/). Nothing here names a purchase order, a supplier, a note or a person of the desk.

Shipped follows the goods figures of purchasing/figures.py: an item's shipped quantity counts the lines of
POs whose goods are there (Shipped or later, or whose rest was declared shipping when a backorder was
flagged); the open backordered part of such a PO has not left, so it is taken off. The packages suppliers
reported (purchasing.Shipment) are listed with carrier, tracking and ship date, without naming the PO.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format

from backorders.models import Backorder
from projects.models import SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder
from purchasing.selectors import shipments_of


@dataclass
class BackorderedPart:
    quantity: int
    expected_date: date | None

    @property
    def expected(self) -> str:
        return date_format(self.expected_date) if self.expected_date else "date to be confirmed"


@dataclass
class ItemStatus:
    """One item as the client sees it."""

    description: str
    is_goods: bool  # a product that ships; a service (a setup charge) is only invoiced
    ordered: int
    shipped: int
    backordered: int
    not_shipped: int  # neither shipped nor backordered: still with the maker, on time
    invoiced: int
    to_invoice: int
    backorders: list[BackorderedPart] = field(default_factory=list)


@dataclass
class ShipmentForClient:
    """A package a supplier reported shipping: carrier, tracking (with the carrier's link where known) and what."""

    ship_date: date | None
    carrier: str
    tracking_number: str
    tracking_url: str
    lines: list[tuple[int, str]]  # quantity, the item's description


@dataclass
class OrderStatus:
    order: SalesOrder
    items: list[ItemStatus]
    shipments: list[ShipmentForClient] = field(default_factory=list)

    @property
    def backordered(self) -> list[ItemStatus]:
        return [item for item in self.items if item.backordered]

    @property
    def shipped(self) -> list[ItemStatus]:
        return [item for item in self.items if item.shipped]

    @property
    def waiting(self) -> list[ItemStatus]:
        return [item for item in self.items if item.not_shipped]

    @property
    def anything_to_ship(self) -> bool:
        """Whether some goods have not shipped yet (backordered or still with the maker)."""
        return any(item.backordered or item.not_shipped for item in self.items)

    @property
    def anything_shipped(self) -> bool:
        return any(item.shipped for item in self.items)


def _item_status(item: SalesOrderItem, parts: list[BackorderedPart]) -> ItemStatus:
    ordered = item.quantity - item.cancelled_quantity
    is_goods = item.kind == SalesOrderItem.Kind.PRODUCT
    backordered = item.backordered_quantity
    shipped = min(ordered, max(0, item.shipped_quantity - backordered)) if is_goods else 0
    not_shipped = max(0, ordered - shipped - backordered) if is_goods else 0
    return ItemStatus(
        description=item.description,
        is_goods=is_goods,
        ordered=ordered,
        shipped=shipped,
        backordered=backordered,
        not_shipped=not_shipped,
        invoiced=item.invoiced_quantity,
        to_invoice=item.remaining_quantity,
        backorders=parts,
    )


def order_status_for_client(sales_order: SalesOrder) -> OrderStatus:
    """Each item of the order with what shipped, what is backordered (with the expected dates) and what remains."""
    items = list(SalesOrderItem.objects.filter(sales_order_id=sales_order.pk).order_by("position", "id"))
    open_backorders = Backorder.objects.filter(
        purchase_order_item__sales_order_item__sales_order_id=sales_order.pk, status=Backorder.Status.OPEN
    ).order_by("expected_date", "id")
    parts: dict[int, list[BackorderedPart]] = {}
    for item_id, quantity, expected_date in open_backorders.values_list(
        "purchase_order_item__sales_order_item_id", "quantity", "expected_date"
    ):
        parts.setdefault(item_id, []).append(BackorderedPart(quantity=quantity, expected_date=expected_date))
    shipments = [
        ShipmentForClient(
            ship_date=shipment.ship_date,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            tracking_url=shipment.tracking_url,
            lines=[
                (line.quantity, line.purchase_order_item.sales_order_item.description) for line in shipment.lines.all()
            ],
        )
        for shipment in shipments_of(purchase_orders=PurchaseOrder.objects.filter(sales_order_id=sales_order.pk))
    ]
    return OrderStatus(
        order=sales_order, items=[_item_status(item, parts.get(item.pk, [])) for item in items], shipments=shipments
    )
