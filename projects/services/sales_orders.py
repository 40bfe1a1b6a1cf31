"""Sales orders and their items: creating, editing, the status workflow, and what invoicing moves."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from core import locks
from core.errors import TransitionNotAllowed, ValidationFailed
from core.money import CENT, line_amount, line_tax
from core.roles import Role, has_role, is_manager
from core.transactions import money_write
from notifications.models import Notification
from notifications.services import notify
from projects.models import (
    MAX_QUANTITY,
    MAX_UNITS_PER_PACK,
    SALES_ORDER_FLOW,
    Project,
    SalesOrder,
    SalesOrderItem,
    supplier_ref_refusal,
)
from projects.services.common import _next_number, _require_role, activity_record

SOStatus = SalesOrder.Status


# The largest amount a money column (14 digits, 2 places) holds.
MAX_ORDER_TOTAL = Decimal("999999999999.99")


# Statuses a sales rep may move an order between, in workflow order.
BEFORE_INVOICING = SALES_ORDER_FLOW[: SALES_ORDER_FLOW.index(SOStatus.READY_TO_BE_INVOICED)]


BEFORE_SHIPPED = SALES_ORDER_FLOW[: SALES_ORDER_FLOW.index(SOStatus.SHIPPED)]


# The statuses production may move an order from to Ready to be Invoiced, by hand or with a flag.
PRODUCTION_READIES_FROM = (SOStatus.IN_PRODUCTION, SOStatus.SHIPPED)


class Keep(Enum):
    """An item's field left as the item has it (a new item: its default)."""

    KEEP = "keep"


UNITS_PER_PACK_MESSAGE = f"Units per supplier's pack must be a whole number from 1 to {MAX_UNITS_PER_PACK:,}."


@dataclass(frozen=True)
class ItemRequest:
    description: str
    quantity: int
    unit_price: Decimal
    kind: str = SalesOrderItem.Kind.PRODUCT
    unit_cost: Decimal = Decimal("0.00")
    tax_rate: Decimal = Decimal("0.00")
    supplier: Any = None  # a purchasing.Supplier (an app above this one) or None
    # The supplier's product and part ids; None keeps what a changed item has.
    supplier_product_id: str | None = None
    supplier_part_id: str | None = None
    # How many items make one of the supplier's packs (its stock counted in cases); None clears it.
    supplier_units_per_pack: int | None | Keep = Keep.KEEP
    # The item it changes, on the sales-order page; None for a new item.
    id: int | None = None


SUPPLIER_REFS = (("supplier_product_id", "The supplier's product id"), ("supplier_part_id", "The supplier's part id"))


def _units_per_pack_fits(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_UNITS_PER_PACK


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
        for name, label in SUPPLIER_REFS:
            value = getattr(item, name)
            if value is not None and (refusal := supplier_ref_refusal(label, value.strip())):
                raise ValidationFailed({f"{prefix}.{name}": [refusal]})
        per_pack = item.supplier_units_per_pack
        if isinstance(per_pack, bool) or not (
            per_pack is None
            or isinstance(per_pack, Keep)
            or (isinstance(per_pack, int) and 1 <= per_pack <= MAX_UNITS_PER_PACK)
        ):
            raise ValidationFailed({f"{prefix}.supplier_units_per_pack": [UNITS_PER_PACK_MESSAGE]})
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
        supplier_product_id=(item.supplier_product_id or "").strip(),
        supplier_part_id=(item.supplier_part_id or "").strip(),
        supplier_units_per_pack=None
        if isinstance(item.supplier_units_per_pack, Keep)
        else item.supplier_units_per_pack,
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
        if order.items.filter(purchase_order_items__isnull=False).exists():
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
    # Through the purchase order lines' relation: projects/ sits below purchasing/ and imports none of it.
    covered = (
        sales_order.items.filter(purchase_order_items__isnull=False)
        .order_by("purchase_order_items__purchase_order__number")
        .values_list("pk", "purchase_order_items__purchase_order__number")
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
                    *(name for name in ("supplier_product_id", "supplier_part_id") if getattr(item, name) is not None),
                    *(() if isinstance(item.supplier_units_per_pack, Keep) else ("supplier_units_per_pack",)),
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
    """Move an order to Ready to be Invoiced when some of its goods are there to invoice (rule 2)."""
    order = locks.lock_sales_order(sales_order).order  # held already by the PO or backorder write that called
    if order.status not in BEFORE_INVOICING or not any(item.ready_quantity > 0 for item in order.items.all()):
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
