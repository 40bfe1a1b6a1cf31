"""Supplier order status sync: ask a supplier's Order Status Service about our open POs, and propose.

The desk never decides here. What the supplier says is written to each PO's activity when it
changed, and turned into proposals that a production rep confirms or dismisses on the PO page:

- status 44 (Back Order Hold): a "backorder" proposal for each product item of the PO that has no
  open backorder yet, for the item's quantity, expected on the supplier's ship date if it gave one;
- a ship date later than an open backorder's expected date: an "expected_date" proposal for it
  (one per PO item at a time: the earliest such backorder first);
- statuses 75 or 80 (partial or complete shipment) on every factory order of the PO: "goods_ready".

A proposal already pending is brought up to date rather than repeated; one that was dismissed is
not made again for the same supplier status and date.

Open POs are those the supplier has (stage Submitted, Confirmed or Shipped) whose sales order is
not Invoiced or Closed: a Created PO was never sent, and from Ready for Billing on the goods are ready.

All or nothing: every PO is asked first, and only when every answer was good are they applied, in
one transaction. A supplier that is down, slow or answers garbage leaves every PO, backorder and
proposal as it was; the kind of error and its time go on the supplier's page (projects/promostandards/
failures.py: a short category, which every role may read), the detail goes to the log, and the next
good sync clears it.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from backorders.models import Backorder, SupplierProposal
from core import locks
from core.transactions import money_write
from projects.models import Activity, SalesOrder, SalesOrderItem
from projects.services.common import activity_record
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier
from purchasing.promostandards.client import (
    OrderStatusClient,
    OrderStatusServiceError,
    PurchaseOrderReport,
    service_password,
)
from purchasing.promostandards.statuses import BACK_ORDER_HOLD, SHIPPED, status_label
from purchasing.services import supplier_order_status_checked

logger = logging.getLogger(__name__)

# The stages a supplier knows a PO in and still has something to tell about it.
SYNCED_STAGES = (PurchaseOrder.Stage.SUBMITTED, PurchaseOrder.Stage.CONFIRMED, PurchaseOrder.Stage.SHIPPED)
SETTLED_ORDER_STATUSES = (SalesOrder.Status.INVOICED, SalesOrder.Status.CLOSED)
STATUS_VERB = "got the supplier's status of"
PROPOSAL_VERB = "received the supplier's proposal for"

Kind = SupplierProposal.Kind


@dataclass
class SyncResult:
    """What one sync of one supplier did."""

    supplier: Supplier
    asked: list[str] = field(default_factory=list)  # PO numbers
    unknown: list[str] = field(default_factory=list)  # PO numbers the supplier does not know (301)
    status_changed: list[str] = field(default_factory=list)
    proposals: list[SupplierProposal] = field(default_factory=list)
    error: str = ""

    def __str__(self) -> str:
        if self.error:
            return f"{self.supplier}: {self.error}"
        return (
            f"{self.supplier}: asked about {len(self.asked)} PO(s), {len(self.status_changed)} status change(s), "
            f"{len(self.proposals)} new proposal(s), {len(self.unknown)} unknown to the supplier"
        )


def purchase_orders_to_sync(*, supplier: Supplier) -> QuerySet[PurchaseOrder]:
    """Return the supplier's open POs: sent to it, goods not yet ready, sales order not settled."""
    return (
        PurchaseOrder.objects.filter(supplier=supplier, stage__in=SYNCED_STAGES)
        .exclude(sales_order__status__in=SETTLED_ORDER_STATUSES)
        .order_by("number")
    )


def supplier_order_status_sync(*, supplier: Supplier) -> SyncResult:
    """Ask one supplier about its open POs, and apply the answers only if every one of them was good."""
    result = SyncResult(supplier=supplier)
    if not supplier.order_status_url:
        return result
    orders = list(purchase_orders_to_sync(supplier=supplier))
    try:
        password = service_password(supplier.order_status_password_encrypted)
    except OrderStatusServiceError as error:
        return _failed(result, error)
    client = OrderStatusClient(
        url=supplier.order_status_url,
        username=supplier.order_status_username,
        password=password,
        timeout=settings.SUPPLIER_ORDER_STATUS_TIMEOUT_SECONDS,
    )
    reports: dict[int, PurchaseOrderReport | None] = {}
    try:
        if not orders:
            client.status_types()  # nothing to ask about: still learn whether the service answers
        for order in orders:
            reports[order.pk] = client.purchase_order_status(number=order.number)
            result.asked.append(order.number)
    except OrderStatusServiceError as error:
        return _failed(result, error)
    _apply(result=result, orders=orders, reports=reports)
    logger.info("Order status sync: %s", result)
    return result


def _failed(result: SyncResult, error: OrderStatusServiceError) -> SyncResult:
    result.error = error.category
    supplier_order_status_checked(supplier=result.supplier, error=error.category)
    logger.warning("Order status sync of %s failed: %s Detail: %s", result.supplier, error.category, error.detail)
    return result


def _supplier_named(*, result: SyncResult, **_) -> str:
    return f"A purchase order of {result.supplier}"


@money_write(_supplier_named)
def _apply(*, result: SyncResult, orders: list[PurchaseOrder], reports: dict[int, PurchaseOrderReport | None]) -> None:
    # One sync of a supplier at a time applies; a second one waits here and then finds the first's rows.
    locks.lock_supplier(result.supplier)
    # Then every sales order and PO it may write to, by id, before any proposal (core.locks' order).
    reported = [order for order in orders if reports.get(order.pk) is not None]
    locked = {
        po.pk: po
        for po in locks.lock_purchase_orders_of_orders(
            sales_order_ids=[order.sales_order_id for order in reported],
            queryset=PurchaseOrder.objects.filter(
                pk__in=[order.pk for order in reported], stage__in=SYNCED_STAGES
            ).select_related("project", "supplier"),
        )
    }
    today = timezone.localdate()
    for order in orders:
        report = reports.get(order.pk)
        if report is None:
            result.unknown.append(order.number)
            continue
        po = locked.get(order.pk)
        if po is None:
            continue  # moved on (or back) while the supplier was being asked: nothing to propose now
        _record_status(result, po, report)
        _propose_from(result, po, report, today=today)
    supplier_order_status_checked(supplier=result.supplier)


def _summary(report: PurchaseOrderReport) -> str:
    labels = []
    for detail in report.details:
        label = status_label(detail.status_id, detail.status_name)
        if label not in labels:
            labels.append(label)
    return "; ".join(labels)[:100]


def _ship_date(report: PurchaseOrderReport) -> date | None:
    dates = [detail.expected_ship_date for detail in report.details if detail.expected_ship_date]
    return max(dates) if dates else None


def _explanation(report: PurchaseOrderReport) -> str:
    seen: list[str] = []
    for detail in report.details:
        if detail.explanation and detail.explanation not in seen:
            seen.append(detail.explanation)
    return "; ".join(seen)


def supplier_status_latest(*, purchase_order: PurchaseOrder) -> Activity | None:
    """Return the activity row of the supplier's last reported status of a PO, if it reported one."""
    return (
        Activity.objects.filter(
            subject_type=ContentType.objects.get_for_model(PurchaseOrder),
            subject_id=purchase_order.pk,
            verb=STATUS_VERB,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def _record_status(result: SyncResult, po: PurchaseOrder, report: PurchaseOrderReport) -> None:
    summary = _summary(report)
    latest = supplier_status_latest(purchase_order=po)
    last = latest.to_value if latest is not None else None
    if last == summary:
        return
    ship_date = _ship_date(report)
    detail = "; ".join(
        part
        for part in (
            f"expected to ship {date_format(ship_date)}" if ship_date else "",
            _explanation(report),
            "factory orders " + ", ".join(d.factory_order_number for d in report.details if d.factory_order_number)
            if len(report.details) > 1
            else "",
        )
        if part
    )
    activity_record(
        project=po.project,
        subject=po,
        verb=STATUS_VERB,
        by=None,
        from_value=last or "",
        to_value=summary,
        detail=detail,
    )
    result.status_changed.append(po.number)


def _propose_from(result: SyncResult, po: PurchaseOrder, report: PurchaseOrderReport, *, today: date) -> None:
    statuses = {detail.status_id for detail in report.details}
    ship_date = _ship_date(report)
    # A ship date already past is no date to confirm: the rep types one when confirming instead.
    usable_date = ship_date if ship_date and ship_date >= today else None
    code = ",".join(str(status) for status in sorted(statuses))
    supplier_status = _summary(report)
    explanation = _explanation(report)[:500]
    items = list(PurchaseOrderItem.objects.filter(purchase_order=po).select_related("sales_order_item").order_by("id"))
    open_backorders = list(
        Backorder.objects.filter(purchase_order=po, status=Backorder.Status.OPEN).order_by("expected_date", "id")
    )
    with_open = {backorder.purchase_order_item_id for backorder in open_backorders}

    if BACK_ORDER_HOLD in statuses:
        for item in items:
            # Services (setup, shipping) are not goods a supplier holds back; items already
            # backordered are the rep's own call already.
            if item.sales_order_item.kind != SalesOrderItem.Kind.PRODUCT or item.pk in with_open:
                continue
            _propose(
                result,
                po,
                kind=Kind.BACKORDER,
                item=item,
                quantity=item.quantity,
                expected_date=usable_date,
                code=code,
                supplier_status=supplier_status,
                detail=explanation,
            )

    if usable_date is not None:
        proposed_items: set[int] = set()
        for backorder in open_backorders:
            later = backorder.expected_date is None or usable_date > backorder.expected_date
            if not later or backorder.purchase_order_item_id in proposed_items:
                continue
            proposed_items.add(backorder.purchase_order_item_id)
            item = next(item for item in items if item.pk == backorder.purchase_order_item_id)
            _propose(
                result,
                po,
                kind=Kind.EXPECTED_DATE,
                item=item,
                backorder=backorder,
                quantity=backorder.quantity,
                expected_date=usable_date,
                code=code,
                supplier_status=supplier_status,
                detail=explanation,
            )

    if statuses and statuses <= set(SHIPPED):
        _propose(result, po, kind=Kind.GOODS_READY, code=code, supplier_status=supplier_status, detail=explanation)


def _propose(
    result: SyncResult,
    po: PurchaseOrder,
    *,
    kind: str,
    code: str,
    supplier_status: str,
    detail: str,
    item: PurchaseOrderItem | None = None,
    backorder: Backorder | None = None,
    quantity: int | None = None,
    expected_date: date | None = None,
) -> None:
    values = {
        "backorder": backorder,
        "quantity": quantity,
        "expected_date": expected_date,
        "supplier_status_code": code[:10],
        "supplier_status": supplier_status[:200],
        "detail": detail[:500],
    }
    same_place = SupplierProposal.objects.filter(purchase_order=po, purchase_order_item=item, kind=kind)
    # Still waiting: bring it up to date with what the supplier says now (only while it waits).
    pending = same_place.filter(status=SupplierProposal.Status.PENDING)
    if pending.exists():
        pending.update(**values)
        return
    # Dismissed once for this status and date: the rep has seen it; saying it again would be noise.
    if same_place.filter(
        status=SupplierProposal.Status.DISMISSED,
        backorder=backorder,
        supplier_status_code=values["supplier_status_code"],
        expected_date=expected_date,
    ).exists():
        return
    proposal = SupplierProposal.objects.create(purchase_order=po, purchase_order_item=item, kind=kind, **values)
    activity_record(
        project=po.project,
        subject=po,
        verb=PROPOSAL_VERB,
        by=None,
        to_value=proposal.get_kind_display(),
        detail=f"{supplier_status}" + (f": {detail}" if detail else ""),
    )
    result.proposals.append(proposal)
