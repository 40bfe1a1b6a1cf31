"""Issuing, sending, marking and voiding invoices."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core import locks
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.money import line_amount, line_tax
from core.roles import Role, has_role, is_manager
from core.site import request_base_url
from core.tasks import enqueue
from core.transactions import money_write
from invoicing.models import Invoice, InvoiceLine
from invoicing.payments import invoice_mark_paid_locked, invoice_paid_mark_undo_locked
from notifications.models import Notification
from notifications.services import notify
from projects.models import SalesOrder, SalesOrderItem
from projects.services import activity_record, sales_order_after_invoice, sales_order_after_void
from purchasing.services import purchase_orders_clear_when_invoiced

logger = logging.getLogger(__name__)

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
    """Every item's ready quantity: what remains less what is backordered."""
    lines = [
        LineRequest(sales_order_item=item, quantity=item.remaining_quantity - item.backordered_quantity)
        for item in items.values()
        if item.remaining_quantity - item.backordered_quantity > 0
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


def _lock_draft(invoice: Invoice, *, doing: str) -> Invoice:
    # Called with the order and its items locked already, or to lock them here: the invoice comes after them.
    locked = locks.lock_invoice(invoice).invoice
    if not locked.is_draft:
        raise TransitionNotAllowed(
            f"Invoice {locked.number} is {locked.get_status_display()}; only a draft can be {doing}."
        )
    return locked


@money_write(_invoice_named)
def invoice_draft_update(*, invoice: Invoice, lines: list[LineRequest], by: User, seen_state: str = "") -> Invoice:
    """Replace a draft invoice's lines; each quantity is checked against what remains now."""
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may edit draft invoices.")
    order, items = _lock_order(_sales_order_id(invoice), seen_state=seen_state)
    locked = _lock_draft(invoice, doing="edited")
    checked = _checked_lines(items=items, lines=lines, order=order)
    return _write_draft(order=order, items=items, checked=checked, by=by, draft=locked)


@money_write(_invoice_named)
def invoice_draft_issue(
    *,
    invoice: Invoice,
    by: User,
    lines: list[LineRequest] | None = None,
    invoice_date: date | None = None,
    seen_state: str = "",
) -> Invoice:
    """Issue a draft invoice (with new lines, if given) under every rule of issuing, at today's figures."""
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may issue invoices.")
    order, items = _lock_order(_sales_order_id(invoice), seen_state=seen_state)
    locked = _lock_draft(invoice, doing="issued")
    _check_ready(order)
    if lines is None:
        lines = [LineRequest(line.sales_order_item_id, line.quantity) for line in locked.lines.all()]
    checked = _checked_lines(items=items, lines=lines, order=order)
    issued = _issue(order=order, items=items, checked=checked, by=by, invoice_date=invoice_date, draft=locked)
    invoice.status, invoice.number = issued.status, issued.number
    return issued


@money_write(_invoice_named)
def invoice_draft_delete(*, invoice: Invoice, by: User) -> None:
    """Delete a draft invoice; it never had a number, so the sequence keeps no gap."""
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may delete draft invoices.")
    locked = _lock_draft(invoice, doing="deleted")
    order = locked.sales_order
    activity_record(
        project=order.project,
        subject=order,
        verb="deleted a draft invoice on",
        by=by,
        from_value=f"{locked.total}",
        detail=f"{locked}: {locked.lines.count()} line(s)",
    )
    locked.delete()


# The moves a person may make with the status control; sending and voiding have their own services.
INVOICE_STATUS_MOVES = {
    Invoice.Status.DRAFT: set(),  # issued with invoice_draft_issue, never marked
    Invoice.Status.OPEN: {Invoice.Status.EXPORTED, Invoice.Status.PAID},
    Invoice.Status.SENT_TO_CLIENT: {Invoice.Status.EXPORTED, Invoice.Status.PAID},
    Invoice.Status.EXPORTED: {Invoice.Status.PAID},
    Invoice.Status.PAID: set(),
    Invoice.Status.VOID: set(),
}


def _sales_order_id(invoice: Invoice) -> int:
    # An invoice never moves to another order, so the id read before any lock is the one to lock first.
    if invoice.sales_order_id:
        return invoice.sales_order_id
    return Invoice.objects.filter(pk=invoice.pk).values_list("sales_order_id", flat=True).get()


def _lock_invoice(invoice: Invoice) -> Invoice:
    """Lock the invoice's sales order, then the invoice (core.locks' order); `sales_order` is the locked order."""
    return locks.lock_invoice(invoice).invoice


@money_write(_invoice_named)
def invoice_status_change(*, invoice: Invoice, status: str, by: User) -> Invoice:
    """Mark an invoice exported (to accounting) or paid."""
    if status not in (Invoice.Status.EXPORTED, Invoice.Status.PAID):
        raise ValidationFailed({"status": ["Choose exported or paid."]})
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may change invoice statuses.")
    locked = _lock_invoice(invoice)
    if status not in INVOICE_STATUS_MOVES[Invoice.Status(locked.status)]:
        raise TransitionNotAllowed(
            f"Invoice {locked.number} is {locked.get_status_display()}; "
            f"it cannot be marked {Invoice.Status(status).label}."
        )
    if status == Invoice.Status.PAID:
        # Paid means the money is in: the mark records a payment of the whole balance due.
        invoice_mark_paid_locked(invoice=locked, by=by)
        invoice.status = locked.status
        return locked
    previous = locked.status
    locked.status = status
    # Dated, so a manager can undo the mark on the same day (invoice_mark_undo).
    marked_at = "exported_at" if status == Invoice.Status.EXPORTED else "paid_at"
    setattr(locked, marked_at, timezone.now())
    locked.save(update_fields=["status", marked_at, "updated_at"])
    activity_record(
        project=locked.sales_order.project,
        subject=locked,
        verb="marked",
        by=by,
        from_value=Invoice.Status(previous).label,
        to_value=Invoice.Status(status).label,
    )
    invoice.status = locked.status
    return locked


def _status_before_mark(invoice: Invoice) -> str:
    """The status an exported or paid invoice had before its latest mark."""
    if invoice.status == Invoice.Status.PAID and invoice.exported_at is not None:
        return Invoice.Status.EXPORTED
    # Only emailing an invoice sets sent_at, and it always leaves it Sent to Client; a mark follows
    # either that or Open, so sent_at tells which of the two it was.
    return Invoice.Status.SENT_TO_CLIENT if invoice.sent_at is not None else Invoice.Status.OPEN


@money_write(_invoice_named)
def invoice_mark_undo(*, invoice: Invoice, reason: str, by: User) -> Invoice:
    """Undo an invoice's exported or paid mark on the (local) day it was made, saying why."""
    if not is_manager(by):
        raise RoleRequired("Only Managers may undo a mark.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why the mark is undone."]})
    if len(reason) > 500:
        raise ValidationFailed({"reason": ["The reason may hold at most 500 characters."]})
    locked = _lock_invoice(invoice)
    if locked.status not in (Invoice.Status.EXPORTED, Invoice.Status.PAID):
        raise TransitionNotAllowed(
            f"Invoice {locked.number} is {locked.get_status_display()}; only an Exported or Paid mark can be undone."
        )
    marked_at = "exported_at" if locked.status == Invoice.Status.EXPORTED else "paid_at"
    when = getattr(locked, marked_at)
    # Accounting may have taken the mark over by the next day; after that, it is fixed there.
    if when is None or timezone.localdate(when) != timezone.localdate():
        day = f"on {date_format(timezone.localdate(when))}" if when else "before marks were dated"
        raise TransitionNotAllowed(
            f"Invoice {locked.number} was marked {locked.get_status_display()} {day}; "
            "a mark can be undone only on the day it was made."
        )
    if locked.status == Invoice.Status.PAID:
        # The payment that settled the invoice (the mark's own, when marked by hand) is taken back with it.
        invoice_paid_mark_undo_locked(invoice=locked, reason=reason, by=by)
        invoice.status = locked.status
        return locked
    previous = locked.status
    locked.status = _status_before_mark(locked)
    setattr(locked, marked_at, None)
    locked.save(update_fields=["status", marked_at, "updated_at"])
    activity_record(
        project=locked.sales_order.project,
        subject=locked,
        verb="undid the mark",
        by=by,
        from_value=Invoice.Status(previous).label,
        to_value=Invoice.Status(locked.status).label,
        detail=reason,
    )
    invoice.status = locked.status
    return locked


@money_write(_invoice_named)
def invoice_void(*, invoice: Invoice, reason: str, by: User) -> Invoice:
    """Void an open or sent invoice: its quantities return to the order (rule 5)."""
    if not is_manager(by):
        raise RoleRequired("Only Managers may void invoices.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why the invoice is void."]})
    if len(reason) > 500:
        raise ValidationFailed({"reason": ["The reason may hold at most 500 characters."]})
    # The items too: voiding returns the invoice's quantities to them.
    held = locks.lock_invoice(invoice, items=True)
    order, locked = held.order, held.invoice
    if locked.credited_amount:
        # Voiding would return the credited quantities a second time; what is left is credited instead.
        numbers = ", ".join(locked.credit_notes.order_by("sequence_number").values_list("number", flat=True))
        raise TransitionNotAllowed(
            f"Invoice {locked.number} has credit notes ({numbers}); it can no longer be voided. "
            "Credit what is left of it instead."
        )
    if locked.status in (Invoice.Status.OPEN, Invoice.Status.SENT_TO_CLIENT) and locked.paid_amount > 0:
        raise TransitionNotAllowed(
            f"Invoice {locked.number} has {locked.paid_amount:,.2f} paid against it; "
            "an invoice with payments cannot be voided."
        )
    if not locked.can_void:
        raise TransitionNotAllowed(
            f"Invoice {locked.number} is {locked.get_status_display()}; only open or sent invoices can be voided."
        )
    for line in locked.lines.all():
        SalesOrderItem.objects.filter(pk=line.sales_order_item_id).update(
            invoiced_quantity=F("invoiced_quantity") - line.quantity
        )
    previous = locked.status
    locked.status = Invoice.Status.VOID
    locked.void_reason = reason
    locked.save(update_fields=["status", "void_reason", "updated_at"])
    activity_record(
        project=order.project,
        subject=locked,
        verb="voided",
        by=by,
        from_value=Invoice.Status(previous).label,
        to_value="Void",
        detail=reason,
    )
    sales_order_after_void(sales_order=order, by=by)
    _notify_void(invoice=locked, order=order, reason=reason, by=by)
    invoice.status = locked.status
    return locked


def _notify_void(*, invoice: Invoice, order: SalesOrder, reason: str, by: User) -> None:
    """Tell the project's invoicing rep, the invoice's issuer and the managers why it was voided."""
    project = order.project
    managers = User.objects.filter(is_active=True, groups__name=Role.MANAGERS).distinct()
    voided_by = by.get_full_name() or by.get_username()
    notify(
        recipients=[project.invoicing_rep, invoice.issued_by, *managers],
        # Its own kind, though the message says the order is Ready to be Invoiced again: an API client
        # filtering by kind must tell a void from an order that became ready.
        kind=Notification.Kind.INVOICE_VOIDED,
        event_key=f"invoice:{invoice.pk}:void",
        project=project,
        message=(
            f"Invoice {invoice.number} on {order.number} was voided by {voided_by}: {reason.rstrip('.')}. "
            f"{order.number} is Ready to be Invoiced again."
        ),
        url=reverse("invoice-detail", args=[invoice.pk]),
        exclude=[by],
    )


@money_write(_invoice_named)
def invoice_send(*, invoice: Invoice, by: User) -> Invoice:
    """Email an invoice to the client's billing contact and mark it Sent to Client."""
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may email invoices.")
    locked = _lock_invoice(invoice)
    if not locked.can_send:
        raise TransitionNotAllowed(f"Invoice {locked.number} is {locked.get_status_display()}; it cannot be emailed.")
    project = locked.sales_order.project
    previous = locked.status
    locked.status = Invoice.Status.SENT_TO_CLIENT
    locked.sent_at = timezone.now()
    locked.email_state = Invoice.EmailState.PENDING
    # The worker builds the email later; its client link needs the address this request came in on.
    locked.email_site_url = request_base_url()
    locked.save(update_fields=["status", "sent_at", "email_state", "email_site_url", "updated_at"])
    activity = activity_record(
        project=project,
        subject=locked,
        verb="emailed to the client",
        by=by,
        from_value=Invoice.Status(previous).label,
        to_value=Invoice.Status.SENT_TO_CLIENT.label,
        detail=project.client.billing_email,
    )
    notify(
        recipients=[project.order_rep],
        kind=Notification.Kind.INVOICE_SENT,
        event_key=f"invoice:{locked.pk}:sent:{activity.pk}",
        project=project,
        message=f"Invoice {locked.number} ({locked.total}) was emailed to {project.client.name}.",
        url=reverse("invoice-detail", args=[locked.pk]),
        exclude=[by],
    )
    transaction.on_commit(lambda: _enqueue_invoice_email(invoice_id=locked.pk))
    invoice.status = locked.status
    return locked


def _enqueue_invoice_email(*, invoice_id: int) -> None:
    """Queue the email of a sent invoice; if the broker is unreachable it stays pending for the requeue task."""
    try:
        enqueue("invoicing.tasks.invoice_email_task", args=(invoice_id,), retry=False)
    except Exception:  # noqa: BLE001 - the invoice is committed as sent; its email must wait, not fail the request
        logger.warning("Could not queue the email of invoice %s; it stays pending.", invoice_id, exc_info=True)


def invoice_email_claim(*, invoice_id: int, claim_ttl_seconds: int) -> bool:
    """Claim a pending invoice email for sending; False when another worker has it or it went out."""
    now = timezone.now()
    claimable = Q(email_state=Invoice.EmailState.PENDING) | Q(
        email_state=Invoice.EmailState.SENDING, email_claimed_at__lt=now - timedelta(seconds=claim_ttl_seconds)
    )
    claimed = (
        Invoice.objects.filter(claimable, pk=invoice_id)
        .exclude(status=Invoice.Status.VOID)
        .update(email_state=Invoice.EmailState.SENDING, email_claimed_at=now, updated_at=now)
    )
    return bool(claimed)


def invoice_email_release(*, invoice_id: int, sent: bool) -> None:
    """Record the outcome of a claimed invoice email: sent, or pending again to be retried."""
    # A queryset update skips auto_now: updated_at is set by hand, as on every write to an invoice.
    now = timezone.now()
    if sent:
        Invoice.objects.filter(pk=invoice_id).update(
            email_state=Invoice.EmailState.SENT, email_sent_at=now, updated_at=now
        )
    else:
        Invoice.objects.filter(pk=invoice_id, email_state=Invoice.EmailState.SENDING).update(
            email_state=Invoice.EmailState.PENDING, updated_at=now
        )
