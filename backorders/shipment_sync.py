"""Supplier shipment sync: ask a supplier's Order Shipment Notification Service what it shipped on our open POs.

Each package the supplier reports is recorded on its PO as a Shipment (carrier, tracking number, ship date)
with a line per PO line and quantity, once per (PO, tracking number): a second read records nothing new.
Then the desk proposes, never decides (the SupplierProposal flow of the order status sync):

- every product line of the PO shipped in full: a "shipped" proposal (move the PO to Shipped), while the
  PO is still Submitted or Confirmed;
- otherwise, for each product line shipped short of its quantity (less what is already backordered):
  a "backorder" proposal of the rest.

The same POs as the order status sync (stage Submitted, Confirmed or Shipped, sales order not Invoiced or
Closed), of the suppliers whose shipment service is switched on. All or nothing: every PO is asked first;
a supplier that is down, slow, or answers garbage, a SOAP fault, another shape or an error message leaves
everything as it was, and the kind of error and its time show on the supplier's page until the next good
read clears them.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet, Sum

from backorders.models import Backorder, SupplierProposal
from backorders.order_status_sync import PROPOSAL_VERB, purchase_orders_to_sync
from core import locks
from core.transactions import money_write
from projects.models import SalesOrderItem
from projects.services.common import activity_record
from purchasing.models import PurchaseOrder, PurchaseOrderItem, ShipmentLine, Supplier
from purchasing.promostandards import failures
from purchasing.promostandards.client import OrderStatusServiceError, service_password
from purchasing.promostandards.shipments import Package, ShipmentNotificationClient
from purchasing.services import ShipmentLineRequest, purchase_order_shipment_record, supplier_shipments_checked

logger = logging.getLogger(__name__)

Kind = SupplierProposal.Kind
# Only a PO not yet marked Shipped is proposed the move.
BEFORE_SHIPPED = (PurchaseOrder.Stage.SUBMITTED, PurchaseOrder.Stage.CONFIRMED)
SUPPLIER_STATUS_CODE = "OSN"


@dataclass
class ShipmentSyncResult:
    """What one shipment sync of one supplier did."""

    supplier: Supplier
    asked: list[str] = field(default_factory=list)  # PO numbers
    recorded: list[str] = field(default_factory=list)  # tracking numbers recorded this time
    proposals: list[SupplierProposal] = field(default_factory=list)
    error: str = ""

    def __str__(self) -> str:
        if self.error:
            return f"{self.supplier}: {self.error}"
        return (
            f"{self.supplier}: asked about {len(self.asked)} PO(s), {len(self.recorded)} new shipment(s), "
            f"{len(self.proposals)} new proposal(s)"
        )


def suppliers_with_shipment_service() -> QuerySet[Supplier]:
    """Return the suppliers whose shipment notification service is switched on and has an address."""
    return Supplier.objects.filter(shipment_enabled=True).exclude(shipment_url="").order_by("pk")


def supplier_shipment_sync(*, supplier: Supplier) -> ShipmentSyncResult:
    """Ask one supplier what it shipped on its open POs; record and propose only if every answer was good."""
    result = ShipmentSyncResult(supplier=supplier)
    if not (supplier.shipment_enabled and supplier.shipment_url):
        return result
    try:
        password = service_password(supplier.order_status_password_encrypted)
    except OrderStatusServiceError as error:
        return _failed(result, error)
    client = ShipmentNotificationClient(
        url=supplier.shipment_url,
        username=supplier.order_status_username,
        password=password,
        timeout=settings.SUPPLIER_ORDER_STATUS_TIMEOUT_SECONDS,
    )
    orders = list(purchase_orders_to_sync(supplier=supplier))
    packages: dict[int, list[Package]] = {}
    try:
        for order in orders:
            packages[order.pk] = client.purchase_order_shipments(number=order.number)
            result.asked.append(order.number)
        # Every package's lines must be lines of its PO: one that is not makes the whole answer unusable.
        lines = {
            order.pk: list(PurchaseOrderItem.objects.filter(purchase_order=order).order_by("id")) for order in orders
        }
        for order in orders:
            for package in packages[order.pk]:
                for line in package.lines:
                    if line.line_number > len(lines[order.pk]):
                        raise OrderStatusServiceError(
                            failures.UNUSABLE_SHIPMENTS,
                            f"Package {package.tracking_number} ships line {line.line_number} of {order.number}, "
                            f"which has {len(lines[order.pk])} line(s).",
                        )
    except OrderStatusServiceError as error:
        return _failed(result, error)
    _apply(result=result, orders=orders, packages=packages, lines=lines)
    logger.info("Shipment sync: %s", result)
    return result


def _failed(result: ShipmentSyncResult, error: OrderStatusServiceError) -> ShipmentSyncResult:
    result.error = error.category
    supplier_shipments_checked(supplier=result.supplier, error=error.category)
    logger.warning("Shipment sync of %s failed: %s Detail: %s", result.supplier, error.category, error.detail)
    return result


def _supplier_named(*, result: ShipmentSyncResult, **_) -> str:
    return f"A purchase order of {result.supplier}"


@money_write(_supplier_named)
def _apply(
    *,
    result: ShipmentSyncResult,
    orders: list[PurchaseOrder],
    packages: dict[int, list[Package]],
    lines: dict[int, list[PurchaseOrderItem]],
) -> None:
    locks.lock_supplier(result.supplier)
    shipped = [order for order in orders if packages.get(order.pk)]
    locked = {
        po.pk: po
        for po in locks.lock_purchase_orders_of_orders(
            sales_order_ids=[order.sales_order_id for order in shipped],
            queryset=PurchaseOrder.objects.filter(
                pk__in=[order.pk for order in shipped], stage__in=[*BEFORE_SHIPPED, PurchaseOrder.Stage.SHIPPED]
            ).select_related("project", "supplier"),
        )
    }
    for order in shipped:
        po = locked.get(order.pk)
        if po is None:
            continue  # moved on while the supplier was being asked
        items = {number: item for number, item in enumerate(lines[order.pk], start=1)}
        for package in packages[order.pk]:
            shipment = purchase_order_shipment_record(
                purchase_order=po,
                tracking_number=package.tracking_number,
                carrier=package.carrier,
                ship_date=package.ship_date,
                lines=[
                    ShipmentLineRequest(purchase_order_item=items[line.line_number], quantity=line.quantity)
                    for line in package.lines
                ],
            )
            if shipment is not None:
                result.recorded.append(package.tracking_number)
        _propose_from(result, po, list(items.values()))
    supplier_shipments_checked(supplier=result.supplier)


def _propose_from(result: ShipmentSyncResult, po: PurchaseOrder, items: list[PurchaseOrderItem]) -> None:
    shipped = dict(
        ShipmentLine.objects.filter(shipment__purchase_order=po)
        .values("purchase_order_item")
        .annotate(total=Sum("quantity"))
        .values_list("purchase_order_item", "total")
    )
    backordered = dict(
        Backorder.objects.filter(purchase_order=po, status=Backorder.Status.OPEN)
        .values("purchase_order_item")
        .annotate(total=Sum("quantity"))
        .values_list("purchase_order_item", "total")
    )
    shipments = po.shipments.count()
    # A new shipment is news: a proposal dismissed for fewer shipments may be made again.
    code = f"{SUPPLIER_STATUS_CODE}-{shipments}"[:10]
    goods = [item for item in items if item.sales_order_item.kind == SalesOrderItem.Kind.PRODUCT]
    short = {item: item.quantity - shipped.get(item.pk, 0) for item in goods if shipped.get(item.pk, 0) < item.quantity}
    if not short:
        if po.stage in BEFORE_SHIPPED:
            _propose(
                result, po, kind=Kind.SHIPPED, code=code, supplier_status=f"Shipped in full in {shipments} shipment(s)"
            )
        return
    for item, rest in short.items():
        rest -= backordered.get(item.pk, 0)
        if rest <= 0:
            continue
        _propose(
            result,
            po,
            kind=Kind.BACKORDER,
            item=item,
            quantity=rest,
            code=code,
            supplier_status=f"Shipped {shipped.get(item.pk, 0)} of {item.quantity}",
        )


def _propose(
    result: ShipmentSyncResult,
    po: PurchaseOrder,
    *,
    kind: str,
    code: str,
    supplier_status: str,
    item: PurchaseOrderItem | None = None,
    quantity: int | None = None,
) -> None:
    values = {
        "quantity": quantity,
        "supplier_status_code": code,
        "supplier_status": supplier_status[:200],
        "detail": "From the supplier's shipment notifications",
    }
    same_place = SupplierProposal.objects.filter(purchase_order=po, purchase_order_item=item, kind=kind)
    pending = same_place.filter(status=SupplierProposal.Status.PENDING)
    if pending.exists():
        pending.update(**values)
        return
    # Dismissed for these very shipments: the rep has seen it.
    if same_place.filter(status=SupplierProposal.Status.DISMISSED, supplier_status_code=code).exists():
        return
    # Confirmed already (a backorder flagged, or the PO moved): nothing more to propose for these shipments.
    if same_place.filter(status=SupplierProposal.Status.CONFIRMED, supplier_status_code=code).exists():
        return
    proposal = SupplierProposal.objects.create(purchase_order=po, purchase_order_item=item, kind=kind, **values)
    activity_record(
        project=po.project,
        subject=po,
        verb=PROPOSAL_VERB,
        by=None,
        to_value=proposal.get_kind_display(),
        detail=supplier_status,
    )
    result.proposals.append(proposal)
