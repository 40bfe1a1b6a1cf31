"""The payments section of the invoice page: what was paid, and the forms to record or undo a payment."""

from django.http import HttpRequest

from core.roles import Role, has_role, is_manager
from invoicing.models import Invoice
from invoicing.payment_forms import PaymentForm, PaymentUndoForm
from invoicing.payments import (
    MARKED_PAID_REFERENCE,
    PAYABLE_STATUSES,
    invoice_payments,
    payment_can_undo,
)


def payment_context(
    request: HttpRequest,
    invoice: Invoice,
    *,
    payment_form: PaymentForm | None = None,
    payment_undo_form: PaymentUndoForm | None = None,
) -> dict:
    """What the invoice page's payments section shows: the payments, the balance due and the forms this user may use."""
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        return {"show_payments": False}  # nothing is owed on either
    payments = list(invoice_payments(invoice=invoice))
    can_record = has_role(request.user, Role.INVOICING) and invoice.status in PAYABLE_STATUSES
    undoable = [payment for payment in payments if payment_can_undo(payment)] if is_manager(request.user) else []
    return {
        "show_payments": True,
        "payments": payments,
        "marked_paid_reference": MARKED_PAID_REFERENCE,
        "can_record_payment": can_record and invoice.balance_due > 0,
        "payment_form": payment_form or PaymentForm(invoice=invoice),
        "undoable_payments": undoable,
        "payment_undo_form": payment_undo_form or PaymentUndoForm(payments=undoable),
    }
