"""Supplier stock: ask a supplier's Inventory Service how much it has of what our POs still wait for.

A PO line is asked about when its sales order item is a product with the supplier's product id (and, if
known, part id). The answer is kept on the line (available now, the next future availability and its
date, when checked), and a line whose available quantity is below what is still to ship on it (its
quantity, less what the supplier's shipments recorded, less what is already backordered) is likely to
become a backorder:

- on the PO page, **Check stock** asks the supplier for that PO's lines and the page marks such a line;
- every day, beat re-checks the open POs not yet shipped (Created, Submitted or Confirmed, sales order not
  Invoiced or Closed) of the suppliers whose inventory service is switched on, keeps the answer on the lines
  as Check stock does, and proposes a backorder of the
  shortfall on each short line (the SupplierProposal flow: Confirm or Dismiss on the PO page, never
  silent). One proposal per line: a pending one is brought up to date; a dismissed one is not made again
  unless the shortfall grows past what was dismissed.

All or nothing: every product is asked first; a supplier that is down, slow, or answers garbage, a SOAP
fault, another shape or an error message changes nothing, and the kind of error and its time show on the
supplier's page until the next good read clears them.
"""

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from backorders.models import Backorder, SupplierProposal
from backorders.order_status_sync import PROPOSAL_VERB, SETTLED_ORDER_STATUSES
from core import locks
from core.errors import TransitionNotAllowed
from core.transactions import money_write
from projects.models import SalesOrderItem
from projects.services.common import activity_record
from purchasing.models import PurchaseOrder, PurchaseOrderItem, ShipmentLine, Supplier
from purchasing.promostandards.client import OrderStatusServiceError, service_password
from purchasing.promostandards.inventory import FutureStock, InventoryClient, PartStock
from purchasing.promostandards.units import EACH, eaches, unit_of
from purchasing.services import supplier_inventory_checked

logger = logging.getLogger(__name__)

SUPPLIER_STATUS_CODE = "INV"
STOCK_MAX = 2_147_483_647  # the largest figure a line keeps: a supplier's "more than that" is that
# Stock is worth asking about until the goods have left the supplier: on the PO page and every day alike. A
# Created PO (written, not yet sent) is checked too: a shortfall is best known before the PO goes out.
CHECKED_STAGES = (PurchaseOrder.Stage.CREATED, PurchaseOrder.Stage.SUBMITTED, PurchaseOrder.Stage.CONFIRMED)
DAILY_STAGES = CHECKED_STAGES


@dataclass(frozen=True)
class LineStock:
    """What the supplier said about one PO line's product (and part): in eaches when comparable.

    When a quantity is in a unit the desk cannot turn into eaches (a case, without the item's units per pack),
    the figures are the supplier's units as answered (None if its parts are counted in different ones).
    """

    available: int | None
    next_future: FutureStock | None
    uom: str = EACH
    comparable: bool = True


@dataclass
class StockCheckResult:
    """What one stock check of one supplier did."""

    supplier: Supplier
    asked: list[str] = field(default_factory=list)  # product ids
    checked: int = 0  # PO lines given a stock figure
    not_listed: list[str] = field(default_factory=list)  # "product / part" the supplier did not list
    not_comparable: list[str] = field(default_factory=list)  # "product / part (CA)" counted in unknown units
    short: list[PurchaseOrderItem] = field(default_factory=list)
    proposals: list[SupplierProposal] = field(default_factory=list)
    error: str = ""

    def __str__(self) -> str:
        if self.error:
            return f"{self.supplier}: {self.error}"
        return (
            f"{self.supplier}: asked about {len(self.asked)} product(s), {self.checked} PO line(s) checked, "
            f"{len(self.short)} short, {len(self.proposals)} new proposal(s)"
        )


def suppliers_with_inventory_service() -> QuerySet[Supplier]:
    """Return the suppliers whose inventory service is switched on and has an address."""
    return Supplier.objects.filter(inventory_enabled=True).exclude(inventory_url="").order_by("pk")


def stock_lines(*, purchase_orders: list[PurchaseOrder]) -> list[PurchaseOrderItem]:
    """Return the PO lines whose stock can be asked: products with the supplier's product id."""
    return list(
        PurchaseOrderItem.objects.filter(
            purchase_order__in=purchase_orders,
            sales_order_item__kind=SalesOrderItem.Kind.PRODUCT,
        )
        .exclude(sales_order_item__supplier_product_id="")
        .select_related("sales_order_item", "purchase_order")
        .order_by("purchase_order_id", "id")
    )


def still_to_ship(*, purchase_order_items: list[PurchaseOrderItem]) -> dict[int, int]:
    """Return each PO line's quantity still to ship: less its recorded shipments and its open backorders."""
    ids = [item.pk for item in purchase_order_items]
    shipped = dict(
        ShipmentLine.objects.filter(purchase_order_item_id__in=ids)
        .values("purchase_order_item")
        .annotate(total=Sum("quantity"))
        .values_list("purchase_order_item", "total")
    )
    backordered = dict(
        Backorder.objects.filter(purchase_order_item_id__in=ids, status=Backorder.Status.OPEN)
        .values("purchase_order_item")
        .annotate(total=Sum("quantity"))
        .values_list("purchase_order_item", "total")
    )
    return {
        item.pk: max(item.quantity - shipped.get(item.pk, 0) - backordered.get(item.pk, 0), 0)
        for item in purchase_order_items
    }


def likely_backorder(item: PurchaseOrderItem, still: int) -> bool:
    """Whether the supplier's last known stock of a line, in the line's units, is below what is still to ship."""
    return item.stock_comparable and item.stock_available is not None and item.stock_available < still


def _client(supplier: Supplier) -> InventoryClient:
    return InventoryClient(
        url=supplier.inventory_url,
        username=supplier.order_status_username,
        password=service_password(supplier.order_status_password_encrypted),
        timeout=settings.SUPPLIER_ORDER_STATUS_TIMEOUT_SECONDS,
    )


def _read(result: StockCheckResult, lines: list[PurchaseOrderItem]) -> dict[int, LineStock]:
    """Ask the supplier about every product of these lines; raise on the first failure."""
    client = _client(result.supplier)
    by_product: dict[str, list[PurchaseOrderItem]] = {}
    for line in lines:
        by_product.setdefault(line.sales_order_item.supplier_product_id, []).append(line)
    readings: dict[int, LineStock] = {}
    for product_id, product_lines in by_product.items():
        part_ids = sorted({line.sales_order_item.supplier_part_id for line in product_lines})
        # A line without a part id counts every part of the product: ask for them all.
        parts = client.inventory_levels(product_id=product_id, part_ids=[] if "" in part_ids else part_ids)
        result.asked.append(product_id)
        for line in product_lines:
            part_id = line.sales_order_item.supplier_part_id
            matching = [part for part in parts if part.part_id == part_id] if part_id else parts
            if not matching:
                result.not_listed.append(f"{product_id} / {part_id}" if part_id else product_id)
                continue
            readings[line.pk] = _line_stock(matching, units_per_pack=line.sales_order_item.supplier_units_per_pack)
            if not readings[line.pk].comparable:
                named = f"{product_id} / {part_id}" if part_id else product_id
                result.not_comparable.append(f"{named} ({readings[line.pk].uom})")
    return readings


def _line_stock(parts: list[PartStock], *, units_per_pack: int | None) -> LineStock:
    """One line's reading from its parts: added up in eaches, or in the supplier's unit when not convertible."""
    future = [entry for part in parts for entry in part.future]
    day: date | None = min((entry.available_on for entry in future), default=None)
    due = [entry for entry in future if entry.available_on == day]
    quantities = [(part.available, part.uom) for part in parts] + [(entry.quantity, entry.uom) for entry in future]
    units = sorted({unit_of(uom) for _, uom in quantities}) or [EACH]
    uom = "+".join(units)[:8]

    def total(pairs: list[tuple[Decimal | int, str]]) -> int | None:
        counts = [eaches(Decimal(value), unit, units_per_pack) for value, unit in pairs]
        if any(count is None for count in counts):
            return None
        return min(sum(count for count in counts if count is not None), STOCK_MAX)

    available = total([(part.available, part.uom) for part in parts])
    coming = total([(entry.quantity, entry.uom) for entry in due])
    if available is not None and coming is not None:
        next_future = FutureStock(quantity=coming, available_on=day) if day is not None else None
        return LineStock(available=available, next_future=next_future, uom=uom)
    if len(units) > 1:
        return LineStock(available=None, next_future=None, uom=uom, comparable=False)
    # One unit the desk cannot turn into eaches: kept as the supplier counts (whole ones), never compared.
    raw = min(int(sum(Decimal(part.available) for part in parts)), STOCK_MAX)
    raw_next = None
    if day is not None:
        raw_next = FutureStock(quantity=min(int(sum(Decimal(e.quantity) for e in due)), STOCK_MAX), available_on=day)
    return LineStock(available=raw, next_future=raw_next, uom=uom, comparable=False)


def _record(readings: dict[int, LineStock]) -> None:
    now = timezone.now()
    for pk, stock in readings.items():
        PurchaseOrderItem.objects.filter(pk=pk).update(
            stock_available=stock.available,
            stock_next_quantity=stock.next_future.quantity if stock.next_future else None,
            stock_next_date=stock.next_future.available_on if stock.next_future else None,
            stock_uom=stock.uom,
            stock_comparable=stock.comparable,
            stock_checked_at=now,
        )


def _failed(result: StockCheckResult, error: OrderStatusServiceError) -> StockCheckResult:
    result.error = error.category
    supplier_inventory_checked(supplier=result.supplier, error=error.category)
    logger.warning("Stock check of %s failed: %s Detail: %s", result.supplier, error.category, error.detail)
    return result


def purchase_order_stock_check(*, purchase_order: PurchaseOrder) -> StockCheckResult:
    """Ask the PO's supplier for the stock of the PO's lines now, and keep the answer on the lines."""
    supplier = purchase_order.supplier
    result = StockCheckResult(supplier=supplier)
    if not (supplier.inventory_enabled and supplier.inventory_url):
        raise TransitionNotAllowed(f"{supplier}'s inventory service is not switched on.")
    if purchase_order.stage not in CHECKED_STAGES:
        raise TransitionNotAllowed(
            f"{purchase_order.number} is {purchase_order.get_stage_display()}: its goods have left the supplier."
        )
    lines = stock_lines(purchase_orders=[purchase_order])
    if not lines:
        raise TransitionNotAllowed(f"No product on {purchase_order.number} has the supplier's product id.")
    try:
        readings = _read(result, lines)
    except OrderStatusServiceError as error:
        return _failed(result, error)
    with transaction.atomic():
        _record(readings)
        supplier_inventory_checked(supplier=supplier)
    result.checked = len(readings)
    still = still_to_ship(purchase_order_items=lines)
    fresh = {item.pk: item for item in stock_lines(purchase_orders=[purchase_order])}
    result.short = [item for pk, item in fresh.items() if likely_backorder(item, still[pk])]
    return result


def supplier_inventory_sync(*, supplier: Supplier) -> StockCheckResult:
    """Re-check the stock of a supplier's open POs not yet shipped; propose a backorder of each shortfall."""
    result = StockCheckResult(supplier=supplier)
    if not (supplier.inventory_enabled and supplier.inventory_url):
        return result
    orders = list(
        PurchaseOrder.objects.filter(supplier=supplier, stage__in=DAILY_STAGES)
        .exclude(sales_order__status__in=SETTLED_ORDER_STATUSES)
        .order_by("number")
    )
    lines = stock_lines(purchase_orders=orders)
    if not lines:
        return result
    try:
        readings = _read(result, lines)
    except OrderStatusServiceError as error:
        return _failed(result, error)
    _apply(result=result, orders=orders, readings=readings)
    logger.info("Stock check: %s", result)
    return result


def _supplier_named(*, result: StockCheckResult, **_) -> str:
    return f"A purchase order of {result.supplier}"


@money_write(_supplier_named)
def _apply(*, result: StockCheckResult, orders: list[PurchaseOrder], readings: dict[int, LineStock]) -> None:
    locks.lock_supplier(result.supplier)
    locked = locks.lock_purchase_orders_of_orders(
        sales_order_ids=[order.sales_order_id for order in orders],
        queryset=PurchaseOrder.objects.filter(pk__in=[order.pk for order in orders], stage__in=DAILY_STAGES),
    )
    # Only the lines of POs still not shipped once locked: one may have moved on while the supplier was asked.
    still_open = _line_ids(locked)
    _record({pk: stock for pk, stock in readings.items() if pk in still_open})
    lines = stock_lines(purchase_orders=locked)
    still = still_to_ship(purchase_order_items=lines)
    result.checked = sum(1 for line in lines if line.pk in readings)
    for line in lines:
        if line.pk not in readings or not likely_backorder(line, still[line.pk]):
            continue
        result.short.append(line)
        _propose(result, line, shortfall=still[line.pk] - (line.stock_available or 0), still=still[line.pk])
    supplier_inventory_checked(supplier=result.supplier)


def _line_ids(purchase_orders: list[PurchaseOrder]) -> set[int]:
    return set(PurchaseOrderItem.objects.filter(purchase_order__in=purchase_orders).values_list("pk", flat=True))


def _propose(result: StockCheckResult, line: PurchaseOrderItem, *, shortfall: int, still: int) -> None:
    po = line.purchase_order
    supplier_status = f"{line.stock_available} in stock, {still} still to ship"[:200]
    values: dict[str, object] = {
        "quantity": shortfall,
        "expected_date": line.stock_next_date,
        "supplier_status_code": SUPPLIER_STATUS_CODE,
        "supplier_status": supplier_status,
        "detail": "From the supplier's inventory levels",
    }
    same_place = SupplierProposal.objects.filter(
        purchase_order=po, purchase_order_item=line, kind=SupplierProposal.Kind.BACKORDER
    )
    pending = same_place.filter(status=SupplierProposal.Status.PENDING).first()
    if pending is not None:
        # One pending backorder proposal per line, whichever service made it: a stock one is kept up to date.
        if pending.supplier_status_code == SUPPLIER_STATUS_CODE:
            same_place.filter(pk=pending.pk).update(**values)
        return
    # Dismissed for this shortfall or a larger one: the rep has seen it.
    if same_place.filter(
        status=SupplierProposal.Status.DISMISSED, supplier_status_code=SUPPLIER_STATUS_CODE, quantity__gte=shortfall
    ).exists():
        return
    proposal = SupplierProposal.objects.create(
        purchase_order=po, purchase_order_item=line, kind=SupplierProposal.Kind.BACKORDER, **values
    )
    activity_record(
        project=po.project,
        subject=po,
        verb=PROPOSAL_VERB,
        by=None,
        to_value=proposal.get_kind_display(),
        detail=supplier_status,
    )
    result.proposals.append(proposal)
