"""Every write on clients, projects, sales orders, purchase orders and notes."""

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Length, Lower
from django.urls import reverse
from django.utils import timezone

from config.logging import touch as log_touch
from core import locks
from core.encryption import encrypt_secret
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.money import CENT, line_amount, line_tax
from core.roles import Role, has_role, is_manager, roles_phrase
from core.transactions import money_write
from notifications.models import Notification
from notifications.services import notify
from projects.models import MAX_QUANTITY, SALES_ORDER_FLOW, Activity, Client, Note, Project, SalesOrder, SalesOrderItem
from purchasing.models import STAGE_ORDER, PurchaseOrder, PurchaseOrderItem, Supplier
from purchasing.signals import purchase_order_stage_changed

logger = logging.getLogger(__name__)

SOStatus = SalesOrder.Status
# The largest amount a money column (14 digits, 2 places) holds.
MAX_ORDER_TOTAL = Decimal("999999999999.99")
Stage = PurchaseOrder.Stage

# Statuses a sales rep may move an order between, in workflow order.
BEFORE_INVOICING = SALES_ORDER_FLOW[: SALES_ORDER_FLOW.index(SOStatus.READY_TO_BE_INVOICED)]
BEFORE_SHIPPED = SALES_ORDER_FLOW[: SALES_ORDER_FLOW.index(SOStatus.SHIPPED)]
# The statuses production may move an order from to Ready to be Invoiced, by hand or with a flag.
PRODUCTION_READIES_FROM = (SOStatus.IN_PRODUCTION, SOStatus.SHIPPED)
SHIPPED_OR_LATER = STAGE_ORDER[STAGE_ORDER.index(Stage.SHIPPED) :]


# --- activity ----------------------------------------------------------------------------------


def activity_record(
    *,
    project: Project,
    subject,
    verb: str,
    by: User | None,
    from_value: str = "",
    to_value: str = "",
    detail: str = "",
) -> Activity:
    """Write one row of the activity log; `by=None` means the system did it."""
    log_touch(str(subject))
    return Activity.objects.create(
        project=project,
        actor=by,
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=subject.pk,
        subject_label=str(subject)[:100],
        verb=verb,
        from_value=str(from_value),
        to_value=str(to_value),
        detail=detail[:2000],
    )


def _require_role(by: User | None, *roles: str, action: str) -> None:
    if by is not None and not has_role(by, *roles):
        raise RoleRequired(f"Only {roles_phrase(*roles)} may {action}.")


def _highest_number(model, prefix: str) -> int:
    """Return the highest number in use with this prefix, 0 when none (rows written before the sequence)."""
    # Longest first, then highest: as text, P-9999 sorts after P-10000.
    last = (
        model.objects.filter(number__startswith=prefix)
        .annotate(number_length=Length("number"))
        .order_by("-number_length", "-number")
        .values_list("number", flat=True)
        .first()
    )
    return int(last[len(prefix) :]) if last and last[len(prefix) :].isdigit() else 0


def _next_number(model, prefix: str, start: int = 1001) -> str:
    """Take the next free number like SO-1001 from its locked sequence row; call inside the creating transaction."""
    # The row lock makes concurrent creates wait for each other instead of racing to the same number.
    sequence = locks.lock_number_sequence(
        "projects.NumberSequence", prefix, defaults={"last_value": max(_highest_number(model, prefix), start - 1)}
    )
    value = sequence.last_value + 1
    # A number given by hand (the API and the demo may name one) is skipped, never reused.
    while model.objects.filter(number=f"{prefix}{value}").exists():
        value += 1
    sequence.last_value = value
    sequence.save(update_fields=["last_value"])
    return f"{prefix}{value}"


# --- clients, suppliers, projects ---------------------------------------------------------------


def client_create(*, by: User | None, **fields) -> Client:
    """Create a client."""
    _require_role(by, Role.SALES, action="create clients")
    client = Client(**fields)
    _save_checked(client)
    return client


def client_update(*, client: Client, by: User | None, **fields) -> Client:
    """Change a client's details."""
    _require_role(by, Role.SALES, action="change clients")
    for name, value in fields.items():
        setattr(client, name, value)
    _save_checked(client)
    return client


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
    previous = {name: getattr(supplier, name) for name in SUPPLIER_SERVICE_FIELDS}
    for name, value in fields.items():
        setattr(supplier, name, value)
    supplier_order_status_service_apply(supplier=supplier, previous=previous, password=order_status_password, by=by)
    _save_checked(supplier)
    return supplier


# A supplier's order status service: what identifies it, with the words a refusal names it by.
SUPPLIER_SERVICE_FIELDS = {
    "order_status_url": "order status service URL",
    "order_status_username": "order status user id",
}
SUPPLIER_SERVICE_UNSET = dict.fromkeys(SUPPLIER_SERVICE_FIELDS, "")


def supplier_order_status_service_apply(
    *, supplier: Supplier, previous: dict[str, str], password: str, by: User | None
) -> None:
    """Apply a change of a supplier's order status service to the unsaved supplier: Managers only; a new
    URL or user id drops the stored password, which is sent only where it was entered for."""
    changed = [label for name, label in SUPPLIER_SERVICE_FIELDS.items() if getattr(supplier, name) != previous[name]]
    if password:
        changed.append("order status password")
    # The service receives the stored password on every call: whoever points it elsewhere could read it.
    if changed and by is not None and not is_manager(by):
        raise RoleRequired(f"Only Managers may set or change the {changed[0]}.")
    if any(getattr(supplier, name) != previous[name] for name in SUPPLIER_SERVICE_FIELDS):
        supplier.order_status_password_encrypted = ""
        # The last check was of the service as it was.
        supplier.order_status_checked_at = None
        supplier.order_status_error = ""
        supplier.order_status_error_at = None
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


@transaction.atomic
def project_create(
    *,
    name: str,
    client: Client,
    order_rep: User,
    production_rep: User,
    invoicing_rep: User,
    by: User | None,
    number: str = "",
) -> Project:
    """Open a project for a client with its three reps."""
    _require_role(by, Role.SALES, action="create projects")
    _check_reps(order_rep=order_rep, production_rep=production_rep, invoicing_rep=invoicing_rep)
    project = Project(
        number=number or _next_number(Project, "P-"),
        name=name,
        client=client,
        order_rep=order_rep,
        production_rep=production_rep,
        invoicing_rep=invoicing_rep,
    )
    _full_clean(project)
    project.save()
    activity_record(project=project, subject=project, verb="created", by=by)
    return project


def project_update(*, project: Project, by: User | None, **fields) -> Project:
    """Change a project's name, client or reps."""
    _require_role(by, Role.SALES, action="change projects")
    for name, value in fields.items():
        setattr(project, name, value)
    _check_reps(order_rep=project.order_rep, production_rep=project.production_rep, invoicing_rep=project.invoicing_rep)
    _full_clean(project)
    project.save()
    activity_record(project=project, subject=project, verb="updated", by=by, detail=", ".join(sorted(fields)))
    return project


def _check_reps(**reps: User) -> None:
    errors = {
        field: [f"User {user.get_username()} is not active."] for field, user in reps.items() if not user.is_active
    }
    if errors:
        raise ValidationFailed(errors)


def _full_clean(instance) -> None:
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean()
    except ValidationError as error:
        errors = error.message_dict
        # Django says "Client with this Name already exists."; people say it with the name itself.
        if any(problem.code == "unique" for problem in error.error_dict.get("name", [])):
            errors["name"] = [f"A {instance._meta.verbose_name} named {instance.name} already exists."]
        raise ValidationFailed(errors) from error


def _save_checked(instance) -> None:
    """Validate and save; a twin saved at the same moment (a unique name) is refused like any duplicate."""
    _full_clean(instance)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        # The other save has committed by now, so validating again names the clash.
        _full_clean(instance)
        raise ValidationFailed({"name": ["Another record was saved with these details a moment ago."]}) from error


# --- sales orders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRequest:
    description: str
    quantity: int
    unit_price: Decimal
    kind: str = SalesOrderItem.Kind.PRODUCT
    unit_cost: Decimal = Decimal("0.00")
    tax_rate: Decimal = Decimal("0.00")
    supplier: Supplier | None = None
    # The item it changes, on the sales-order page; None for a new item.
    id: int | None = None


def _validate_item_requests(items: list[ItemRequest], field: str = "items", *, require_supplier: bool = False) -> None:
    if not items:
        raise ValidationFailed({field: ["A sales order needs at least one item."]})
    for index, item in enumerate(items):
        prefix = f"{field}[{index}]"
        if require_supplier and item.supplier is None:
            raise ValidationFailed({f"{prefix}.supplier": ["Choose the supplier who makes or provides this item."]})
        if not isinstance(item.quantity, int) or isinstance(item.quantity, bool):
            raise ValidationFailed({f"{prefix}.quantity": ["Quantity must be a whole number."]})
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise ValidationFailed({f"{prefix}.quantity": [f"Quantity must be from 1 to {MAX_QUANTITY:,}."]})
        if not item.description.strip():
            raise ValidationFailed({f"{prefix}.description": ["Description is required."]})
        for money_field in ("unit_price", "unit_cost"):
            value = Decimal(getattr(item, money_field))
            if value < 0:
                raise ValidationFailed({f"{prefix}.{money_field}": ["Must not be negative."]})
            if value != value.quantize(CENT):
                raise ValidationFailed({f"{prefix}.{money_field}": ["Use at most two decimal places."]})
        if not Decimal("0") <= item.tax_rate <= Decimal("100"):
            raise ValidationFailed({f"{prefix}.tax_rate": ["Tax rate must be a percent from 0 to 100."]})
        if item.kind not in SalesOrderItem.Kind.values:
            raise ValidationFailed(
                {f"{prefix}.kind": [f"Kind must be one of {', '.join(SalesOrderItem.Kind.values)}."]}
            )
    # An invoice stores its totals in the same columns as a price: the whole order must fit in one.
    gross = Decimal("0")
    for item in items:
        amount = line_amount(item.quantity, item.unit_price)
        gross += amount + line_tax(amount, item.tax_rate)
    if refusal := order_total_refusal(gross):
        raise ValidationFailed({field: [refusal]})


def order_total_refusal(gross: Decimal) -> str | None:
    """Why an order whose total with tax is `gross` cannot be saved, or None when it fits the money columns."""
    if gross > MAX_ORDER_TOTAL:
        return f"The order's total with tax must not exceed {MAX_ORDER_TOTAL:,}."
    return None


def _item_row(order: SalesOrder, position: int, item: ItemRequest) -> SalesOrderItem:
    return SalesOrderItem(
        sales_order=order,
        position=position,
        kind=item.kind,
        description=item.description.strip(),
        supplier=item.supplier,
        quantity=item.quantity,
        unit_price=item.unit_price,
        unit_cost=item.unit_cost,
        tax_rate=item.tax_rate,
    )


@transaction.atomic
def sales_order_create(
    *,
    project: Project,
    items: list[ItemRequest],
    by: User | None,
    in_hands_date: date | None = None,
    ship_to: str = "",
    client_po_number: str = "",
    number: str = "",
    require_supplier: bool = False,
) -> SalesOrder:
    """Write a new sales order with its items."""
    _require_role(by, Role.SALES, action="create sales orders")
    _validate_item_requests(items, require_supplier=require_supplier)
    _validate_ship_to(ship_to)
    _validate_client_po_number(client_po_number)
    order = SalesOrder.objects.create(
        number=number or _next_number(SalesOrder, "SO-"),
        project=project,
        in_hands_date=in_hands_date,
        ship_to=ship_to.strip(),
        client_po_number=client_po_number.strip(),
    )
    SalesOrderItem.objects.bulk_create(_item_row(order, position, item) for position, item in enumerate(items))
    activity_record(project=project, subject=order, verb="created", by=by, to_value=order.get_status_display())
    return order


def _validate_ship_to(ship_to: str) -> None:
    if len(ship_to) > 1000:
        raise ValidationFailed({"ship_to": [f"Ship-to may hold at most 1000 characters; this has {len(ship_to)}."]})


def _validate_client_po_number(client_po_number: str) -> None:
    if len(client_po_number.strip()) > 50:
        length = len(client_po_number.strip())
        raise ValidationFailed(
            {"client_po_number": [f"The client's PO number may hold at most 50 characters; this has {length}."]}
        )


def _client_po_number_set(order: SalesOrder, client_po_number: str, *, by: User | None) -> None:
    """Change an order's client PO number (locked, unsaved) and log the change; the caller saves."""
    _validate_client_po_number(client_po_number)
    new, old = client_po_number.strip(), order.client_po_number
    if new != old:
        order.client_po_number = new
        activity_record(
            project=order.project,
            subject=order,
            verb="changed the client's PO number of",
            by=by,
            from_value=old,
            to_value=new,
        )


def sales_order_items_fixed_reason(order: SalesOrder) -> str:
    """Say why none of an order's items may change any more (rule 6), or '' while they may."""
    if order.invoices.exists():
        return f"Sales order {order.number} has an invoice: its items, quantities and prices can no longer change."
    if order.status in (SOStatus.INVOICED, SOStatus.CLOSED):
        return f"Sales order {order.number} is {order.get_status_display()}: its items can no longer change."
    return ""


def _sales_order_named(*, sales_order: SalesOrder, **_) -> str:
    return f"Sales order {SalesOrder.objects.filter(pk=sales_order.pk).values_list('number', flat=True).get()}"


def _purchase_order_named(*, purchase_order: PurchaseOrder, **_) -> str:
    return f"Purchase order {PurchaseOrder.objects.filter(pk=purchase_order.pk).values_list('number', flat=True).get()}"


@money_write(_sales_order_named)
def sales_order_update(
    *,
    sales_order: SalesOrder,
    by: User | None,
    in_hands_date: date | None = None,
    items: list[ItemRequest] | None = None,
    client_po_number: str | None = None,
) -> SalesOrder:
    """Change an order's in-hands date or client PO number, or replace its items while it has no invoice (rule 6)."""
    _require_role(by, Role.SALES, action="change sales orders")
    order = locks.lock_sales_order(sales_order, items=items is not None).order
    if in_hands_date is not None:
        order.in_hands_date = in_hands_date
        order.save(update_fields=["in_hands_date", "updated_at"])
    if client_po_number is not None:
        # Clients often send their PO number after the order is written, even after it is invoiced.
        _client_po_number_set(order, client_po_number, by=by)
        order.save(update_fields=["client_po_number", "updated_at"])
    if items is not None:
        if reason := sales_order_items_fixed_reason(order):
            raise TransitionNotAllowed(reason)
        if PurchaseOrderItem.objects.filter(sales_order_item__sales_order=order).exists():
            raise TransitionNotAllowed(
                f"Sales order {order.number} has purchase orders: change its items on the purchase orders first."
            )
        _validate_item_requests(items)
        order.items.all().delete()
        SalesOrderItem.objects.bulk_create(_item_row(order, position, item) for position, item in enumerate(items))
        activity_record(project=order.project, subject=order, verb="changed items of", by=by)
    return order


def sales_order_item_locks(*, sales_order: SalesOrder) -> dict[int, str]:
    """Return, for each item that may no longer change, the reason to show beside it."""
    if reason := sales_order_items_fixed_reason(sales_order):
        return {item_id: reason for item_id in sales_order.items.values_list("pk", flat=True)}
    covered = (
        PurchaseOrderItem.objects.filter(sales_order_item__sales_order=sales_order)
        .order_by("purchase_order__number")
        .values_list("sales_order_item_id", "purchase_order__number")
    )
    covering: dict[int, list[str]] = {}
    for item_id, po_number in covered:
        covering.setdefault(item_id, []).append(po_number)
    return {
        item_id: f"On {', '.join(numbers)}: a purchase order covers it, so it can no longer change here."
        for item_id, numbers in covering.items()
    }


@money_write(_sales_order_named)
def sales_order_items_save(
    *,
    sales_order: SalesOrder,
    items: list[ItemRequest],
    by: User,
    in_hands_date: date | None = None,
    ship_to: str = "",
    client_po_number: str | None = None,
) -> SalesOrder:
    """Save the sales-order page's editor: change, add and remove the items no purchase order covers yet."""
    _require_role(by, Role.SALES, action="change sales orders")
    order = locks.lock_sales_order(sales_order, items=True).order
    item_locks = sales_order_item_locks(sales_order=order)
    current = {item.pk: item for item in order.items.all()}
    if (reason := sales_order_items_fixed_reason(order)) and items:
        raise TransitionNotAllowed(reason)
    for index, item in enumerate(items):
        if item.id is None:
            continue
        if item.id not in current:
            raise ValidationFailed({f"items[{index}].id": [f"Item {item.id} is not on {order.number}."]})
        if item.id in item_locks:
            raise TransitionNotAllowed(f"{current[item.id].description}: {item_locks[item.id]}")
    locked_items = [item for pk, item in current.items() if pk in item_locks]
    if not items and not locked_items:
        raise ValidationFailed({"items": ["A sales order needs at least one item."]})
    if items:
        _validate_item_requests(items, require_supplier=True)
        kept = [
            ItemRequest(
                description=item.description,
                quantity=item.quantity,
                unit_price=item.unit_price,
                tax_rate=item.tax_rate,
            )
            for item in locked_items
        ]
        _validate_item_requests(kept + items)  # the whole order must still fit the money columns
    _validate_ship_to(ship_to)
    if client_po_number is not None:
        _validate_client_po_number(client_po_number)
    removed = [pk for pk in current if pk not in item_locks and pk not in {item.id for item in items}]
    SalesOrderItem.objects.filter(pk__in=removed).delete()
    position = max((item.position for item in locked_items), default=-1) + 1
    for item in items:
        row = _item_row(order, position, item)
        if item.id is not None:
            row.pk = item.id
            row.save(
                update_fields=[
                    "position",
                    "kind",
                    "description",
                    "supplier",
                    "quantity",
                    "unit_price",
                    "unit_cost",
                    "tax_rate",
                ]
            )
        else:
            row.save()
        position += 1
    order.in_hands_date = in_hands_date
    order.ship_to = ship_to.strip()
    if client_po_number is not None:
        _client_po_number_set(order, client_po_number, by=by)
    order.save(update_fields=["in_hands_date", "ship_to", "client_po_number", "updated_at"])
    activity_record(project=order.project, subject=order, verb="changed items of", by=by)
    return order


def sales_order_allowed_statuses(*, sales_order: SalesOrder, user: User) -> list[str]:
    """Return the statuses this user may move the order to now, in workflow order."""
    return [
        status
        for status in [*SALES_ORDER_FLOW, SOStatus.CLOSED]
        if _sales_order_move_allowed(sales_order.status, status, user)
    ]


def _sales_order_move_allowed(current: str, target: str, user: User) -> bool:
    """The transition table of a sales order for people (the rules move it on their own too)."""
    if target == current or target == SOStatus.INVOICED:
        return False  # invoiced is reached only by issuing the final invoice
    if target == SOStatus.CLOSED:
        return is_manager(user)
    if current == SOStatus.CLOSED:
        return is_manager(user)  # reopening a closed order
    current_index, target_index = SALES_ORDER_FLOW.index(SOStatus(current)), SALES_ORDER_FLOW.index(SOStatus(target))
    if target == SOStatus.READY_TO_BE_INVOICED:
        if current in PRODUCTION_READIES_FROM:
            return has_role(user, Role.PRODUCTION)
        return is_manager(user) and target_index < current_index
    if target_index > current_index:
        return current in BEFORE_INVOICING and has_role(user, Role.SALES)
    if current == SOStatus.CLIENT_CHANGE_REQUESTED and target == SOStatus.PENDING_CLIENT_APPROVAL:
        return has_role(user, Role.SALES)
    return is_manager(user)  # any other move back


@money_write(_sales_order_named)
def sales_order_status_change(*, sales_order: SalesOrder, status: str, by: User) -> SalesOrder:
    """Move an order to another status as a person, by the transition table."""
    if status not in SOStatus.values:
        raise ValidationFailed({"status": [f"Unknown status {status!r}; choose one of {', '.join(SOStatus.values)}."]})
    order = locks.lock_sales_order(sales_order).order
    if not _sales_order_move_allowed(order.status, status, by):
        raise TransitionNotAllowed(
            f"Sales order {order.number} is {order.get_status_display()}; "
            f"you may not move it to {SOStatus(status).label}."
        )
    if status == SOStatus.READY_TO_BE_INVOICED and not _has_remaining(order):
        raise TransitionNotAllowed(
            f"Sales order {order.number} is {order.get_status_display()} and has nothing left to invoice."
        )
    _sales_order_set_status(order=order, status=status, by=by)
    sales_order.status = order.status
    return order


def _has_remaining(order: SalesOrder) -> bool:
    return any(item.remaining_quantity > 0 for item in order.items.all())


def _sales_order_set_status(
    *, order: SalesOrder, status: str, by: User | None, notify_invoicing_rep: bool = True, reason: str = ""
) -> None:
    """Apply a status the caller has already checked, log it, and tell the invoicing rep when ready."""
    previous = order.status
    order.status = status
    order.save(update_fields=["status", "updated_at"])
    activity = activity_record(
        project=order.project,
        subject=order,
        verb="changed status of",
        by=by,
        from_value=SOStatus(previous).label,
        to_value=SOStatus(status).label,
        detail=reason,
    )
    project = order.project
    if status == SOStatus.READY_TO_BE_INVOICED and notify_invoicing_rep:
        notify(
            recipients=[project.invoicing_rep],
            kind=Notification.Kind.READY_TO_INVOICE,
            event_key=f"so:{order.pk}:ready:{activity.pk}",
            project=project,
            message=f"{order} on {project.number} {project.name} is Ready to be Invoiced.",
            url=reverse("sales-order-detail", args=[order.pk]),
            exclude=[by] if by is not None else [],
        )


def sales_order_ready_automatically(*, sales_order: SalesOrder, reason: str) -> bool:
    """Move an order to Ready to be Invoiced when goods are ready and something remains (rule 2)."""
    order = locks.lock_sales_order(sales_order).order  # held already by the PO or backorder write that called
    if order.status not in BEFORE_INVOICING or not _has_remaining(order):
        return False
    _sales_order_set_status(order=order, status=SOStatus.READY_TO_BE_INVOICED, by=None, reason=reason)
    return True


def sales_order_after_invoice(*, sales_order: SalesOrder, by: User | None) -> None:
    """Move a locked order on after an invoice was issued (rule 5)."""
    items = list(sales_order.items.all())
    if all(item.remaining_quantity == 0 for item in items):
        _sales_order_set_status(order=sales_order, status=SOStatus.INVOICED, by=None, reason="final invoice issued")
    elif any(item.backordered_quantity > 0 for item in items):
        _sales_order_set_status(
            order=sales_order, status=SOStatus.IN_PRODUCTION, by=None, reason="waiting for the backordered goods"
        )
    # Otherwise the rep chose to invoice less than was ready: the order stays Ready to be Invoiced.
    purchase_orders_clear_when_invoiced(sales_order=sales_order)


def sales_order_after_void(*, sales_order: SalesOrder, by: User | None) -> None:
    """Put a locked order back to Ready to be Invoiced after one of its invoices was voided (rule 5)."""
    if sales_order.status not in (SOStatus.READY_TO_BE_INVOICED, SOStatus.CLOSED) and _has_remaining(sales_order):
        # invoice_void tells the invoicing rep itself, with the reason, so this move stays quiet.
        _sales_order_set_status(
            order=sales_order,
            status=SOStatus.READY_TO_BE_INVOICED,
            by=None,
            reason="an invoice was voided",
            notify_invoicing_rep=False,
        )


def sales_order_after_credit(*, sales_order: SalesOrder, by: User | None) -> None:
    """Put a locked order back to Ready to be Invoiced after a credit note returned quantities to it (rule 5)."""
    if sales_order.status not in (SOStatus.READY_TO_BE_INVOICED, SOStatus.CLOSED) and _has_remaining(sales_order):
        # Moved automatically, so the invoicing rep is told (rule 7).
        _sales_order_set_status(
            order=sales_order,
            status=SOStatus.READY_TO_BE_INVOICED,
            by=None,
            reason="a credit note returned quantities to invoice",
        )


# --- purchase orders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseItemRequest:
    sales_order_item: SalesOrderItem
    quantity: int


@transaction.atomic
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


# --- notes --------------------------------------------------------------------------------------

# @name at a word start; usernames may hold letters, digits and . + - _ (a trailing dot ends a sentence).
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]+)")


def mentioned_usernames(body: str) -> list[str]:
    """Return the @names in a note body, in order, each once."""
    names: list[str] = []
    for match in MENTION.finditer(body):
        name = match.group(1).rstrip(".")
        if name and name not in names:
            names.append(name)
    return names


def resolve_mentions(body: str, field: str = "body") -> list[User]:
    """Return the active users a body mentions, or refuse naming the unknown ones."""
    names = mentioned_usernames(body)
    if not names:
        return []
    # One case-insensitive look, since people type names as they like; an exact spelling wins.
    users: dict[str, User] = {}
    matches = User.objects.annotate(username_lower=Lower("username")).filter(
        is_active=True, username_lower__in={name.lower() for name in names}
    )
    for user in matches:
        if user.username_lower not in users or user.username in names:
            users[user.username_lower] = user
    missing = {name.lower() for name in names} - users.keys()
    if missing:
        unknown = ", ".join(f"@{name}" for name in names if name.lower() in missing)
        raise ValidationFailed({field: [f"No active user is called {unknown}."]})
    return [users[name.lower()] for name in names]


NOTE_MAX_LENGTH = 5000


@transaction.atomic
def note_create(
    *,
    project: Project,
    body: str,
    by: User,
    pinned: bool = False,
    notification_kind: str = Notification.Kind.MENTION,
    about: str = "",
) -> Note:
    """Write a note on a project and notify everyone it mentions but its author.

    `about` names what the note is about (the PO a flag note is for) on its activity row, where it can be
    found again.
    """
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": ["Write something in the note."]})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            {"body": [f"A note may hold at most {NOTE_MAX_LENGTH} characters; this has {len(body)}."]}
        )
    mentioned = resolve_mentions(body)
    note = Note.objects.create(project=project, author=by, body=body, pinned=pinned)
    note.mentions.set(mentioned)
    activity_record(project=project, subject=note, verb="wrote", by=by, to_value=about, detail=body[:200])
    author = by.get_full_name() or by.get_username()
    verb = (
        "flagged a backorder and mentioned you"
        if notification_kind == Notification.Kind.BACKORDER_FLAGGED
        else "mentioned you"
    )
    notify(
        recipients=mentioned,
        kind=notification_kind,
        event_key=f"note:{note.pk}",
        project=project,
        message=f"{author} {verb} on {project.number} {project.name}: {body[:200]}",
        url=reverse("project-detail", args=[project.pk]) + f"#note-{note.pk}",
        exclude=[by],
    )
    return note


@transaction.atomic
def note_pin(*, note: Note, pinned: bool, by: User | None, reason: str = "") -> Note:
    """Pin a note to the project overview, or unpin it."""
    locked = locks.lock_note(note)
    if locked.pinned == pinned:
        raise TransitionNotAllowed(f"The note is already {'pinned' if pinned else 'not pinned'}.")
    locked.pinned = pinned
    locked.save(update_fields=["pinned"])
    activity_record(
        project=locked.project, subject=locked, verb="pinned" if pinned else "unpinned", by=by, detail=reason
    )
    note.pinned = pinned
    return locked


# --- purchase-order email -----------------------------------------------------------------------


EmailState = PurchaseOrder.EmailState


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
    from purchasing.tasks import purchase_order_email_task

    try:
        purchase_order_email_task.apply_async(args=(purchase_order_id,), retry=False)
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
