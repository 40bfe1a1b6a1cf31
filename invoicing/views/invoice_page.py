"""The invoice page: the invoice, its payments and credit notes, and the actions its state allows.

The invoice, payment and credit note views each render it again with a refused form in place.
"""

from decimal import Decimal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.roles import Role, has_role, is_manager
from invoicing.client_links import client_link_token
from invoicing.forms import InvoiceMarkUndoForm, InvoiceVoidForm
from invoicing.models import Invoice
from invoicing.services.marks import INVOICE_STATUS_MOVES
from invoicing.views.credit_notes import credit_note_context
from invoicing.views.payment_section import payment_context
from projects.models import SalesOrder
from projects.selectors import sales_order_detail


def _issue_question(*, order_number: str, total: Decimal, remaining_after: Decimal, is_final: bool) -> str:
    """What issuing is asked with: the invoice's total and what will remain to invoice after it."""
    if is_final:
        return f"Issue the final invoice for {total:,.2f}? Nothing will remain to invoice on {order_number}."
    return (
        f"Issue an invoice for {total:,.2f}? After it, {remaining_after:,.2f} (net) will remain to invoice "
        f"on {order_number}."
    )


def _invoice_or_404(pk: int) -> Invoice:
    invoice = (
        Invoice.objects.select_related("sales_order__project__client", "issued_by")
        .prefetch_related("lines")
        .filter(pk=pk)
        .first()
    )
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


def _position(invoice: Invoice) -> tuple[int | None, int]:
    """Where the invoice stands among its order's invoices that are not void, by number: (2, 2)."""
    counted = list(
        Invoice.objects.filter(sales_order_id=invoice.sales_order_id)
        .exclude(status__in=(Invoice.Status.VOID, Invoice.Status.DRAFT))
        .order_by("sequence_number")
        .values_list("pk", flat=True)
    )
    position = counted.index(invoice.pk) + 1 if invoice.pk in counted else None
    return position, len(counted)


def _mark_question(invoice: Invoice, status: str) -> str:
    label = Invoice.Status(status).label.lower()
    question = (
        f"Mark {invoice.number} {label}? It can no longer be voided once {label}. "
        "A manager can undo the mark today only."
    )
    if status == Invoice.Status.PAID and invoice.balance_due > 0:
        # Marking paid records the money as received, so the books stay true (invoicing.payments).
        question += f" This records a payment of {invoice.balance_due:,.2f}, the balance due, dated today."
    return question


def _undoable_mark(invoice: Invoice) -> str:
    """The label of the mark a manager may still undo today, or ""."""
    marked_at = {Invoice.Status.EXPORTED: invoice.exported_at, Invoice.Status.PAID: invoice.paid_at}.get(invoice.status)
    if marked_at is None or timezone.localdate(marked_at) != timezone.localdate():
        return ""
    return invoice.get_status_display()


def _draft_issue_question(draft: Invoice, order: SalesOrder) -> str:
    """Issuing a draft asks with its total and what will remain on the order as it stands now."""
    lines = list(draft.lines.all())
    return _issue_question(
        order_number=order.number,
        total=draft.total,
        remaining_after=order.remaining_amount - sum((line.amount for line in lines), start=Decimal("0.00")),
        is_final=order.remaining_quantity == sum(line.quantity for line in lines),
    )


def _invoice_page(
    request: HttpRequest,
    invoice: Invoice,
    *,
    void_form=None,
    undo_form=None,
    payment_form=None,
    payment_undo_form=None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    invoicing = has_role(user, Role.INVOICING)
    position, position_of = _position(invoice)
    order = sales_order_detail(pk=invoice.sales_order_id)
    client_link = ""
    if invoice.status not in (Invoice.Status.VOID, Invoice.Status.DRAFT):
        client_link = request.build_absolute_uri(reverse("invoice-client-view", args=[client_link_token(invoice)]))
    context = {
        "invoice": invoice,
        "order": order,
        "project": order.project,
        "client": invoice.bill_to,
        "lines": list(invoice.lines.all()),
        "position": position,
        "position_of": position_of,
        "can_send": invoicing and invoice.can_send,
        "status_moves": [
            (status, Invoice.Status(status).label, _mark_question(invoice, status))
            for status in (Invoice.Status.EXPORTED, Invoice.Status.PAID)
            if invoicing and status in INVOICE_STATUS_MOVES[invoice.status]
        ],
        # An invoice with payments is never voided (invoice_void refuses it), so the page does not offer it.
        "can_void": is_manager(user) and invoice.can_void and not invoice.paid_amount,
        "void_form": void_form or InvoiceVoidForm(),
        "undo_mark": _undoable_mark(invoice) if is_manager(user) else "",
        "draft_issue_question": _draft_issue_question(invoice, order) if invoice.is_draft else "",
        "can_write_draft": invoicing and invoice.is_draft,
        "undo_form": undo_form or InvoiceMarkUndoForm(),
        "client_link": client_link,
        "link_days": settings.CLIENT_LINK_MAX_AGE_DAYS,
        "terms_days": (invoice.due_date - invoice.date).days,
        **payment_context(request, invoice, payment_form=payment_form, payment_undo_form=payment_undo_form),
        **credit_note_context(request, invoice),
        "nav_section": "projects",
    }
    return render(request, "invoicing/invoice_detail.html", context, status=status)
