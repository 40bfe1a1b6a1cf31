"""The invoicing rep's pages: create an invoice, the invoice page and its actions, the client's link."""

import logging

from celery import current_app
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.recent import recent_record
from core.errors import DomainError, RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import Role, has_role, is_manager
from core.views import add_domain_error, report_domain_error, role_required
from invoicing.client_links import invoice_for_token
from invoicing.forms import STALE_FORM, InvoiceCreateForm, InvoiceMarkUndoForm, InvoiceVoidForm
from invoicing.models import Invoice
from invoicing.pdf import invoice_pdf_bytes
from invoicing.services.drafts import invoice_draft_delete, invoice_draft_issue, invoice_draft_update
from invoicing.services.issue import InvoiceFiguresChanged, invoice_create, order_state
from invoicing.services.marks import INVOICE_STATUS_MOVES, invoice_mark_undo, invoice_status_change
from invoicing.services.sending import invoice_send
from invoicing.services.void import invoice_void
from invoicing.views.invoice_page import (
    _draft_issue_question,
    _invoice_or_404,
    _invoice_page,
    _issue_question,
    _mark_question,
)
from projects.models import CompanySettings, SalesOrder, SalesOrderItem
from projects.selectors import sales_order_detail
from purchasing.figures import not_shipped_warnings

logger = logging.getLogger(__name__)


# --- create ---------------------------------------------------------------------------------------


def _order_or_404(pk: int) -> SalesOrder:
    try:
        return sales_order_detail(pk=pk)
    except SalesOrder.DoesNotExist as error:
        raise Http404("No such sales order.") from error


def _invoices_by_number(order: SalesOrder) -> list[Invoice]:
    return list(order.invoices.exclude(status=Invoice.Status.DRAFT).order_by("sequence_number"))


def _not_ready(request: HttpRequest, order: SalesOrder, *, submitted: bool) -> HttpResponse:
    """The create page when the order is not Ready to be Invoiced: say why, and nothing else."""
    context = {
        "order": order,
        "project": order.project,
        "invoices": _invoices_by_number(order),
        "submitted": submitted,
        "nav_section": "projects",
    }
    return render(request, "invoicing/invoice_create_not_ready.html", context, status=409)


def _create_page(
    request: HttpRequest,
    order: SalesOrder,
    form: InvoiceCreateForm,
    *,
    status: int = 200,
    page_error: str = "",
    draft: Invoice | None = None,
) -> HttpResponse:
    rows = form.rows()
    preview = InvoiceCreateForm.preview(rows)
    issue_question = ""
    # Quantities typed above what is ready, on POs whose goods have not shipped: said, with the PO, not refused.
    warnings = _not_shipped(order, rows)
    if preview.has_lines:
        issue_question = " ".join(
            [
                _issue_question(
                    order_number=order.number,
                    total=preview.total,
                    remaining_after=preview.remaining_amount_after,
                    is_final=preview.is_final,
                ),
                *warnings,
            ]
        )
    form_action = reverse("invoice-edit", args=[draft.pk]) if draft else reverse("invoice-create", args=[order.pk])
    context = {
        "page_error": page_error,
        "order": order,
        "project": order.project,
        "form": form,
        "rows": rows,
        "preview": preview,
        "issue_question": issue_question,
        "not_shipped_warnings": warnings,
        "invoices": _invoices_by_number(order),
        "drafts": [] if draft else list(order.invoices.filter(status=Invoice.Status.DRAFT).order_by("pk")),
        "draft": draft,
        "form_action": form_action,
        "nav_section": "projects",
    }
    return render(request, "invoicing/invoice_create.html", context, status=status)


def _not_shipped(order: SalesOrder, rows) -> list[str]:
    return not_shipped_warnings(sales_order_id=order.pk, quantities=[(row.item, row.proposed) for row in rows])


def _rows_with_remaining(order: SalesOrder) -> list[SalesOrderItem]:
    return [item for item in order.items.all() if item.remaining > 0]


def _newer_invoices(order: SalesOrder) -> str:
    numbers = [invoice.number for invoice in _invoices_by_number(order)]
    if not numbers:
        return "another invoice"
    return f"invoice {numbers[-1]}" if len(numbers) == 1 else f"invoices up to {numbers[-1]}"


def _posted_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The form's fields as posted, to send again from the confirmation page."""
    skipped = {"csrfmiddlewaretoken", "confirm", "back"}
    return [(name, value) for name, values in request.POST.lists() if name not in skipped for value in values]


@role_required(Role.INVOICING)
def invoice_create_view(request: HttpRequest, sales_order_pk: int) -> HttpResponse:
    order = _order_or_404(sales_order_pk)
    if order.status != SalesOrder.Status.READY_TO_BE_INVOICED:
        return _not_ready(request, order, submitted=request.method == "POST")
    items = _rows_with_remaining(order)
    state = order_state(list(order.items.all()))
    if request.method != "POST":
        return _create_page(request, order, InvoiceCreateForm(items=items, state=state))
    return _invoice_form_post(request, order, InvoiceCreateForm(request.POST, items=items, state=state))


@role_required(Role.INVOICING)
def invoice_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _invoice_or_404(pk)
    if not draft.is_draft:
        messages.error(request, f"Invoice {draft.number} is {draft.get_status_display()}; only a draft can be edited.")
        return redirect(draft)
    order = _order_or_404(draft.sales_order_id)
    if order.status != SalesOrder.Status.READY_TO_BE_INVOICED:
        return _not_ready(request, order, submitted=request.method == "POST")
    items = _rows_with_remaining(order)
    state = order_state(list(order.items.all()))
    if request.method != "POST":
        drafted = {line.sales_order_item_id: line.quantity for line in draft.lines.all()}
        return _create_page(request, order, InvoiceCreateForm(items=items, state=state, drafted=drafted), draft=draft)
    return _invoice_form_post(request, order, InvoiceCreateForm(request.POST, items=items, state=state), draft=draft)


def _invoice_form_post(
    request: HttpRequest, order: SalesOrder, form: InvoiceCreateForm, *, draft: Invoice | None = None
) -> HttpResponse:
    """Save the create form as a draft, or issue it once the rep has confirmed the total and what remains."""
    if not form.is_valid():
        return _create_page(request, order, form, status=400, draft=draft)
    if request.POST.get("back") == "1":
        return _create_page(request, order, form, draft=draft)
    saving_draft = request.POST.get("action") == "draft"
    if not saving_draft and request.POST.get("confirm") != "1":
        # The page's dialog sets confirm=1; without JavaScript the question is asked on a page of its own.
        rows = form.rows()
        preview = InvoiceCreateForm.preview(rows)
        question = _issue_question(
            order_number=order.number,
            total=preview.total,
            remaining_after=preview.remaining_amount_after,
            is_final=preview.is_final,
        )
        return _confirm_page(
            request,
            title=f"Issue an invoice on {order.number}?",
            question=" ".join([question, *_not_shipped(order, rows)]),
            action=request.path,
            fields=_posted_fields(request),
            confirm_label="Issue invoice",
            back_submits=True,
        )
    # The service checks the figures the rep saw against the committed ones under the order's lock, so a
    # second tab's submit finds them changed and issues nothing (InvoiceFiguresChanged).
    seen_state = form.cleaned_data["state"]
    warnings = [] if saving_draft else _not_shipped(order, form.rows())
    try:
        lines = form.line_requests()
        if draft is None:
            invoice = invoice_create(
                sales_order=order, lines=lines, by=request.user, draft=saving_draft, seen_state=seen_state
            )
        elif saving_draft:
            invoice = invoice_draft_update(invoice=draft, lines=lines, by=request.user, seen_state=seen_state)
        else:
            invoice = invoice_draft_issue(invoice=draft, lines=lines, by=request.user, seen_state=seen_state)
    except InvoiceFiguresChanged:
        fresh = _order_or_404(order.pk)
        if fresh.status != SalesOrder.Status.READY_TO_BE_INVOICED:
            return _not_ready(request, fresh, submitted=True)
        form = InvoiceCreateForm(items=_rows_with_remaining(fresh), state=order_state(list(fresh.items.all())))
        stale = STALE_FORM.format(invoices=_newer_invoices(fresh), order=fresh.number)
        return _create_page(request, fresh, form, status=409, page_error=stale, draft=draft)
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    except TransitionNotAllowed as error:
        if draft is not None and not Invoice.objects.filter(pk=draft.pk, status=Invoice.Status.DRAFT).exists():
            messages.error(request, str(error))  # issued or deleted in another tab meanwhile
            return redirect(draft) if Invoice.objects.filter(pk=draft.pk).exists() else redirect(order)
        return _not_ready(request, _order_or_404(order.pk), submitted=True)
    except ValidationFailed as error:
        field_map = {}
        for key in error.errors:
            if key.startswith("lines[") and "]" in key:
                index = int(key[len("lines[") : key.index("]")])
                field_map[key] = form.field_for_line(index) or key
        add_domain_error(form, error, field_map)
        return _create_page(request, order, form, status=400, draft=draft)
    if saving_draft:
        messages.success(
            request,
            f"Saved a draft invoice for {invoice.total:,.2f} on {order.number}; it takes a number when it is issued.",
        )
        return redirect(invoice)
    kind = "final" if invoice.kind == Invoice.Kind.FINAL else "partial"
    messages.success(request, f"Issued {kind} invoice {invoice.number} for {invoice.total:,.2f}.")
    for warning in warnings:
        messages.warning(request, f"Invoiced by hand: {warning}")
    return redirect(invoice)


# --- the invoice page and its actions -------------------------------------------------------------


@login_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    recent_record(
        user=request.user,
        subject=invoice,
        number=invoice.number or "Draft invoice",
        name=invoice.sales_order.project.client.name,
        url=invoice.get_absolute_url(),
    )
    return _invoice_page(request, invoice)


def _pdf_response(invoice: Invoice, *, disposition: str) -> HttpResponse:
    response = HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'{disposition}; filename="{invoice.number}.pdf"'
    return response


@login_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    # Opened in the browser's own viewer by default; the page's Download button asks for a file.
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    invoice = _invoice_or_404(pk)
    if invoice.is_draft:
        raise Http404("A draft invoice has no PDF until it is issued.")
    return _pdf_response(invoice, disposition=disposition)


@login_required
@require_POST
def invoice_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    email = invoice.sales_order.project.client.billing_email
    try:
        invoice_send(invoice=invoice, by=request.user)
    except DomainError as error:
        report_domain_error(request, error)
        return redirect(invoice)
    invoice.refresh_from_db(fields=["email_state"])
    # Once the send has committed, its email was queued (or, with tasks run in the request, sent).
    committed = not transaction.get_connection().in_atomic_block
    if committed and invoice.email_state == Invoice.EmailState.SENT:
        messages.success(request, f"Invoice {invoice.number} was emailed to {email}; it is now Sent to Client.")
    elif committed and invoice.email_state == Invoice.EmailState.PENDING and current_app.conf.task_always_eager:
        # Tasks run in the request, so a pending email here means the mail server refused it just now.
        messages.error(
            request,
            f"Invoice {invoice.number} is marked Sent to Client but the email to {email} could not be sent "
            "just now. Try Email to client again in a few minutes.",
        )
    else:
        messages.success(request, f"Invoice {invoice.number} is being emailed to {email}; it is now Sent to Client.")
    return redirect(invoice)


@login_required
@require_POST
def invoice_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    status = request.POST.get("status", "")
    # Only a move that would be made is asked about; any other goes on to be refused with its reason.
    confirmable = status in INVOICE_STATUS_MOVES[invoice.status] and has_role(request.user, Role.INVOICING)
    if confirmable and request.POST.get("confirm") != "1":
        # The page's dialog sets confirm=1; without JavaScript the question is asked on a page of its own.
        return _confirm_page(
            request,
            title=f"Mark {invoice.number} {Invoice.Status(status).label.lower()}?",
            question=_mark_question(invoice, status),
            action=reverse("invoice-status", args=[invoice.pk]),
            fields=[("status", status)],
            confirm_label=f"Mark {Invoice.Status(status).label.lower()}",
            back_url=invoice.get_absolute_url(),
        )
    try:
        invoice_status_change(invoice=invoice, status=status, by=request.user)
    except DomainError as error:
        report_domain_error(request, error)
    else:
        messages.success(request, f"Invoice {invoice.number} is now {Invoice.Status(status).label}.")
    return redirect(invoice)


@login_required
@require_POST
def invoice_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    if not is_manager(request.user):
        raise PermissionDenied("Only Managers may undo a mark.")
    form = InvoiceMarkUndoForm(request.POST)
    if not form.is_valid():
        return _invoice_page(request, invoice, undo_form=form, status=400)
    mark = invoice.get_status_display()
    try:
        invoice_mark_undo(invoice=invoice, reason=form.cleaned_data["reason"], by=request.user)
    except ValidationFailed as error:
        add_domain_error(form, error)
        return _invoice_page(request, invoice, undo_form=form, status=400)
    except TransitionNotAllowed as error:
        # Shown on the page it refuses, with the 409 the API answers too.
        messages.error(request, str(error))
        return _invoice_page(request, _invoice_or_404(pk), status=409)
    messages.success(
        request, f"Invoice {invoice.number} is {invoice.get_status_display()} again: the {mark} mark was undone."
    )
    return redirect(invoice)


def _confirm_page(
    request: HttpRequest,
    *,
    title: str,
    question: str,
    action: str,
    fields: list[tuple[str, str]],
    confirm_label: str,
    back_url: str = "",
    back_submits: bool = False,
) -> HttpResponse:
    """Ask before an action that cannot simply be taken back; the answer posts the same fields with confirm=1."""
    context = {
        "title": title,
        "question": question,
        "action": action,
        "fields": fields,
        "confirm_label": confirm_label,
        "back_url": back_url,
        "back_submits": back_submits,
        "nav_section": "projects",
    }
    return render(request, "invoicing/confirm.html", context)


@role_required(Role.INVOICING)
@require_POST
def invoice_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    if invoice.is_draft and request.POST.get("confirm") != "1":
        return _confirm_page(
            request,
            title=f"Issue the draft invoice on {invoice.sales_order.number}?",
            question=_draft_issue_question(invoice, sales_order_detail(pk=invoice.sales_order_id)),
            action=reverse("invoice-issue", args=[invoice.pk]),
            fields=[],
            confirm_label="Issue invoice",
            back_url=invoice.get_absolute_url(),
        )
    try:
        issued = invoice_draft_issue(invoice=invoice, by=request.user)
    except DomainError as error:
        report_domain_error(request, error)
        return redirect(invoice)
    kind = "final" if issued.kind == Invoice.Kind.FINAL else "partial"
    messages.success(request, f"Issued {kind} invoice {issued.number} for {issued.total:,.2f}.")
    return redirect(issued)


@role_required(Role.INVOICING)
@require_POST
def invoice_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    order = invoice.sales_order
    what = f"the draft invoice for {invoice.total:,.2f} on {order.number}"
    if invoice.is_draft and request.POST.get("confirm") != "1":
        return _confirm_page(
            request,
            title=f"Delete the draft invoice on {order.number}?",
            question=f"Delete this draft invoice for {invoice.total:,.2f} on {order.number}? "
            "Its lines are discarded; nothing was invoiced with it.",
            action=reverse("invoice-delete", args=[invoice.pk]),
            fields=[],
            confirm_label="Delete draft",
            back_url=invoice.get_absolute_url(),
        )
    try:
        invoice_draft_delete(invoice=invoice, by=request.user)
    except DomainError as error:
        report_domain_error(request, error)
        return redirect(invoice)
    messages.success(request, f"Deleted {what}.")
    return redirect(order)


@login_required
@require_POST
def invoice_void_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    if not is_manager(request.user):
        raise PermissionDenied("Only Managers may void invoices.")
    form = InvoiceVoidForm(request.POST)
    if not form.is_valid():
        return _invoice_page(request, invoice, void_form=form, status=400)
    try:
        invoice_void(invoice=invoice, reason=form.cleaned_data["reason"], by=request.user)
    except ValidationFailed as error:
        add_domain_error(form, error)
        return _invoice_page(request, invoice, void_form=form, status=400)
    except DomainError as error:
        report_domain_error(request, error)
        return redirect(invoice)
    order = invoice.sales_order
    messages.success(
        request, f"Invoice {invoice.number} is void; its quantities are back on {order.number} to invoice again."
    )
    return redirect(invoice)


# --- the client's link ----------------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    # The token is the key to the invoice: keep it out of referrers, search engines and shared caches.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def _client_not_found(request: HttpRequest) -> HttpResponse:
    # Rendered here rather than raised, so even a DEBUG server shows nothing but "not found".
    return _private(render(request, "invoicing/client_not_found.html", status=404))


def invoice_client_view(request: HttpRequest, token: str) -> HttpResponse:
    invoice = invoice_for_token(token)
    if invoice is None:
        return _client_not_found(request)
    company = CompanySettings.load()
    context = {
        "invoice": invoice,
        "order": invoice.sales_order,
        "client": invoice.bill_to,
        "lines": list(invoice.lines.all()),
        "token": token,
        "distributor_name": company.name,
        "distributor_address": company.address,
    }
    return _private(render(request, "invoicing/invoice_client.html", context))


def invoice_client_pdf(request: HttpRequest, token: str) -> HttpResponse:
    invoice = invoice_for_token(token)
    if invoice is None:
        return _client_not_found(request)
    return _private(_pdf_response(invoice, disposition="attachment"))
