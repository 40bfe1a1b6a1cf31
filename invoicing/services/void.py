"""Voiding an issued invoice: its quantities go back to the order, the invoicing rep is told."""

from django.contrib.auth.models import User
from django.db.models import F
from django.urls import reverse

from core import locks
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import Role, is_manager
from core.transactions import money_write
from invoicing.models import Invoice
from invoicing.services.issue import _invoice_named
from notifications.models import Notification
from notifications.services import notify
from projects.models import SalesOrder, SalesOrderItem
from projects.services.common import activity_record
from projects.services.sales_orders import sales_order_after_void


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
