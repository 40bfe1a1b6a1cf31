"""Issuing an invoice: the lines a sales order can take, their prices and tax, the number, the counters."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core import locks
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.money import line_amount, line_tax
from core.roles import Role, has_role
from core.transactions import money_write
from invoicing.models import Invoice, InvoiceLine
from projects.models import SalesOrder, SalesOrderItem
from projects.services.common import activity_record
from projects.services.sales_orders import sales_order_after_invoice
from purchasing.services import purchase_orders_clear_when_invoiced

SEQUENCE_NAME = "INV"


@dataclass(frozen=True)
class LineRequest:
    sales_order_item: SalesOrderItem | int
    quantity: int


def invoice_number(sequence_number: int) -> str:
    return f"INV-{sequence_number:06d}"


def _next_sequence_number() -> int:
    """Take the next invoice number; the row lock holds it until the invoice commits, so none is lost."""
    sequence = locks.lock_number_sequence("invoicing.InvoiceNumberSequence", SEQUENCE_NAME)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value


def invoice_line_for(*, invoice: Invoice, item: SalesOrderItem, quantity: int) -> InvoiceLine:
    """Build (unsaved) the line that invoices `quantity` of an item, copying its description and prices."""
    amount = line_amount(quantity, item.unit_price)
    return InvoiceLine(
        invoice=invoice,
        sales_order_item=item,
        description=item.description,
        quantity=quantity,
        unit_price=item.unit_price,
        tax_rate=item.tax_rate,
        amount=amount,
        tax=line_tax(amount, item.tax_rate),
    )


def _checked_lines(*, items: dict[int, SalesOrderItem], lines: list[LineRequest], order: SalesOrder) -> list[tuple]:
    if not lines:
        raise ValidationFailed({"lines": ["An invoice needs at least one line."]})
    checked = []
    seen: set[int] = set()
    for index, line in enumerate(lines):
        prefix = f"lines[{index}]"
        item_id = (
            line.sales_order_item.pk if isinstance(line.sales_order_item, SalesOrderItem) else line.sales_order_item
        )
        item = items.get(item_id)
        if item is None:
            raise ValidationFailed(
                {f"{prefix}.sales_order_item": [f"Item {item_id} is not on sales order {order.number}."]}
            )
        if item_id in seen:
            raise ValidationFailed(
                {f"{prefix}.sales_order_item": [f"{item.description} appears on two lines; use one."]}
            )
        seen.add(item_id)
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int):
            raise ValidationFailed({f"{prefix}.quantity": ["Quantity must be a whole number."]})
        remaining = item.remaining_quantity
        if remaining < 1:
            raise ValidationFailed({f"{prefix}.quantity": [f"Nothing of {item.description} remains to invoice."]})
        if not 1 <= line.quantity <= remaining:
            raise ValidationFailed(
                {
                    f"{prefix}.quantity": [
                        f"Quantity of {item.description} must be from 1 to {remaining} (what remains)."
                    ]
                }
            )
        checked.append((item, line.quantity))
    return checked


class InvoiceFiguresChanged(TransitionNotAllowed):
    """The order's invoiced or cancelled quantities changed since the rep's page showed them."""


def order_state(items: list[SalesOrderItem]) -> str:
    """What the page's figures were drawn from: each item's invoiced and cancelled quantities."""
    return ",".join(f"{item.pk}:{item.invoiced_quantity}:{item.cancelled_quantity}" for item in items)


def _lock_order(sales_order_id: int, *, seen_state: str = "") -> tuple[SalesOrder, dict[int, SalesOrderItem]]:
    """Lock the order, its purchase orders (issuing may clear their flags) and its items (core.locks' order)."""
    # Two invoicing reps may submit at the same moment: the second waits here for the first.
    locked = locks.lock_sales_order(sales_order_id, purchase_orders=True, items=True)
    if seen_state and seen_state != order_state(list(locked.items.values())):
        # Checked under the lock, so a second tab's submit finds the first one's invoice and issues nothing.
        raise InvoiceFiguresChanged(f"The figures of sales order {locked.order.number} changed since they were shown.")
    return locked.order, locked.items


def _check_ready(order: SalesOrder) -> None:
    if order.status != SalesOrder.Status.READY_TO_BE_INVOICED:
        raise TransitionNotAllowed(
            f"Sales order {order.number} is {order.get_status_display()}; "
            "invoices are issued only while it is Ready to be Invoiced."
        )


def _ready_lines(*, items: dict[int, SalesOrderItem], order: SalesOrder) -> list[LineRequest]:
    """Every item's ready quantity: the goods that are there, less what is invoiced and backordered."""
    lines = [
        LineRequest(sales_order_item=item, quantity=item.ready_quantity)
        for item in items.values()
        if item.ready_quantity > 0
    ]
    if not lines:
        raise ValidationFailed({"lines": [f"Nothing on sales order {order.number} is ready to invoice."]})
    return lines


def _priced_lines(*, invoice: Invoice, items: dict[int, SalesOrderItem], checked: list[tuple]) -> list[InvoiceLine]:
    """Build (unsaved) the invoice's lines, and set its totals and kind as they are if it is issued now."""
    invoice_lines = [invoice_line_for(invoice=invoice, item=item, quantity=quantity) for item, quantity in checked]
    invoice.subtotal = sum((line.amount for line in invoice_lines), start=0)
    invoice.tax = sum((line.tax for line in invoice_lines), start=0)
    invoice.total = invoice.subtotal + invoice.tax
    remaining_after = {pk: item.remaining_quantity for pk, item in items.items()}
    for item, quantity in checked:
        remaining_after[item.pk] -= quantity
    partial = any(quantity > 0 for quantity in remaining_after.values())
    invoice.kind = Invoice.Kind.PARTIAL if partial else Invoice.Kind.FINAL
    return invoice_lines


def _write_lines(*, invoice: Invoice, invoice_lines: list[InvoiceLine]) -> None:
    # A draft's lines are written again whole: edited, or priced afresh when it is issued.
    InvoiceLine.objects.filter(invoice=invoice).delete()
    InvoiceLine.objects.bulk_create(invoice_lines)


def _issue(
    *,
    order: SalesOrder,
    items: dict[int, SalesOrderItem],
    checked: list[tuple],
    by: User,
    invoice_date: date | None,
    draft: Invoice | None = None,
) -> Invoice:
    """Number, price and count an invoice (new, or a draft being issued) and move its order on (rule 5)."""
    issued_on = invoice_date or timezone.localdate()
    sequence_number = _next_sequence_number()
    client = order.project.client
    invoice = draft or Invoice(sales_order=order)
    invoice.client_id = order.project.client_id
    invoice.number = invoice_number(sequence_number)
    invoice.sequence_number = sequence_number
    invoice.status = Invoice.Status.OPEN
    invoice.date = issued_on
    invoice.due_date = issued_on + timedelta(days=client.terms_days)
    invoice.issued_by = by
    invoice.bill_to_name = client.name
    invoice.bill_to_address = client.billing_address
    invoice.bill_to_email = client.billing_email
    if draft is not None:
        invoice.created_at = timezone.now()  # the page's "issued by ..., at" is the issue, not the draft
    invoice_lines = _priced_lines(invoice=invoice, items=items, checked=checked)
    invoice.save()
    _write_lines(invoice=invoice, invoice_lines=invoice_lines)
    try:
        with transaction.atomic():
            for item, quantity in checked:
                SalesOrderItem.objects.filter(pk=item.pk).update(invoiced_quantity=F("invoiced_quantity") + quantity)
    except IntegrityError as error:  # the database CHECK is the last guard against over-invoicing
        raise ValidationFailed({"lines": ["These quantities exceed what remains to invoice."]}) from error

    activity_record(
        project=order.project,
        subject=invoice,
        verb=f"issued {invoice.get_kind_display().lower()} invoice",
        by=by,
        to_value=f"{invoice.total}",
        detail=f"{order}: {len(invoice_lines)} line(s)" + (" from a draft" if draft is not None else ""),
    )
    sales_order_after_invoice(sales_order=order, by=by)
    purchase_orders_clear_when_invoiced(sales_order=order)
    return invoice


def _sales_order_named(*, sales_order: SalesOrder, **_) -> str:
    number = sales_order.number or SalesOrder.objects.filter(pk=sales_order.pk).values_list("number", flat=True).get()
    return f"Sales order {number}"


def _invoice_named(*, invoice: Invoice, **_) -> str:
    """How a conflict names an invoice: its number, or the order a draft is on."""
    number, order_number = Invoice.objects.filter(pk=invoice.pk).values_list("number", "sales_order__number").get()
    return f"Invoice {number}" if number else f"The draft invoice on {order_number}"


@money_write(_sales_order_named)
def invoice_create(
    *,
    sales_order: SalesOrder,
    by: User,
    lines: list[LineRequest] | None = None,
    invoice_date: date | None = None,
    draft: bool = False,
    seen_state: str = "",
) -> Invoice:
    """Issue an invoice, or save it as a draft, for some or all of what remains on a sales order (rules 4 and 5).

    `seen_state` (order_state of the figures a page showed) refuses it with InvoiceFiguresChanged when
    another invoice or credit changed them meanwhile.
    """
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may issue invoices.")
    order, items = _lock_order(sales_order.pk, seen_state=seen_state)
    _check_ready(order)
    if lines is None:
        lines = _ready_lines(items=items, order=order)
    checked = _checked_lines(items=items, lines=lines, order=order)
    if draft:
        return _write_draft(order=order, items=items, checked=checked, by=by)
    invoice = _issue(order=order, items=items, checked=checked, by=by, invoice_date=invoice_date)
    sales_order.status = order.status
    return invoice


def _write_draft(
    *,
    order: SalesOrder,
    items: dict[int, SalesOrderItem],
    checked: list[tuple],
    by: User,
    draft: Invoice | None = None,
) -> Invoice:
    """Save lines to issue later: no number, and nothing counted as invoiced until then."""
    today = timezone.localdate()
    invoice = draft or Invoice(sales_order=order, status=Invoice.Status.DRAFT, issued_by=by)
    invoice.client_id = order.project.client_id
    invoice.date = today
    invoice.due_date = today + timedelta(days=order.project.client.terms_days)
    invoice_lines = _priced_lines(invoice=invoice, items=items, checked=checked)
    invoice.save()
    _write_lines(invoice=invoice, invoice_lines=invoice_lines)
    activity_record(
        project=order.project,
        subject=invoice,
        verb="edited draft invoice" if draft is not None else "saved draft invoice",
        by=by,
        to_value=f"{invoice.total}",
        detail=f"{order}: {len(invoice_lines)} line(s)",
    )
    return invoice
