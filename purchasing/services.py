"""Suppliers and purchase orders: every write to them, with its rules, its activity entry and its notifications."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import locks
from core.encryption import encrypt_secret
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import Role, has_role, is_manager
from core.tasks import enqueue
from core.transactions import money_write
from projects.models import Activity, Note, SalesOrder, SalesOrderItem
from projects.services.common import _next_number, _require_role, _save_checked, activity_record
from projects.services.notes import note_pin
from projects.services.sales_orders import BEFORE_SHIPPED, _sales_order_named, _sales_order_set_status
from purchasing.figures import SHIPPED_OR_LATER, sales_order_purchase_figures_refresh
from purchasing.models import STAGE_ORDER, PurchaseOrder, PurchaseOrderItem, Shipment, ShipmentLine, Supplier
from purchasing.signals import purchase_order_stage_changed

logger = logging.getLogger(__name__)

SOStatus = SalesOrder.Status
Stage = PurchaseOrder.Stage
EmailState = PurchaseOrder.EmailState


def supplier_create(*, by: User | None, order_status_password: str = "", **fields) -> Supplier:
    """Create a supplier; only Managers give it an order status service."""
    _require_role(by, Role.SALES, Role.PRODUCTION, action="create suppliers")
    supplier = Supplier(**fields)
    supplier_order_status_service_apply(
        supplier=supplier, previous=SUPPLIER_SERVICE_UNSET, password=order_status_password, by=by
    )
    _save_checked(supplier)
    return supplier


def supplier_update(*, supplier: Supplier, by: User | None, order_status_password: str = "", **fields) -> Supplier:
    """Change a supplier's details; a blank order status password keeps the stored one, for the same service."""
    _require_role(by, Role.SALES, Role.PRODUCTION, action="change suppliers")
    previous = {name: getattr(supplier, name) for name in (*SUPPLIER_SERVICE_FIELDS, *SUPPLIER_SERVICE_SWITCHES)}
    for name, value in fields.items():
        setattr(supplier, name, value)
    supplier_order_status_service_apply(supplier=supplier, previous=previous, password=order_status_password, by=by)
    _save_checked(supplier)
    return supplier


# A supplier's order status service: what identifies it, with the words a refusal names it by.
SUPPLIER_SERVICE_FIELDS = {
    "order_status_url": "order status service URL",
    "order_status_username": "order status user id",
    # The shipment notification service is sent the same account and password.
    "shipment_url": "shipment notification service URL",
    "inventory_url": "inventory service URL",
}
# Each service's switch, with the words a refusal names it by.
SUPPLIER_SERVICE_SWITCHES = {
    "shipment_enabled": "shipment notification switch",
    "inventory_enabled": "inventory service switch",
}


SUPPLIER_SERVICE_UNSET: dict[str, object] = {
    **dict.fromkeys(SUPPLIER_SERVICE_FIELDS, ""),
    **dict.fromkeys(SUPPLIER_SERVICE_SWITCHES, False),
}


def supplier_order_status_service_apply(
    *, supplier: Supplier, previous: dict[str, object], password: str, by: User | None
) -> None:
    """Apply a change of a supplier's order status service to the unsaved supplier: Managers only; a new
    URL or user id drops the stored password, which is sent only where it was entered for."""
    changed = [label for name, label in SUPPLIER_SERVICE_FIELDS.items() if getattr(supplier, name) != previous[name]]
    if password:
        changed.append("order status password")
    for name, label in SUPPLIER_SERVICE_SWITCHES.items():
        if getattr(supplier, name) != previous.get(name, getattr(supplier, name)):
            changed.append(label)
    # The service receives the stored password on every call: whoever points it elsewhere could read it.
    if changed and by is not None and not is_manager(by):
        raise RoleRequired(f"Only Managers may set or change the {changed[0]}.")
    if any(getattr(supplier, name) != previous[name] for name in SUPPLIER_SERVICE_FIELDS):
        supplier.order_status_password_encrypted = ""
        # The last check was of the service as it was.
        supplier.order_status_checked_at = None
        supplier.order_status_error = ""
        supplier.order_status_error_at = None
        supplier.shipment_checked_at = None
        supplier.shipment_error = ""
        supplier.shipment_error_at = None
        supplier.inventory_checked_at = None
        supplier.inventory_error = ""
        supplier.inventory_error_at = None
    # Only ever stored encrypted; the clear text lives no longer than this request.
    if password:
        supplier.order_status_password_encrypted = encrypt_secret(password)


def supplier_order_status_checked(*, supplier: Supplier, error: str = "") -> None:
    """Record the outcome of asking a supplier's order status service: its time, or the error and its time."""
    now = timezone.now()
    # An update of these columns alone, so a person saving the supplier's form meanwhile loses nothing.
    if error:
        changes = {"order_status_error": error[:500], "order_status_error_at": now}
    else:
        changes = {"order_status_checked_at": now, "order_status_error": "", "order_status_error_at": None}
    Supplier.objects.filter(pk=supplier.pk).update(**changes)
    for name, value in changes.items():
        setattr(supplier, name, value)


def supplier_shipments_checked(*, supplier: Supplier, error: str = "") -> None:
    """Record the outcome of asking a supplier's shipment notification service: its time, or the error and its time."""
    now = timezone.now()
    if error:
        changes = {"shipment_error": error[:500], "shipment_error_at": now}
    else:
        changes = {"shipment_checked_at": now, "shipment_error": "", "shipment_error_at": None}
    Supplier.objects.filter(pk=supplier.pk).update(**changes)
    for name, value in changes.items():
        setattr(supplier, name, value)


def supplier_inventory_checked(*, supplier: Supplier, error: str = "") -> None:
    """Record the outcome of asking a supplier's inventory service: its time, or the error and its time."""
    now = timezone.now()
    if error:
        changes = {"inventory_error": error[:500], "inventory_error_at": now}
    else:
        changes = {"inventory_checked_at": now, "inventory_error": "", "inventory_error_at": None}
    Supplier.objects.filter(pk=supplier.pk).update(**changes)
    for name, value in changes.items():
        setattr(supplier, name, value)


@dataclass(frozen=True)
class ShipmentLineRequest:
    purchase_order_item: PurchaseOrderItem
    quantity: int


def purchase_order_shipment_record(
    *,
    purchase_order: PurchaseOrder,
    tracking_number: str,
    carrier: str,
    ship_date: date | None,
    lines: list[ShipmentLineRequest],
    source: str = Shipment.Source.SUPPLIER_SERVICE,
) -> Shipment | None:
    """Record a shipment of a PO once per tracking number; None when it was recorded already.

    The caller holds the PO's lock (the shipment sync takes it with its sales order's). A recorded shipment
    moves no stage and no figure: what it proposes waits for a person on the PO page.
    """
    if Shipment.objects.filter(purchase_order=purchase_order, tracking_number=tracking_number).exists():
        return None
    shipment = Shipment.objects.create(
        purchase_order=purchase_order,
        tracking_number=tracking_number,
        carrier=carrier,
        ship_date=ship_date,
        source=source,
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, purchase_order_item=line.purchase_order_item, quantity=line.quantity)
        for line in lines
    )
    activity_record(
        project=purchase_order.project,
        subject=purchase_order,
        verb="recorded a shipment of",
        by=None,
        to_value=f"{carrier} {tracking_number}".strip()[:100],
        detail=", ".join(
            f"{line.quantity} × {line.purchase_order_item.sales_order_item.description}" for line in lines
        )[:500],
    )
    return shipment


def _purchase_order_named(*, purchase_order: PurchaseOrder, **_) -> str:
    return f"Purchase order {PurchaseOrder.objects.filter(pk=purchase_order.pk).values_list('number', flat=True).get()}"


@dataclass(frozen=True)
class PurchaseItemRequest:
    sales_order_item: SalesOrderItem
    quantity: int


@money_write(_sales_order_named)
def purchase_order_create(
    *,
    sales_order: SalesOrder,
    supplier: Supplier,
    items: list[PurchaseItemRequest],
    by: User | None,
    production_rep: User | None = None,
    expected_date: date | None = None,
    ship_to: str = "",
    number: str = "",
) -> PurchaseOrder:
    """Write a purchase order to a supplier for items of one sales order."""
    _require_role(by, Role.SALES, Role.PRODUCTION, action="create purchase orders")
    if not items:
        raise ValidationFailed({"items": ["A purchase order needs at least one item."]})
    seen: set[int] = set()
    for index, item in enumerate(items):
        if item.sales_order_item.sales_order_id != sales_order.pk:
            raise ValidationFailed(
                {f"items[{index}].sales_order_item": [f"Item {item.sales_order_item.pk} is not on {sales_order}."]}
            )
        if item.sales_order_item.pk in seen:
            raise ValidationFailed({f"items[{index}].sales_order_item": ["Each item may appear only once."]})
        seen.add(item.sales_order_item.pk)
        if not isinstance(item.quantity, int) or not 1 <= item.quantity <= item.sales_order_item.quantity:
            raise ValidationFailed(
                {f"items[{index}].quantity": [f"Quantity must be from 1 to {item.sales_order_item.quantity}."]}
            )
    # The order first (core/locks.py's order): its items' purchased quantities change below.
    locks.lock_sales_order(sales_order)
    project = sales_order.project
    order = PurchaseOrder.objects.create(
        number=number or _next_number(PurchaseOrder, "PO-"),
        project=project,
        sales_order=sales_order,
        supplier=supplier,
        production_rep=production_rep or project.production_rep,
        expected_date=expected_date,
        ship_to=ship_to,
    )
    PurchaseOrderItem.objects.bulk_create(
        PurchaseOrderItem(purchase_order=order, sales_order_item=item.sales_order_item, quantity=item.quantity)
        for item in items
    )
    sales_order_purchase_figures_refresh(sales_order_id=sales_order.pk)
    activity_record(project=project, subject=order, verb="created", by=by, to_value=order.get_stage_display())
    return order


@dataclass
class PurchaseOrderDraft:
    """One purchase order that "Create purchase orders" would write: a supplier and its items."""

    supplier: Supplier
    items: list[SalesOrderItem]


@dataclass
class PurchaseOrderPlan:
    drafts: list[PurchaseOrderDraft]
    # Items left out, and why: already on a purchase order, or no supplier chosen.
    covered: list[SalesOrderItem]
    without_supplier: list[SalesOrderItem]


def purchase_orders_plan(*, sales_order: SalesOrder) -> PurchaseOrderPlan:
    """Group the items no purchase order covers yet by their supplier, one draft PO per supplier."""
    covered_ids = set(
        PurchaseOrderItem.objects.filter(sales_order_item__sales_order=sales_order).values_list(
            "sales_order_item_id", flat=True
        )
    )
    drafts: dict[int, PurchaseOrderDraft] = {}
    plan = PurchaseOrderPlan(drafts=[], covered=[], without_supplier=[])
    for item in sales_order.items.select_related("supplier").order_by("position", "id"):
        if item.pk in covered_ids:
            plan.covered.append(item)
        elif item.supplier is None:
            plan.without_supplier.append(item)
        else:
            drafts.setdefault(item.supplier.pk, PurchaseOrderDraft(supplier=item.supplier, items=[])).items.append(item)
    plan.drafts = sorted(drafts.values(), key=lambda draft: draft.supplier.name.lower())
    return plan


@money_write(_sales_order_named)
def purchase_orders_create_for_sales_order(
    *, sales_order: SalesOrder, by: User, expected_dates: dict[int, date | None] | None = None
) -> list[PurchaseOrder]:
    """Write one PO per supplier for the items no PO covers yet, all or none; running it again adds nothing twice."""
    _require_role(by, Role.SALES, action="create purchase orders")
    # The order's row lock makes a second click wait, then find every item covered.
    order = locks.lock_sales_order(sales_order).order
    if order.status in (SOStatus.INVOICED, SOStatus.CLOSED):
        raise TransitionNotAllowed(f"Sales order {order.number} is {order.get_status_display()}; it needs no more POs.")
    plan = purchase_orders_plan(sales_order=order)
    if not plan.drafts:
        raise TransitionNotAllowed(
            f"Sales order {order.number} has no item left to order: every item with a supplier is on a purchase order."
        )
    expected_dates = expected_dates or {}
    ship_to = order.ship_to or order.project.client.billing_address
    created = []
    for draft in plan.drafts:
        purchase_order = purchase_order_create(
            sales_order=order,
            supplier=draft.supplier,
            items=[PurchaseItemRequest(sales_order_item=item, quantity=item.quantity) for item in draft.items],
            by=by,
            expected_date=expected_dates.get(draft.supplier.pk) or order.in_hands_date,
            ship_to=ship_to,
        )
        created.append(purchase_order)
    return created


def purchase_order_allowed_stages(*, purchase_order: PurchaseOrder, user: User) -> list[str]:
    """Return the stages this user may move the PO to now."""
    return [stage for stage in STAGE_ORDER if _stage_move_allowed(purchase_order.stage, stage, user)]


def _stage_move_allowed(current: str, target: str, user: User | None) -> bool:
    """People move a PO forward, skipping stages if they need to; only managers move it back."""
    if target == current:
        return False
    if STAGE_ORDER.index(Stage(target)) > STAGE_ORDER.index(Stage(current)):
        return user is None or has_role(user, Role.PRODUCTION)
    return user is not None and is_manager(user)


@money_write(_purchase_order_named)
def purchase_order_stage_change(*, purchase_order: PurchaseOrder, stage: str, by: User | None) -> PurchaseOrder:
    """Move a PO to another stage and let the workflow react (rules 2 and 3)."""
    if stage not in Stage.values:
        raise ValidationFailed({"stage": [f"Unknown stage {stage!r}; choose one of {', '.join(Stage.values)}."]})
    # Its sales order first (rules 2 and 3 move it), then the PO (core.locks).
    order = locks.lock_purchase_order(purchase_order).purchase_order
    if not _stage_move_allowed(order.stage, stage, by):
        if has_role(by, Role.PRODUCTION) or stage == order.stage:
            raise TransitionNotAllowed(
                f"Purchase order {order.number} is {order.get_stage_display()}; it cannot move to {Stage(stage).label}."
            )
        raise RoleRequired("Only Production or Managers may move purchase-order stages.")
    previous = order.stage
    order.stage = stage
    order.save(update_fields=["stage", "updated_at"])
    # Shipped or later (or back from it) changes what of the order is there to invoice.
    sales_order_purchase_figures_refresh(sales_order_id=order.sales_order_id)
    activity_record(
        project=order.project,
        subject=order,
        verb="moved stage of",
        by=by,
        from_value=Stage(previous).label,
        to_value=Stage(stage).label,
    )
    _sales_order_ship_when_all_shipped(sales_order_id=order.sales_order_id)
    purchase_order_stage_changed.send(sender=PurchaseOrder, purchase_order=order, previous=previous, by=by)
    purchase_order.stage = order.stage
    return order


@dataclass(frozen=True)
class StageMoveResult:
    """What became of one PO of a move of several: moved from `previous`, or refused with `refusal`."""

    purchase_order: PurchaseOrder
    previous: str
    refusal: str = ""

    @property
    def moved(self) -> bool:
        return not self.refusal


def purchase_orders_stage_change(
    *, purchase_orders: list[PurchaseOrder], stage: str, by: User | None
) -> list[StageMoveResult]:
    """Move several POs to one stage, one at a time; a PO whose move is refused stays, and the others move.

    Each move is purchase_order_stage_change in its own transaction, taken in the lock order (sales order,
    then its POs, by id), so a refusal for one PO (a backward move by someone who is not a manager, a PO
    already there) takes nothing back from the others, and a rep reads what happened PO by PO.
    """
    if stage not in Stage.values:
        raise ValidationFailed({"stage": [f"Unknown stage {stage!r}; choose one of {', '.join(Stage.values)}."]})
    _require_role(by, Role.PRODUCTION, action="move purchase-order stages")
    results = []
    for po in sorted(purchase_orders, key=lambda po: (po.sales_order_id, po.pk)):
        previous = po.stage
        try:
            purchase_order_stage_change(purchase_order=po, stage=stage, by=by)
        except (TransitionNotAllowed, ValidationFailed, RoleRequired) as refusal:
            results.append(StageMoveResult(purchase_order=po, previous=previous, refusal=str(refusal)))
        else:
            results.append(StageMoveResult(purchase_order=po, previous=previous))
    return results


def _sales_order_ship_when_all_shipped(*, sales_order_id: int) -> None:
    """Move the SO to Shipped once every one of its POs has shipped (rule 3)."""
    order = locks.lock_sales_order(sales_order_id).order  # held already by the stage change
    if order.status not in BEFORE_SHIPPED:
        return
    stages = list(order.purchase_orders.values_list("stage", flat=True))
    if stages and all(stage in SHIPPED_OR_LATER for stage in stages):
        _sales_order_set_status(order=order, status=SOStatus.SHIPPED, by=None, reason="every purchase order shipped")


@money_write(_purchase_order_named)
def purchase_order_status_change(
    *, purchase_order: PurchaseOrder, status: str, by: User | None, reason: str = ""
) -> PurchaseOrder:
    """Set or clear the Problem / Follow Up flag of a PO."""
    if status not in PurchaseOrder.Status.values:
        raise ValidationFailed(
            {"status": [f"Unknown status {status!r}; choose one of {', '.join(PurchaseOrder.Status.values)}."]}
        )
    _require_role(by, Role.PRODUCTION, action="set purchase-order statuses")
    order = locks.lock_purchase_order(purchase_order).purchase_order
    if order.status == status:
        raise TransitionNotAllowed(f"Purchase order {order.number} is already {order.get_status_display()}.")
    previous = order.status
    order.status = status
    order.save(update_fields=["status", "updated_at"])
    activity_record(
        project=order.project,
        subject=order,
        verb="set status of",
        by=by,
        from_value=PurchaseOrder.Status(previous).label,
        to_value=PurchaseOrder.Status(status).label,
        detail=reason,
    )
    purchase_order.status = order.status
    return order


def purchase_order_flag_notes(*, purchase_order: PurchaseOrder):
    """Return the notes written by flagging backorders on this PO, which name it on their activity row."""
    written = Activity.objects.filter(
        project_id=purchase_order.project_id,
        subject_type=ContentType.objects.get_for_model(Note),
        verb="wrote",
        to_value=purchase_order.number,
    )
    return Note.objects.filter(pk__in=written.values("subject_id"))


@money_write(_purchase_order_named)
def purchase_order_flag_clear(*, purchase_order: PurchaseOrder, reason: str) -> None:
    """Clear a settled PO's Problem / Follow Up status and unpin its backorder notes, as the desk itself."""
    order = locks.lock_purchase_order(purchase_order).purchase_order
    if order.status != PurchaseOrder.Status.NONE:
        purchase_order_status_change(purchase_order=order, status=PurchaseOrder.Status.NONE, by=None, reason=reason)
        purchase_order.status = order.status
    for note in purchase_order_flag_notes(purchase_order=order).filter(pinned=True).order_by("pk"):
        note_pin(note=note, pinned=False, by=None, reason=reason)


def purchase_orders_clear_when_invoiced(*, sales_order: SalesOrder) -> None:
    """Clear the flag of every PO of the order that has nothing left to invoice (rule 5 settles them too)."""
    remaining = {item.pk: item.remaining_quantity for item in sales_order.items.all()}
    for order in sales_order.purchase_orders.prefetch_related("items").order_by("pk"):
        items = list(order.items.all())
        if items and not any(remaining.get(item.sales_order_item_id, 0) for item in items):
            purchase_order_flag_clear(purchase_order=order, reason=f"every item of {order.number} is invoiced")


@money_write(_purchase_order_named)
def purchase_order_email_request(*, purchase_order: PurchaseOrder, by: User) -> PurchaseOrder:
    """Ask for a PO to be emailed, with its PDF, to the supplier; a Created PO becomes Submitted."""
    _require_role(by, Role.SALES, Role.PRODUCTION, action="email purchase orders")
    # Two clicks at once must queue one email: the second waits for the lock, then finds it pending.
    # The sales order is locked first, as the Submitted move it may make needs it (core.locks).
    order = locks.lock_purchase_order(purchase_order).purchase_order
    if order.email_state == EmailState.PENDING:
        raise TransitionNotAllowed(
            f"Purchase order {order.number} is already waiting to be emailed to {order.email_to}."
        )
    if order.email_state == EmailState.SENDING:
        raise TransitionNotAllowed(f"Purchase order {order.number} is being emailed to {order.email_to} right now.")
    supplier = order.supplier
    if not supplier.email:
        raise ValidationFailed(
            {"email": [f"Supplier {supplier.name} has no email address; add one on the supplier page."]}
        )
    order.email_state = EmailState.PENDING
    order.email_requested_at = timezone.now()
    order.email_to = supplier.email
    # A claim left from an earlier send would hold this new email back from the requeue sweep.
    order.email_claimed_at = None
    order.save(update_fields=["email_state", "email_requested_at", "email_claimed_at", "email_to", "updated_at"])
    activity_record(
        project=order.project, subject=order, verb="asked to email to the supplier", by=by, detail=supplier.email
    )
    if order.stage == Stage.CREATED:
        # Submitted means sent to the supplier: the email is what sends it, so the move is automatic.
        purchase_order_stage_change(purchase_order=order, stage=Stage.SUBMITTED, by=None)
    transaction.on_commit(lambda: _enqueue_purchase_order_email(purchase_order_id=order.pk))
    for field in ("stage", "email_state", "email_requested_at", "email_to"):
        setattr(purchase_order, field, getattr(order, field))
    return order


def _enqueue_purchase_order_email(*, purchase_order_id: int) -> None:
    """Queue the email of a PO; if the broker is unreachable it stays pending for the requeue task."""
    try:
        enqueue("purchasing.tasks.purchase_order_email_task", args=(purchase_order_id,), retry=False)
    except Exception:  # noqa: BLE001 - the request stands; its email must wait, not fail it
        logger.warning(
            "Could not queue the email of purchase order %s; it stays pending.", purchase_order_id, exc_info=True
        )


def purchase_order_email_claim(*, purchase_order_id: int, claim_ttl_seconds: int) -> bool:
    """Claim a pending PO email for sending; False when another worker has it or it went out."""
    now = timezone.now()
    claimable = Q(email_state=EmailState.PENDING) | Q(
        email_state=EmailState.SENDING, email_claimed_at__lt=now - timedelta(seconds=claim_ttl_seconds)
    )
    claimed = PurchaseOrder.objects.filter(claimable, pk=purchase_order_id).update(
        email_state=EmailState.SENDING, email_claimed_at=now
    )
    return bool(claimed)


@transaction.atomic
def purchase_order_email_release(*, purchase_order_id: int, sent: bool) -> None:
    """Record the outcome of a claimed PO email: sent (and logged), or pending again to be retried."""
    claimed = PurchaseOrder.objects.filter(pk=purchase_order_id, email_state=EmailState.SENDING)
    if not sent:
        claimed.update(email_state=EmailState.PENDING)
        return
    if not claimed.update(email_state=EmailState.SENT, email_sent_at=timezone.now()):
        return
    order = PurchaseOrder.objects.select_related("project").get(pk=purchase_order_id)
    activity_record(
        project=order.project, subject=order, verb="emailed to the supplier", by=None, detail=order.email_to
    )


@money_write(_sales_order_named)
def purchase_orders_email_all(*, sales_order: SalesOrder, by: User) -> list[PurchaseOrder]:
    """Email every PO of the order not yet asked for, each to its supplier's address, in number order.

    All or none: a supplier without an email address refuses the whole step, naming it, so the rep adds the
    address and clicks once more.
    """
    _require_role(by, Role.SALES, Role.PRODUCTION, action="email purchase orders")
    locks.lock_sales_order(sales_order)
    waiting = list(
        PurchaseOrder.objects.filter(sales_order=sales_order, email_state=EmailState.NOT_REQUESTED)
        .select_related("supplier")
        .order_by("number")
    )
    if not waiting:
        raise TransitionNotAllowed(f"Every purchase order of {sales_order.number} is emailed or on its way.")
    missing = [po.supplier.name for po in waiting if not po.supplier.email]
    if missing:
        have = "has" if len(missing) == 1 else "have"
        message = f"{', '.join(missing)} {have} no email address; add one on the supplier page first."
        raise ValidationFailed({"email": [message]})
    return [purchase_order_email_request(purchase_order=po, by=by) for po in waiting]
