"""Payments against issued invoices: recorded, settling the invoice, and taken back on the day they were made.

"Mark paid" (invoice_status_change) records a payment of the whole balance due here too, so an invoice
is Paid exactly when its payments and credits cover its total, and the books never disagree with it.
"""

from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from core import locks
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.money import CENT
from core.roles import Role, has_role, is_manager
from core.transactions import money_write
from invoicing.models import Invoice, Payment, PaymentMethod
from projects.services.common import activity_record

# An invoice takes payments while it is issued and owed: never as a draft (no number yet), never once void.
PAYABLE_STATUSES = (Invoice.Status.OPEN, Invoice.Status.SENT_TO_CLIENT, Invoice.Status.EXPORTED)

# The largest amount a money column holds (14 digits, 2 of them cents).
MAX_AMOUNT = Decimal("999999999999.99")

# What "Mark paid" writes on the payment it records, so the page and the books can tell it apart.
MARKED_PAID_METHOD = PaymentMethod.OTHER
MARKED_PAID_REFERENCE = "Marked paid"

REFERENCE_MAX_LENGTH: int = Payment._meta.get_field("reference").max_length or 100


def money_text(amount: Decimal) -> str:
    """An amount as the pages write it: 1,450.55."""
    return f"{amount:,.2f}"


def _lock_invoice(invoice: Invoice | int) -> Invoice:
    # Its sales order first, then the invoice, as every money write does (core.locks).
    return locks.lock_invoice(invoice).invoice


def _invoice_named(*, invoice: Invoice, **_) -> str:
    return f"Invoice {Invoice.objects.filter(pk=invoice.pk).values_list('number', flat=True).get()}"


def _payment_named(*, payment: Payment, **_) -> str:
    number = Invoice.objects.filter(pk=payment.invoice_id).values_list("number", flat=True).get()
    return f"Invoice {number}"


def _checked_amount(amount: object) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise ValidationFailed({"amount": ["Enter the amount as a number, such as 120.00."]})
    try:
        value = Decimal(amount)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationFailed({"amount": ["Enter the amount as a number, such as 120.00."]}) from None
    if value <= 0:
        raise ValidationFailed({"amount": ["The amount must be more than 0.00."]})
    if value > MAX_AMOUNT:
        raise ValidationFailed({"amount": [f"The amount may be at most {money_text(MAX_AMOUNT)}."]})
    if value != value.quantize(CENT, rounding=ROUND_DOWN):
        raise ValidationFailed({"amount": ["The amount may have at most 2 decimal places."]})
    return value.quantize(CENT)


def _checked_date(value: object) -> date:
    # A datetime is a date too in Python; a payment is made on a day, so only a plain date is taken.
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise ValidationFailed({"date": ["Enter the payment date, such as 2026-03-31."]})
    today = timezone.localdate()
    if value > today:
        raise ValidationFailed(
            {"date": [f"The payment date, {date_format(value)}, is in the future; today is {date_format(today)}."]}
        )
    return value


def _check_not_before_invoice(payment_date: date, invoice: Invoice) -> None:
    # Money cannot arrive against an invoice before it was issued; AR aging would count such a payment
    # as already received on any earlier day it is run for.
    if payment_date < invoice.date:
        raise ValidationFailed(
            {
                "date": [
                    f"The payment date, {date_format(payment_date)}, is before invoice {invoice.number} was "
                    f"issued on {date_format(invoice.date)}."
                ]
            }
        )


def _checked_method(method: object) -> str:
    if method not in PaymentMethod.values:
        raise ValidationFailed({"method": [f"Choose one of: {', '.join(PaymentMethod.values)}."]})
    return str(method)


def _checked_reference(reference: object) -> str:
    if reference is None:
        return ""
    if not isinstance(reference, str):
        raise ValidationFailed({"reference": ["The reference must be text."]})
    reference = reference.strip()
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise ValidationFailed({"reference": [f"The reference may hold at most {REFERENCE_MAX_LENGTH} characters."]})
    return reference


def _check_payable(invoice: Invoice) -> None:
    if invoice.status in PAYABLE_STATUSES:
        return
    if invoice.is_draft:
        raise TransitionNotAllowed("This invoice is a Draft; it takes payments once it is issued.")
    if invoice.status == Invoice.Status.PAID:
        raise TransitionNotAllowed(f"Invoice {invoice.number} is Paid; nothing is due on it.")
    raise TransitionNotAllowed(f"Invoice {invoice.number} is {invoice.get_status_display()}; it takes no payments.")


def _apply_payment(
    *, invoice: Invoice, payment_date: date, amount: Decimal, method: str, reference: str, by: User
) -> Payment:
    """Write the payment on the locked invoice, count it, and mark the invoice Paid when nothing is left due."""
    balance_due = invoice.balance_due
    if balance_due <= 0:
        raise TransitionNotAllowed(f"Invoice {invoice.number} is {invoice.get_status_display()}; nothing is due on it.")
    if amount > balance_due:
        raise ValidationFailed(
            {"amount": [f"{money_text(amount)} is more than the balance due, {money_text(balance_due)}."]}
        )
    now = timezone.now()
    payment = Payment.objects.create(
        invoice=invoice, date=payment_date, amount=amount, method=method, reference=reference, recorded_by=by
    )
    previous = invoice.status
    settled = amount == balance_due
    changes: dict[str, object] = {"paid_amount": F("paid_amount") + amount, "updated_at": now}
    if settled:
        changes.update(status=Invoice.Status.PAID, paid_at=now)
    try:
        # The CHECK (paid <= total - credited) is the last guard, should anything write around the lock.
        with transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(**changes)
    except IntegrityError as error:
        raise ValidationFailed({"amount": ["This payment is more than the balance due."]}) from error
    invoice.refresh_from_db(fields=["paid_amount", "status", "paid_at", "updated_at"])
    project = invoice.sales_order.project
    detail = f"{payment.get_method_display()}, dated {date_format(payment_date)}"
    activity_record(
        project=project,
        subject=invoice,
        verb="recorded a payment on",
        by=by,
        to_value=f"{amount}",
        detail=f"{detail}{', ' + reference if reference else ''}; balance due {invoice.balance_due}",
    )
    if settled:
        activity_record(
            project=project,
            subject=invoice,
            verb="marked",
            by=by,
            from_value=Invoice.Status(previous).label,
            to_value=Invoice.Status.PAID.label,
            detail="Paid in full",
        )
    return payment


@money_write(_invoice_named)
def payment_record(
    *, invoice: Invoice, date: date, amount: Decimal, method: str, reference: str = "", by: User
) -> Payment:
    """Record money received against an issued invoice; it becomes Paid when nothing is left due."""
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may record payments.")
    checked_amount = _checked_amount(amount)
    payment_date = _checked_date(date)
    checked_method = _checked_method(method)
    checked_reference = _checked_reference(reference)
    # Lock the invoice: two people recording the last payment at once must not both count.
    locked = _lock_invoice(invoice)
    _check_payable(locked)
    _check_not_before_invoice(payment_date, locked)
    payment = _apply_payment(
        invoice=locked,
        payment_date=payment_date,
        amount=checked_amount,
        method=checked_method,
        reference=checked_reference,
        by=by,
    )
    invoice.status, invoice.paid_amount, invoice.paid_at = locked.status, locked.paid_amount, locked.paid_at
    return payment


def invoice_mark_paid_locked(*, invoice: Invoice, by: User) -> Invoice:
    """Mark a locked invoice Paid by recording a payment of its whole balance due, dated today."""
    _check_payable(invoice)
    if invoice.balance_due > 0:
        _apply_payment(
            invoice=invoice,
            payment_date=timezone.localdate(),
            amount=invoice.balance_due,
            method=MARKED_PAID_METHOD,
            reference=MARKED_PAID_REFERENCE,
            by=by,
        )
        return invoice
    # Nothing due (credited in full): the mark only records what is already true.
    previous = invoice.status
    now = timezone.now()
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.PAID, paid_at=now, updated_at=now)
    invoice.refresh_from_db(fields=["status", "paid_at", "updated_at"])
    activity_record(
        project=invoice.sales_order.project,
        subject=invoice,
        verb="marked",
        by=by,
        from_value=Invoice.Status(previous).label,
        to_value=Invoice.Status.PAID.label,
    )
    return invoice


def status_before_paid(invoice: Invoice) -> str:
    """The status a Paid invoice goes back to when money is taken back: exported, sent or open."""
    if invoice.exported_at is not None:
        return Invoice.Status.EXPORTED
    # Only emailing an invoice sets sent_at, and it always leaves it Sent to Client.
    return Invoice.Status.SENT_TO_CLIENT if invoice.sent_at is not None else Invoice.Status.OPEN


def _remove_payment(*, invoice: Invoice, payment: Payment, reason: str, by: User, verb: str) -> Invoice:
    """Delete a payment of a locked invoice, uncount it, and reopen the invoice if it was Paid."""
    now = timezone.now()
    previous = invoice.status
    changes: dict[str, object] = {"paid_amount": F("paid_amount") - payment.amount, "updated_at": now}
    if previous == Invoice.Status.PAID:
        changes.update(status=status_before_paid(invoice), paid_at=None)
    described = (
        f"{payment.amount} ({payment.get_method_display()}{', ' + payment.reference if payment.reference else ''}, "
        f"dated {date_format(payment.date)})"
    )
    payment.delete()
    Invoice.objects.filter(pk=invoice.pk).update(**changes)
    invoice.refresh_from_db(fields=["paid_amount", "status", "paid_at", "updated_at"])
    activity_record(
        project=invoice.sales_order.project,
        subject=invoice,
        verb=verb,
        by=by,
        from_value=Invoice.Status(previous).label if previous != invoice.status else "",
        to_value=Invoice.Status(invoice.status).label if previous != invoice.status else "",
        # The mark's undo keeps its reason alone, as for an exported mark; the status change says the rest.
        detail=reason if verb == "undid the mark" else f"{described}: {reason}",
    )
    return invoice


def settling_payment(invoice: Invoice) -> Payment | None:
    """The payment that left nothing due on a Paid invoice: the last one recorded."""
    return invoice.payments.order_by("-id").first()


def invoice_paid_mark_undo_locked(*, invoice: Invoice, reason: str, by: User) -> Invoice:
    """Take back a locked invoice's Paid mark: remove the payment that settled it (the mark's own, if marked)."""
    payment = settling_payment(invoice)
    if payment is None:
        # Marked before marks recorded payments: only the status goes back.
        previous = invoice.status
        Invoice.objects.filter(pk=invoice.pk).update(
            status=status_before_paid(invoice), paid_at=None, updated_at=timezone.now()
        )
        invoice.refresh_from_db(fields=["status", "paid_at", "updated_at"])
        activity_record(
            project=invoice.sales_order.project,
            subject=invoice,
            verb="undid the mark",
            by=by,
            from_value=Invoice.Status(previous).label,
            to_value=Invoice.Status(invoice.status).label,
            detail=reason,
        )
        return invoice
    return _remove_payment(invoice=invoice, payment=payment, reason=reason, by=by, verb="undid the mark")


def _checked_reason(reason: str) -> str:
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationFailed({"reason": ["Say why the payment is taken back."]})
    if len(reason) > 500:
        raise ValidationFailed({"reason": ["The reason may hold at most 500 characters."]})
    return reason


@money_write(_payment_named)
def payment_undo(*, payment: Payment, reason: str, by: User) -> Invoice:
    """Take back a payment recorded by mistake, on the (local) day it was recorded, saying why."""
    if not is_manager(by):
        raise RoleRequired("Only Managers may take back a payment.")
    checked_reason = _checked_reason(reason)
    locked = _lock_invoice(payment.invoice_id)
    current = Payment.objects.filter(pk=payment.pk, invoice=locked).first()
    if current is None:
        raise TransitionNotAllowed(f"This payment on invoice {locked.number} was already taken back.")
    recorded_on = timezone.localdate(current.created_at)
    if recorded_on != timezone.localdate():
        raise TransitionNotAllowed(
            f"The payment of {money_text(current.amount)} on invoice {locked.number} was recorded on "
            f"{date_format(recorded_on)}; a payment can be taken back only on the day it was recorded."
        )
    return _remove_payment(invoice=locked, payment=current, reason=checked_reason, by=by, verb="took back a payment on")


def payment_can_undo(payment: Payment) -> bool:
    """Whether a manager may still take the payment back: it was recorded today."""
    return timezone.localdate(payment.created_at) == timezone.localdate()


# --- reads ------------------------------------------------------------------------------------------


def invoice_payments(*, invoice: Invoice) -> QuerySet[Payment]:
    """The payments of one invoice, oldest first, with who recorded them."""
    return Payment.objects.filter(invoice=invoice).select_related("recorded_by").order_by("date", "id")


def payment_list() -> QuerySet[Payment]:
    """Every payment, with its invoice, in the order an integration polls them: updated_at, then id."""
    return Payment.objects.select_related("invoice", "recorded_by").order_by("updated_at", "id")
