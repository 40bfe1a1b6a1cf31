"""The invoicing rep's pages: create an invoice, the invoice page and its actions, the client's link."""

import logging

from celery import current_app
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from invoicing.client_links import client_link_token, invoice_for_token
from invoicing.forms import STALE_FORM, InvoiceCreateForm, InvoiceMarkUndoForm, InvoiceVoidForm, order_state
from invoicing.models import Invoice
from invoicing.pdf import invoice_pdf_bytes
from invoicing.services import (
    INVOICE_STATUS_MOVES,
    invoice_create,
    invoice_mark_undo,
    invoice_send,
    invoice_status_change,
    invoice_void,
)
from projects.errors import DomainError, RoleRequired, TransitionNotAllowed, ValidationFailed
from projects.models import SalesOrder, SalesOrderItem
from projects.roles import Role, has_role, is_manager
from projects.selectors import sales_order_detail
from projects.views.common import add_domain_error, report_domain_error, role_required

logger = logging.getLogger(__name__)


class _FormIsStale(Exception):
    """Someone invoiced or voided on this order after the form was drawn."""


# --- create ---------------------------------------------------------------------------------------


def _order_or_404(pk: int) -> SalesOrder:
    try:
        return sales_order_detail(pk=pk)
    except SalesOrder.DoesNotExist as error:
        raise Http404("No such sales order.") from error


def _invoices_by_number(order: SalesOrder) -> list[Invoice]:
    return list(order.invoices.order_by("sequence_number"))


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
    request: HttpRequest, order: SalesOrder, form: InvoiceCreateForm, *, status: int = 200, page_error: str = ""
) -> HttpResponse:
    rows = form.rows()
    context = {
        "page_error": page_error,
        "order": order,
        "project": order.project,
        "form": form,
        "rows": rows,
        "preview": InvoiceCreateForm.preview(rows),
        "invoices": _invoices_by_number(order),
        "nav_section": "projects",
    }
    return render(request, "invoicing/invoice_create.html", context, status=status)


def _rows_with_remaining(order: SalesOrder) -> list[SalesOrderItem]:
    return [item for item in order.items.all() if item.remaining > 0]


def _current_state(order_pk: int) -> str:
    return order_state(list(SalesOrderItem.objects.filter(sales_order_id=order_pk).order_by("position", "id")))


def _newer_invoices(order: SalesOrder) -> str:
    numbers = [invoice.number for invoice in _invoices_by_number(order)]
    if not numbers:
        return "another invoice"
    return f"invoice {numbers[-1]}" if len(numbers) == 1 else f"invoices up to {numbers[-1]}"


@role_required(Role.INVOICING)
def invoice_create_view(request: HttpRequest, sales_order_pk: int) -> HttpResponse:
    order = _order_or_404(sales_order_pk)
    if order.status != SalesOrder.Status.READY_TO_BE_INVOICED:
        return _not_ready(request, order, submitted=request.method == "POST")
    items = _rows_with_remaining(order)
    state = order_state(list(order.items.all()))
    if request.method != "POST":
        return _create_page(request, order, InvoiceCreateForm(items=items, state=state))

    form = InvoiceCreateForm(request.POST, items=items, state=state)
    if not form.is_valid():
        return _create_page(request, order, form, status=400)
    try:
        with transaction.atomic():
            # The same lock the service takes, taken first so the figures the rep saw can be checked
            # against the committed ones: a second tab's submit finds them changed and issues nothing.
            SalesOrder.objects.select_for_update().get(pk=order.pk)
            seen_state = form.cleaned_data["state"]
            if seen_state and seen_state != _current_state(order.pk):
                raise _FormIsStale
            invoice = invoice_create(sales_order=order, lines=form.line_requests(), by=request.user)
    except _FormIsStale:
        fresh = _order_or_404(order.pk)
        if fresh.status != SalesOrder.Status.READY_TO_BE_INVOICED:
            return _not_ready(request, fresh, submitted=True)
        form = InvoiceCreateForm(items=_rows_with_remaining(fresh), state=order_state(list(fresh.items.all())))
        stale = STALE_FORM.format(invoices=_newer_invoices(fresh), order=fresh.number)
        return _create_page(request, fresh, form, status=409, page_error=stale)
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    except TransitionNotAllowed:
        return _not_ready(request, _order_or_404(order.pk), submitted=True)
    except ValidationFailed as error:
        field_map = {}
        for key in error.errors:
            if key.startswith("lines[") and "]" in key:
                index = int(key[len("lines[") : key.index("]")])
                field_map[key] = form.field_for_line(index) or key
        add_domain_error(form, error, field_map)
        return _create_page(request, order, form, status=400)
    kind = "final" if invoice.kind == Invoice.Kind.FINAL else "partial"
    messages.success(request, f"Issued {kind} invoice {invoice.number} for {invoice.total:,.2f}.")
    return redirect(invoice)


# --- the invoice page and its actions -------------------------------------------------------------


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
        .exclude(status=Invoice.Status.VOID)
        .order_by("sequence_number")
        .values_list("pk", flat=True)
    )
    position = counted.index(invoice.pk) + 1 if invoice.pk in counted else None
    return position, len(counted)


def _mark_question(invoice: Invoice, status: str) -> str:
    label = Invoice.Status(status).label.lower()
    return (
        f"Mark {invoice.number} {label}? It can no longer be voided once {label}. "
        "A manager can undo the mark today only."
    )


def _undoable_mark(invoice: Invoice) -> str:
    """The label of the mark a manager may still undo today, or ""."""
    marked_at = {Invoice.Status.EXPORTED: invoice.exported_at, Invoice.Status.PAID: invoice.paid_at}.get(invoice.status)
    if marked_at is None or timezone.localdate(marked_at) != timezone.localdate():
        return ""
    return invoice.get_status_display()


def _invoice_page(
    request: HttpRequest, invoice: Invoice, *, void_form=None, undo_form=None, status: int = 200
) -> HttpResponse:
    user = request.user
    invoicing = has_role(user, Role.INVOICING)
    position, position_of = _position(invoice)
    order = sales_order_detail(pk=invoice.sales_order_id)
    client_link = ""
    if invoice.status != Invoice.Status.VOID:
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
        "can_void": is_manager(user) and invoice.can_void,
        "void_form": void_form or InvoiceVoidForm(),
        "undo_mark": _undoable_mark(invoice) if is_manager(user) else "",
        "undo_form": undo_form or InvoiceMarkUndoForm(),
        "client_link": client_link,
        "link_days": settings.CLIENT_LINK_MAX_AGE_DAYS,
        "terms_days": (invoice.due_date - invoice.date).days,
        "nav_section": "projects",
    }
    return render(request, "invoicing/invoice_detail.html", context, status=status)


@login_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_page(request, _invoice_or_404(pk))


def _pdf_response(invoice: Invoice, *, disposition: str) -> HttpResponse:
    response = HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'{disposition}; filename="{invoice.number}.pdf"'
    return response


@login_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    # Opened in the browser's own viewer by default; the page's Download button asks for a file.
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    return _pdf_response(_invoice_or_404(pk), disposition=disposition)


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
) -> HttpResponse:
    """Ask before an action that cannot simply be taken back; the answer posts the same fields with confirm=1."""
    context = {
        "title": title,
        "question": question,
        "action": action,
        "fields": fields,
        "confirm_label": confirm_label,
        "back_url": back_url,
        "nav_section": "projects",
    }
    return render(request, "invoicing/confirm.html", context)


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
    context = {
        "invoice": invoice,
        "order": invoice.sales_order,
        "client": invoice.bill_to,
        "lines": list(invoice.lines.all()),
        "token": token,
        "distributor_name": settings.DISTRIBUTOR_NAME,
        "distributor_address": settings.DISTRIBUTOR_ADDRESS,
    }
    return _private(render(request, "invoicing/invoice_client.html", context))


def invoice_client_pdf(request: HttpRequest, token: str) -> HttpResponse:
    invoice = invoice_for_token(token)
    if invoice is None:
        return _client_not_found(request)
    return _private(_pdf_response(invoice, disposition="attachment"))
