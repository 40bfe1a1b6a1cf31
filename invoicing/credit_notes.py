"""Crediting issued invoices: the credit note service, its numbering and the reads its pages share.

A credit note returns quantities of an invoice's lines: the line's `credited_quantity` and the
invoice's `credited_amount` go up, and the sales-order item's `invoiced_quantity` (kept net of
credits) goes down, so the credited quantity is "remaining to invoice" again.
"""

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from core import locks
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.money import line_amount, line_tax
from core.roles import is_manager
from core.transactions import money_write
from invoicing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from projects.models import SalesOrder, SalesOrderItem
from projects.services.common import activity_record
from projects.services.sales_orders import sales_order_after_credit

SEQUENCE_NAME = "CN"
REASON_MAX = 500


class CreditLineRequest(NamedTuple):
    """Credit `quantity` of one line of the invoice; a plain (invoice_line_id, quantity) pair works too."""

    invoice_line: InvoiceLine | int
    quantity: int


def credit_note_number(sequence_number: int) -> str:
    return f"CN-{sequence_number:06d}"


def _next_sequence_number() -> int:
    """Take the next credit note number; the row lock holds it until the credit note commits."""
    sequence = locks.lock_number_sequence("invoicing.InvoiceNumberSequence", SEQUENCE_NAME)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value


def _amounts_up_to(line: InvoiceLine, quantity: int) -> tuple[Decimal, Decimal]:
    """Net amount and tax of the first `quantity` units of a line, priced like an invoice line.

    All of the line is its own stored amount and tax, so the credit notes of a line always add up to
    the line to the cent, whatever the rounding of the credits before.
    """
    if quantity == line.quantity:
        return line.amount, line.tax
    amount = line_amount(quantity, line.unit_price)
    return amount, line_tax(amount, line.tax_rate)


def credit_line_for(*, credit_note: CreditNote, line: InvoiceLine, quantity: int) -> CreditNoteLine:
    """Build (unsaved) the credit of `quantity` units of a line not yet credited, copying its prices.

    The credit is what the line's credited units are worth after it less what they were worth before,
    each figured half-up like an invoice line: the first credit of a line is priced exactly like an
    invoice line of that quantity, and a line credited in several notes sums to the line exactly.
    """
    before_amount, before_tax = _amounts_up_to(line, line.credited_quantity)
    after_amount, after_tax = _amounts_up_to(line, line.credited_quantity + quantity)
    return CreditNoteLine(
        credit_note=credit_note,
        invoice_line=line,
        description=line.description,
        quantity=quantity,
        unit_price=line.unit_price,
        tax_rate=line.tax_rate,
        amount=after_amount - before_amount,
        tax=after_tax - before_tax,
    )


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why the invoice is credited."]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [f"The reason may hold at most {REASON_MAX} characters."]})
    return reason


def _whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_lines(
    *, invoice: Invoice, lines: dict[int, InvoiceLine], requested: list
) -> list[tuple[InvoiceLine, int]]:
    """Each requested (line, quantity) checked against what of the line is not yet credited."""
    checked: list[tuple[InvoiceLine, int]] = []
    seen: set[int] = set()
    for index, request in enumerate(requested):
        prefix = f"lines[{index}]"
        try:
            line_ref, quantity = request
        except (TypeError, ValueError) as error:
            raise ValidationFailed({prefix: ["Give each line as an invoice line and a quantity."]}) from error
        line_id = line_ref.pk if isinstance(line_ref, InvoiceLine) else line_ref
        line = lines.get(line_id) if _whole_number(line_id) else None
        if line is None:
            raise ValidationFailed({f"{prefix}.invoice_line": [f"Line {line_id} is not on invoice {invoice.number}."]})
        if line.pk in seen:
            raise ValidationFailed({f"{prefix}.invoice_line": [f"{line.description} appears on two lines; use one."]})
        seen.add(line.pk)
        if not _whole_number(quantity):
            raise ValidationFailed({f"{prefix}.quantity": ["Quantity must be a whole number."]})
        creditable = line.quantity - line.credited_quantity
        if creditable < 1:
            raise ValidationFailed({f"{prefix}.quantity": [f"All of {line.description} is already credited."]})
        if not 1 <= quantity <= creditable:
            raise ValidationFailed(
                {
                    f"{prefix}.quantity": [
                        f"Quantity of {line.description} to credit must be from 1 to {creditable} (not yet credited)."
                    ]
                }
            )
        checked.append((line, quantity))
    return checked


def _whole_lines(*, invoice: Invoice, lines: dict[int, InvoiceLine]) -> list[tuple[InvoiceLine, int]]:
    """Every line's quantity not yet credited."""
    checked = [(line, line.quantity - line.credited_quantity) for line in lines.values()]
    return [(line, quantity) for line, quantity in checked if quantity > 0]


def _check_creditable(invoice: Invoice, lines: dict[int, InvoiceLine]) -> None:
    """Refuse, as a conflict with its state (409, not bad input), an invoice with nothing at all left to credit."""
    if not any(line.credited_quantity < line.quantity for line in lines.values()):
        raise TransitionNotAllowed(f"Invoice {invoice.number} is already credited in full.")
    if invoice.total > 0 and invoice.total - invoice.paid_amount - invoice.credited_amount <= 0:
        raise TransitionNotAllowed(
            f"Invoice {invoice.number} is {invoice.get_status_display()}: the client has paid "
            f"{invoice.paid_amount:,.2f} of it, so nothing is left to credit. Refund the client outside the desk."
        )


def _checked_credit_date(credit_date: date | None, invoice: Invoice) -> date:
    """The credit note's day: today unless given, never before the invoice it credits nor in the future."""
    today = timezone.localdate()
    day = credit_date or today
    # AR aging takes a credit off the balance from its date on: one dated before the invoice would be
    # counted on days the invoice did not exist yet.
    if day < invoice.date:
        raise ValidationFailed(
            {
                "date": [
                    f"The credit note's date, {date_format(day)}, is before invoice {invoice.number} was issued "
                    f"on {date_format(invoice.date)}."
                ]
            }
        )
    if day > today:
        raise ValidationFailed(
            {"date": [f"The credit note's date, {date_format(day)}, is in the future; today is {date_format(today)}."]}
        )
    return day


def _lock(invoice: Invoice) -> tuple[SalesOrder, Invoice, dict[int, InvoiceLine]]:
    """Lock the order, its items, the invoice, then its lines: the order of core.locks, as invoices and voids."""
    held = locks.lock_invoice(invoice, items=True, lines=True)
    return held.order, held.invoice, held.lines


def _invoice_named(*, invoice: Invoice, **_) -> str:
    return f"Invoice {Invoice.objects.filter(pk=invoice.pk).values_list('number', flat=True).get()}"


@money_write(_invoice_named)
def credit_note_create(
    *,
    invoice: Invoice,
    reason: str,
    by: User,
    lines: list | None = None,
    whole: bool = False,
    credit_date: date | None = None,
) -> CreditNote:
    """Credit an issued invoice in whole or by line quantities, returning them to the order to invoice again."""
    if not is_manager(by):
        raise RoleRequired("Only Managers may credit invoices.")
    reason = _clean_reason(reason)
    if whole and lines:
        raise ValidationFailed({"whole": ["Credit the whole invoice or choose lines, not both."]})
    if not whole and not lines:
        raise ValidationFailed({"lines": ["Choose at least one line to credit, or credit the whole invoice."]})
    order, locked, invoice_lines = _lock(invoice)
    if locked.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        what = f"Invoice {locked.number}" if locked.number else "This invoice"
        raise TransitionNotAllowed(
            f"{what} is {locked.get_status_display()}; only an issued invoice that is not void can be credited."
        )
    _check_creditable(locked, invoice_lines)
    if whole:
        checked = _whole_lines(invoice=locked, lines=invoice_lines)
    else:
        checked = _checked_lines(invoice=locked, lines=invoice_lines, requested=list(lines or []))

    credit_note = CreditNote(
        invoice=locked, date=_checked_credit_date(credit_date, locked), reason=reason, issued_by=by
    )
    credit_lines = [credit_line_for(credit_note=credit_note, line=line, quantity=count) for line, count in checked]
    credit_note.subtotal = sum((line.amount for line in credit_lines), start=Decimal("0.00"))
    credit_note.tax = sum((line.tax for line in credit_lines), start=Decimal("0.00"))
    credit_note.total = credit_note.subtotal + credit_note.tax
    field = "whole" if whole else "lines"
    if credit_note.total <= 0:
        raise ValidationFailed({field: ["These lines are worth 0.00; a credit note must credit an amount."]})
    creditable = locked.total - locked.paid_amount - locked.credited_amount
    if credit_note.total > creditable:
        raise ValidationFailed(
            {
                field: [
                    f"This credit of {credit_note.total:,.2f} is more than the {creditable:,.2f} left to credit on "
                    f"invoice {locked.number}: the client has paid {locked.paid_amount:,.2f} of it. "
                    "Credit less, or refund the client outside the desk."
                ]
            }
        )

    # Numbered only now, after every check passed: a refusal leaves no gap in the CN- sequence.
    credit_note.sequence_number = _next_sequence_number()
    credit_note.number = credit_note_number(credit_note.sequence_number)
    credit_note.save()
    CreditNoteLine.objects.bulk_create(credit_lines)
    try:
        with transaction.atomic():
            for line, quantity in checked:
                InvoiceLine.objects.filter(pk=line.pk).update(credited_quantity=F("credited_quantity") + quantity)
                SalesOrderItem.objects.filter(pk=line.sales_order_item_id).update(
                    invoiced_quantity=F("invoiced_quantity") - quantity
                )
            locked.credited_amount += credit_note.total
            locked.save(update_fields=["credited_amount", "updated_at"])
    except IntegrityError as error:  # the database CHECKs are the last guard against over-crediting
        raise ValidationFailed({field: ["These quantities exceed what is left to credit."]}) from error

    activity_record(
        project=order.project,
        subject=credit_note,
        verb="issued credit note",
        by=by,
        to_value=f"{credit_note.total}",
        detail=f"On {locked.number}: {len(credit_lines)} line(s). {reason}",
    )
    sales_order_after_credit(sales_order=order, by=by)
    invoice.credited_amount = locked.credited_amount
    return credit_note


# --- reads ------------------------------------------------------------------------------------------


def invoice_can_credit(invoice: Invoice) -> bool:
    """Whether a credit note could be issued on the invoice now: issued, not void, and something left to credit."""
    return (
        invoice.status not in (Invoice.Status.DRAFT, Invoice.Status.VOID)
        and invoice.total - invoice.paid_amount - invoice.credited_amount > 0
    )


# A credit note's lines, with the invoice line each credits (the API names its sales-order item).
_LINES = CreditNoteLine.objects.select_related("invoice_line").order_by("id")


def credit_notes_for_api() -> QuerySet[CreditNote]:
    """Credit notes with their invoice's number and their lines, oldest change first (for polling)."""
    return (
        CreditNote.objects.select_related("invoice")
        .prefetch_related(Prefetch("lines", queryset=_LINES))
        .order_by("updated_at", "id")
    )


def credit_note_detail(*, pk: int) -> CreditNote:
    """One credit note with everything its page and PDF show."""
    return (
        CreditNote.objects.select_related("invoice__sales_order__project__client", "issued_by")
        .prefetch_related(Prefetch("lines", queryset=_LINES))
        .get(pk=pk)
    )


def credit_notes_of(*, invoice: Invoice) -> list[CreditNote]:
    """The credit notes of an invoice, by number."""
    return list(invoice.credit_notes.order_by("sequence_number"))
