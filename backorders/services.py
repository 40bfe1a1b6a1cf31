"""Flagging, resolving and cancelling backorders, and the rules that react to PO stages."""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from backorders.client_updates import client_update_propose
from backorders.models import Backorder, ClientUpdate, SupplierProposal
from core import locks
from core.errors import TransitionNotAllowed, ValidationFailed
from core.roles import Role
from core.transactions import money_write
from notifications.models import Notification
from projects.models import Note, SalesOrder, SalesOrderItem
from projects.services.common import _require_role, activity_record
from projects.services.notes import note_create
from projects.services.sales_orders import (
    BEFORE_INVOICING,
    PRODUCTION_READIES_FROM,
    _sales_order_set_status,
    sales_order_ready_automatically,
)
from purchasing.figures import purchase_order_declare_rest_ships
from purchasing.models import STAGE_ORDER, PurchaseOrder, PurchaseOrderItem
from purchasing.services import purchase_order_flag_clear, purchase_order_stage_change, purchase_order_status_change

FLAG_STATUSES = (PurchaseOrder.Status.PROBLEM, PurchaseOrder.Status.FOLLOW_UP)
READY_FOR_BILLING_OR_LATER = STAGE_ORDER[STAGE_ORDER.index(PurchaseOrder.Stage.READY_FOR_BILLING) :]


@dataclass(frozen=True)
class BackorderRequest:
    purchase_order_item: PurchaseOrderItem
    quantity: int
    expected_date: date | None
    reason: str


@dataclass
class FlagResult:
    backorders: list[Backorder] = field(default_factory=list)
    note: Note | None = None
    moved_to_ready: bool = False


def backorder_open_quantity(*, purchase_order_item: PurchaseOrderItem) -> int:
    """Sum of the open backorders already raised on one PO item."""
    return sum(purchase_order_item.backorders.filter(status=Backorder.Status.OPEN).values_list("quantity", flat=True))


def _validate_requests(*, purchase_order: PurchaseOrder, items: list[BackorderRequest]) -> None:
    if not items:
        raise ValidationFailed({"items": ["Tick at least one item that is backordered."]})
    today = timezone.localdate()
    seen: set[int] = set()
    for index, item in enumerate(items):
        prefix = f"items[{index}]"
        po_item = item.purchase_order_item
        if po_item.purchase_order_id != purchase_order.pk:
            raise ValidationFailed({f"{prefix}.purchase_order_item": [f"That item is not on {purchase_order}."]})
        if po_item.pk in seen:
            raise ValidationFailed(
                {f"{prefix}.purchase_order_item": ["Each item may be backordered only once per flag."]}
            )
        seen.add(po_item.pk)
        available = po_item.quantity - backorder_open_quantity(purchase_order_item=po_item)
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int):
            raise ValidationFailed({f"{prefix}.quantity": ["Quantity must be a whole number."]})
        if available < 1:
            raise ValidationFailed(
                {f"{prefix}.quantity": [f"All {po_item.quantity} of this item are already backordered."]}
            )
        if not 1 <= item.quantity <= available:
            raise ValidationFailed(
                {
                    f"{prefix}.quantity": [
                        f"Backordered quantity must be from 1 to {available} (the PO item's quantity "
                        "less its other open backorders)."
                    ]
                }
            )
        if item.expected_date is None:
            raise ValidationFailed({f"{prefix}.expected_date": ["Give the date the supplier expects to ship."]})
        if item.expected_date < today:
            raise ValidationFailed(
                {f"{prefix}.expected_date": [f"The expected date {date_format(item.expected_date)} is in the past."]}
            )
        if not (item.reason or "").strip():
            raise ValidationFailed({f"{prefix}.reason": ["Say why the goods are short."]})
        if len(item.reason) > 500:
            raise ValidationFailed({f"{prefix}.reason": ["The reason may hold at most 500 characters."]})


def _purchase_order_named(*, purchase_order: PurchaseOrder, **_) -> str:
    return f"Purchase order {PurchaseOrder.objects.filter(pk=purchase_order.pk).values_list('number', flat=True).get()}"


def _backorder_named(*, backorder: Backorder, **_) -> str:
    number = Backorder.objects.filter(pk=backorder.pk).values_list("purchase_order__number", flat=True).get()
    return f"The backorder on {number}"


def _proposal_named(*, proposal: SupplierProposal, **_) -> str:
    number = SupplierProposal.objects.filter(pk=proposal.pk).values_list("purchase_order__number", flat=True).get()
    return f"The supplier's proposal on {number}"


@money_write(_purchase_order_named)
def backorder_flag(
    *,
    purchase_order: PurchaseOrder,
    status: str,
    items: list[BackorderRequest],
    note: str,
    by: User,
    pin: bool = True,
    ready_to_invoice: bool = True,
) -> FlagResult:
    """Flag a backorder in one go: PO status, backorder rows, the tagged note and the SO move (rule 1)."""
    _require_role(by, Role.PRODUCTION, action="flag backorders")
    if status not in FLAG_STATUSES:
        raise ValidationFailed({"status": ["Choose Problem or Follow Up for the purchase order."]})
    # The order, the PO, then the order's items, whose backordered counters the flag raises (core.locks).
    held = locks.lock_purchase_order(purchase_order, items=True)
    po, order = held.purchase_order, held.order
    if po.stage in READY_FOR_BILLING_OR_LATER:
        # Rule 2 resolves backorders when the PO reaches Ready for Billing; one raised later would stay open.
        raise TransitionNotAllowed(
            f"Purchase order {po.number} is {po.get_stage_display()}: its goods are ready, so nothing can be "
            "backordered on it."
        )
    _validate_requests(purchase_order=po, items=items)
    move = ready_to_invoice and order.status != SalesOrder.Status.READY_TO_BE_INVOICED
    if move and order.status not in PRODUCTION_READIES_FROM:
        # The same rule as the status control: production readies an order only once it is in production.
        raise ValidationFailed(
            {
                "ready_to_invoice": [
                    f"Sales order {order.number} is {order.get_status_display()}; only an order In Production or "
                    "Shipped moves to Ready to be Invoiced. Untick the move."
                ]
            }
        )
    result = FlagResult()

    if po.status != status:
        purchase_order_status_change(purchase_order=po, status=status, by=by)
    for item in items:
        backorder = Backorder.objects.create(
            purchase_order=po,
            purchase_order_item=item.purchase_order_item,
            quantity=item.quantity,
            expected_date=item.expected_date,
            first_expected_date=item.expected_date,
            reason=item.reason.strip(),
            raised_by=by,
        )
        SalesOrderItem.objects.filter(pk=item.purchase_order_item.sales_order_item_id).update(
            backordered_quantity=F("backordered_quantity") + item.quantity
        )
        activity_record(
            project=po.project,
            subject=backorder,
            verb="flagged",
            by=by,
            to_value=f"{item.quantity} × {item.purchase_order_item.sales_order_item.description}",
            detail=backorder.reason,
        )
        result.backorders.append(backorder)
    # Flagging declares that the rest of this PO ships now: the desk records it, and what is not backordered
    # on it counts as there to invoice (the sibling POs' goods count only once they ship).
    purchase_order_declare_rest_ships(purchase_order=po)

    if (note or "").strip():
        result.note = note_create(
            project=po.project,
            body=note,
            by=by,
            pinned=pin,
            notification_kind=Notification.Kind.BACKORDER_FLAGGED,
            about=po.number,  # so the note is unpinned with the flag once the PO is settled
        )

    if move:
        if not any(item.ready_quantity > 0 for item in order.items.all()):
            raise ValidationFailed(
                {"ready_to_invoice": [f"Nothing on sales order {order.number} is ready to invoice; untick the move."]}
            )
        mentioned = result.note is not None and result.note.mentions.filter(pk=po.project.invoicing_rep_id).exists()
        order.project = po.project
        _sales_order_set_status(
            order=order,
            status=SalesOrder.Status.READY_TO_BE_INVOICED,
            by=by,
            notify_invoicing_rep=not mentioned,
            reason="backorder flagged; the rest can be invoiced now",
        )
        result.moved_to_ready = True
    # The client waits for these goods: the order rep is offered an update to send (or it leaves at once).
    client_update_propose(sales_order=order, reason=ClientUpdate.Reason.BACKORDER_FLAGGED)
    return result


def _lock_open_backorder(backorder: Backorder, verb: str, *, items: bool = False) -> locks.LockedBackorder:
    # Its order, PO (and the order's items when counters change) before the backorder itself (core.locks).
    held = locks.lock_backorder(backorder, items=items)
    if held.backorder.status != Backorder.Status.OPEN:
        raise TransitionNotAllowed(f"The backorder is {held.backorder.get_status_display()}; it cannot be {verb}.")
    return held


def _close(backorder: Backorder, *, status: str, by: User | None, reason: str = "") -> None:
    backorder.status = status
    backorder.closed_at = timezone.now()
    backorder.closed_by = by
    backorder.cancel_reason = reason
    backorder.save(update_fields=["status", "closed_at", "closed_by", "cancel_reason"])
    SalesOrderItem.objects.filter(pk=backorder.purchase_order_item.sales_order_item_id).update(
        backordered_quantity=F("backordered_quantity") - backorder.quantity
    )


def backorder_offers_ready_for_billing(*, backorder: Backorder, open_on_po: int) -> bool:
    """Tell whether resolving this open backorder may also move its PO to Ready for Billing."""
    return backorder.is_open and open_on_po == 1 and backorder.purchase_order.stage not in READY_FOR_BILLING_OR_LATER


@money_write(_backorder_named)
def backorder_resolve(*, backorder: Backorder, by: User | None, ready_for_billing: bool = False) -> Backorder:
    """Mark a backorder resolved: the goods are ready; the last one may move its PO to Ready for Billing."""
    _require_role(by, Role.PRODUCTION, action="resolve backorders")
    held = _lock_open_backorder(backorder, "resolved", items=True)
    locked, po = held.backorder, held.purchase_order
    if ready_for_billing:
        if po.stage in READY_FOR_BILLING_OR_LATER:
            raise ValidationFailed({"ready_for_billing": [f"{po.number} is already {po.get_stage_display()}."]})
        others = Backorder.objects.filter(purchase_order=po, status=Backorder.Status.OPEN).exclude(pk=locked.pk).count()
        if others:
            raise ValidationFailed(
                {
                    "ready_for_billing": [
                        f"{po.number} still has {others} other open backorder{'' if others == 1 else 's'}; "
                        "it moves to Ready for Billing once none is open."
                    ]
                }
            )
    _close(locked, status=Backorder.Status.RESOLVED, by=by)
    activity_record(
        project=locked.purchase_order.project,
        subject=locked,
        verb="resolved",
        by=by,
        from_value="Open",
        to_value="Resolved",
    )
    if ready_for_billing:
        # Through the stage service, so rule 2 and its signal apply as to any other move (it clears the flag).
        purchase_order_stage_change(purchase_order=po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=by)
    elif not Backorder.objects.filter(purchase_order=po, status=Backorder.Status.OPEN).exists():
        # Its last open backorder resolved: the PO's Problem or Follow Up is over, in the same step.
        purchase_order_flag_clear(purchase_order=po, reason=f"the last backorder on {po.number} was resolved")
    backorder.status = locked.status
    return locked


@money_write(_backorder_named)
def backorder_cancel(*, backorder: Backorder, reason: str, by: User) -> Backorder:
    """Cancel a backorder: its goods will never ship, so that quantity is no longer to invoice."""
    _require_role(by, Role.PRODUCTION, action="cancel backorders")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why the backordered goods will never ship."]})
    if len(reason) > 500:
        raise ValidationFailed({"reason": ["The reason may hold at most 500 characters."]})
    held = _lock_open_backorder(backorder, "cancelled", items=True)
    locked, order = held.backorder, held.order
    item = held.items[locked.purchase_order_item.sales_order_item_id]
    if item.remaining_quantity < locked.quantity:
        # Nothing in the request could make this pass: the order's state refuses it (409, not 400).
        raise TransitionNotAllowed(
            f"Only {item.remaining_quantity} of {item.description} remain to invoice; "
            f"the backorder's {locked.quantity} cannot be cancelled."
        )
    _close(locked, status=Backorder.Status.CANCELLED, by=by, reason=reason)
    SalesOrderItem.objects.filter(pk=item.pk).update(cancelled_quantity=F("cancelled_quantity") + locked.quantity)
    activity_record(
        project=order.project,
        subject=locked,
        verb="cancelled",
        by=by,
        from_value="Open",
        to_value="Cancelled",
        detail=reason,
    )
    # With nothing left to invoice, an order already partly invoiced is now fully invoiced.
    remaining = [i.remaining_quantity for i in order.items.all()]
    if (
        not any(remaining)
        and order.invoices.exclude(status="void").exists()
        and order.status in BEFORE_INVOICING + [SalesOrder.Status.READY_TO_BE_INVOICED]
    ):
        _sales_order_set_status(
            order=order, status=SalesOrder.Status.INVOICED, by=None, reason="the last backorder was cancelled"
        )
    backorder.status = locked.status
    return locked


def backorders_resolve_when_ready_for_billing(
    *, purchase_order: PurchaseOrder, previous_stage: str, by: User | None
) -> None:
    """Resolve a PO's open backorders and ready its SO when the PO reaches Ready for Billing (rule 2)."""
    if previous_stage in READY_FOR_BILLING_OR_LATER or purchase_order.stage not in READY_FOR_BILLING_OR_LATER:
        return
    # The caller holds the order and the PO; the items (whose counters drop) come before the backorders.
    locks.lock_sales_order_items(purchase_order.sales_order_id)
    for backorder in locks.lock_open_backorders(purchase_order):
        _close(backorder, status=Backorder.Status.RESOLVED, by=by)
        activity_record(
            project=purchase_order.project,
            subject=backorder,
            verb="resolved",
            by=None,
            from_value="Open",
            to_value="Resolved",
            detail=f"{purchase_order} reached Ready for Billing",
        )
    sales_order_ready_automatically(
        sales_order=purchase_order.sales_order, reason=f"{purchase_order} reached Ready for Billing"
    )
    # The goods are ready: the PO's Problem / Follow Up flag and its pinned backorder notes are done with.
    purchase_order_flag_clear(purchase_order=purchase_order, reason=f"{purchase_order} reached Ready for Billing")


# --- expected dates ------------------------------------------------------------------------------


@money_write(_backorder_named)
def backorder_expected_date_change(
    *, backorder: Backorder, expected_date: date | None, by: User | None, reason: str = ""
) -> Backorder:
    """Move an open backorder's expected date: the first promised date stays, and the move is counted."""
    _require_role(by, Role.PRODUCTION, action="change expected dates")
    if expected_date is None:
        raise ValidationFailed({"expected_date": ["Give the new date the supplier expects to ship."]})
    if expected_date < timezone.localdate():
        raise ValidationFailed({"expected_date": [f"The expected date {date_format(expected_date)} is in the past."]})
    held = _lock_open_backorder(backorder, "given a new expected date")
    locked = held.backorder
    previous = locked.expected_date
    if previous == expected_date:
        raise ValidationFailed(
            {"expected_date": [f"The backorder is already expected on {date_format(expected_date)}."]}
        )
    locked.expected_date = expected_date
    if locked.first_expected_date is None:
        # Raised before the first date was kept: the date it had until now was the first promise.
        locked.first_expected_date = previous or expected_date
    if previous is not None:
        locked.expected_date_changes += 1  # the row is locked, so no move is lost to a concurrent one
    locked.save(update_fields=["expected_date", "first_expected_date", "expected_date_changes"])
    activity_record(
        project=locked.purchase_order.project,
        subject=locked,
        verb="changed the expected date of",
        by=by,
        from_value=date_format(previous) if previous else "",
        to_value=date_format(expected_date),
        detail=reason,
    )
    client_update_propose(sales_order=held.order, reason=ClientUpdate.Reason.EXPECTED_DATE_MOVED)
    backorder.expected_date = locked.expected_date
    return locked


# --- supplier proposals -------------------------------------------------------------------------


def _lock_pending_proposal(proposal: SupplierProposal, *, verb: str) -> tuple[PurchaseOrder, SupplierProposal]:
    # The order, the PO, then the proposal: the order the sync takes them in too (core.locks).
    po, locked = locks.lock_supplier_proposal(proposal)
    if locked.status != SupplierProposal.Status.PENDING:
        raise TransitionNotAllowed(
            f"That proposal on {po.number} was already {locked.get_status_display().lower()}; it cannot be {verb}."
        )
    return po, locked


def _decide(proposal: SupplierProposal, *, po: PurchaseOrder, status: str, by: User, detail: str) -> None:
    proposal.status = status
    proposal.decided_at = timezone.now()
    proposal.decided_by = by
    proposal.save(update_fields=["status", "decided_at", "decided_by"])
    activity_record(
        project=po.project,
        subject=po,
        verb=f"{SupplierProposal.Status(status).label.lower()} the supplier's proposal on",
        by=by,
        to_value=proposal.get_kind_display(),
        detail=detail,
    )


def supplier_proposal_description(proposal: SupplierProposal) -> str:
    """Say what confirming a proposal does, e.g. 'Backorder 500 × 11 oz mug, expected Mar 1, 2027'."""
    if proposal.kind == SupplierProposal.Kind.BACKORDER:
        item = proposal.purchase_order_item
        what = item.sales_order_item.description if item is not None else "the goods"
        quantity = f"{proposal.quantity} × " if proposal.quantity else ""
        expected = f", expected {date_format(proposal.expected_date)}" if proposal.expected_date else ""
        return f"Backorder {quantity}{what}{expected}"
    if proposal.kind == SupplierProposal.Kind.EXPECTED_DATE:
        backorder = proposal.backorder
        before = date_format(backorder.expected_date) if backorder and backorder.expected_date else "no date"
        after = date_format(proposal.expected_date) if proposal.expected_date else "no date"
        return f"Move the backorder's expected date from {before} to {after}"
    if proposal.kind == SupplierProposal.Kind.SHIPPED:
        return f"Move {proposal.purchase_order} to {PurchaseOrder.Stage.SHIPPED.label}"
    return f"Move {proposal.purchase_order} to {PurchaseOrder.Stage.READY_FOR_BILLING.label}"


@money_write(_proposal_named)
def supplier_proposal_confirm(
    *,
    proposal: SupplierProposal,
    by: User,
    expected_date: date | None = None,
    note: str = "",
    ready_to_invoice: bool = False,
) -> SupplierProposal:
    """Do what a supplier's proposal says, through the same service a person would use by hand."""
    _require_role(by, Role.PRODUCTION, action="confirm what a supplier's status proposes")
    po, locked = _lock_pending_proposal(proposal, verb="confirmed")
    description = supplier_proposal_description(locked)
    supplier_said = f"{po.supplier} reported {locked.supplier_status}" + (f": {locked.detail}" if locked.detail else "")
    if locked.kind == SupplierProposal.Kind.BACKORDER:
        item = locked.purchase_order_item
        if item is None:
            raise ValidationFailed({"purchase_order_item": ["This proposal names no item of the PO to backorder."]})
        quantity = locked.quantity or item.quantity - backorder_open_quantity(purchase_order_item=item)
        backorder_flag(
            purchase_order=po,
            status=po.status if po.status in FLAG_STATUSES else PurchaseOrder.Status.PROBLEM,
            items=[
                BackorderRequest(
                    purchase_order_item=item,
                    quantity=quantity,
                    expected_date=expected_date or locked.expected_date,
                    reason=supplier_said[:500],
                )
            ],
            note=note,
            by=by,
            pin=True,
            ready_to_invoice=ready_to_invoice,
        )
    elif locked.kind == SupplierProposal.Kind.EXPECTED_DATE:
        if locked.backorder is None:
            raise ValidationFailed({"backorder": ["This proposal names no backorder to move."]})
        backorder_expected_date_change(
            backorder=locked.backorder, expected_date=locked.expected_date, by=by, reason=supplier_said
        )
    elif locked.kind == SupplierProposal.Kind.SHIPPED:
        # The same move as the Stage control: the goods figures and the client update follow the stage.
        purchase_order_stage_change(purchase_order=po, stage=PurchaseOrder.Stage.SHIPPED, by=by)
    else:
        # The same move as the Stage control: rule 2 resolves the PO's backorders and readies its order.
        purchase_order_stage_change(purchase_order=po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=by)
    _decide(locked, po=po, status=SupplierProposal.Status.CONFIRMED, by=by, detail=description)
    proposal.status = locked.status
    return locked


@money_write(_proposal_named)
def supplier_proposal_dismiss(*, proposal: SupplierProposal, by: User) -> SupplierProposal:
    """Set a supplier's proposal aside: nothing changes, and the same proposal is not made again."""
    _require_role(by, Role.PRODUCTION, action="dismiss what a supplier's status proposes")
    po, locked = _lock_pending_proposal(proposal, verb="dismissed")
    _decide(
        locked, po=po, status=SupplierProposal.Status.DISMISSED, by=by, detail=supplier_proposal_description(locked)
    )
    proposal.status = locked.status
    return locked
