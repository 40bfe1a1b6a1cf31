"""An invoice's status moves (Sent, Exported, Paid) and their undo."""

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.formats import date_format

from core import locks
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import Role, has_role, is_manager
from core.transactions import money_write
from invoicing.models import Invoice
from invoicing.payments import invoice_mark_paid_locked, invoice_paid_mark_undo_locked
from invoicing.services.issue import _invoice_named
from projects.services.common import activity_record

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
