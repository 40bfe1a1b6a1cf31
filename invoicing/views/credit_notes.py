"""Credit notes on the pages: the manager's credit form, the credit note page and its PDF, the invoice page's part."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import Role, is_manager
from core.views import add_domain_error, role_required
from invoicing.credit_note_forms import CreditNoteForm
from invoicing.credit_note_pdf import credit_note_pdf_bytes
from invoicing.credit_notes import credit_note_create, credit_note_detail, credit_notes_of, invoice_can_credit
from invoicing.models import CreditNote, Invoice


def credit_note_context(request: HttpRequest, invoice: Invoice) -> dict:
    """What the invoice page shows of credits: its credit notes, and the Credit… button for managers."""
    if invoice.is_draft:
        return {"credit_notes": [], "can_credit": False}
    return {
        "credit_notes": credit_notes_of(invoice=invoice),
        "can_credit": is_manager(request.user) and invoice_can_credit(invoice),
        "after_credits": invoice.total - invoice.credited_amount,
    }


def _invoice_or_404(pk: int) -> Invoice:
    invoice = Invoice.objects.select_related("sales_order__project").filter(pk=pk).first()
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


def _form_page(
    request: HttpRequest, invoice: Invoice, form: CreditNoteForm | None, *, status: int = 200, refusal: str = ""
) -> HttpResponse:
    context = {
        "invoice": invoice,
        "order": invoice.sales_order,
        "project": invoice.sales_order.project,
        "form": form,
        "rows": form.rows() if form else [],
        "refusal": refusal,
        "creditable_amount": invoice.total - invoice.paid_amount - invoice.credited_amount,
        "nav_section": "projects",
    }
    return render(request, "invoicing/credit_note_form.html", context, status=status)


def _why_not(invoice: Invoice) -> str:
    """Why this invoice cannot be credited now, or ""."""
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        what = f"Invoice {invoice.number}" if invoice.number else "This invoice"
        return f"{what} is {invoice.get_status_display()}; only an issued invoice that is not void can be credited."
    if invoice.credited_amount >= invoice.total:
        return f"Invoice {invoice.number} is already credited in full."
    if invoice.total - invoice.paid_amount - invoice.credited_amount <= 0:
        return (
            f"Invoice {invoice.number} is paid in full ({invoice.paid_amount:,.2f}); nothing is left to credit. "
            "Refund the client outside the desk."
        )
    return ""


@role_required(Role.MANAGERS)
def credit_note_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    refusal = _why_not(invoice)
    if refusal:
        return _form_page(request, invoice, None, status=409, refusal=refusal)
    lines = list(invoice.lines.order_by("id"))
    if request.method != "POST":
        return _form_page(request, invoice, CreditNoteForm(invoice=invoice, lines=lines))
    form = CreditNoteForm(request.POST, invoice=invoice, lines=lines)
    if not form.is_valid():
        return _form_page(request, invoice, form, status=400)
    whole = form.cleaned_data["whole"]
    try:
        note = credit_note_create(
            invoice=invoice,
            whole=whole,
            lines=None if whole else form.line_requests(),
            reason=form.cleaned_data["reason"],
            by=cast(User, request.user),  # role_required let only a signed-in manager in
        )
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    except TransitionNotAllowed as error:
        return _form_page(request, _invoice_or_404(pk), None, status=409, refusal=str(error))
    except ValidationFailed as error:
        # Someone credited or was paid meanwhile: the figures are drawn again with the refusal by its field.
        fresh = _invoice_or_404(pk)
        form = CreditNoteForm(request.POST, invoice=fresh, lines=list(fresh.lines.order_by("id")))
        form.is_valid()
        field_map = {}
        for key in error.errors:
            if key.startswith("lines[") and "]" in key:
                field_map[key] = form.field_for_request(int(key[len("lines[") : key.index("]")])) or "whole"
        # A refusal of the lines together (more than is left to credit) stands above the form.
        add_domain_error(form, error, field_map)
        return _form_page(request, fresh, form, status=400)
    messages.success(
        request,
        f"Issued credit note {note.number} for {note.total:,.2f} on {invoice.number}; "
        f"the credited quantities are back on {invoice.sales_order.number} to invoice again.",
    )
    return redirect(note)


def _credit_note_or_404(pk: int) -> CreditNote:
    try:
        return credit_note_detail(pk=pk)
    except CreditNote.DoesNotExist as error:
        raise Http404("No such credit note.") from error


@login_required
def credit_note_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    note = _credit_note_or_404(pk)
    invoice = note.invoice
    context = {
        "note": note,
        "invoice": invoice,
        "order": invoice.sales_order,
        "project": invoice.sales_order.project,
        "lines": list(note.lines.all()),
        "after_credits": invoice.total - invoice.credited_amount,
        "nav_section": "projects",
    }
    return render(request, "invoicing/credit_note_detail.html", context)


@login_required
def credit_note_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    note = _credit_note_or_404(pk)
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response = HttpResponse(credit_note_pdf_bytes(note), content_type="application/pdf")
    response["Content-Disposition"] = f'{disposition}; filename="{note.number}.pdf"'
    return response
