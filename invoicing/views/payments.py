"""The invoice page's payments: the table and balance due, Record payment, and a manager's same-day take-back."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import Role
from core.views import add_domain_error, role_required
from invoicing.models import Invoice, Payment
from invoicing.payment_forms import PaymentForm, PaymentUndoForm, payment_label
from invoicing.payments import (
    invoice_payments,
    money_text,
    payment_can_undo,
    payment_record,
    payment_undo,
)
from invoicing.views import invoice_page


def _invoice_or_404(pk: int) -> Invoice:
    return invoice_page._invoice_or_404(pk)


def _page(request: HttpRequest, pk: int, *, status: int, **forms) -> HttpResponse:
    """The invoice page again, with the refused form and its errors next to the fields."""
    return invoice_page._invoice_page(request, _invoice_or_404(pk), status=status, **forms)


@role_required(Role.INVOICING)
@require_POST
def invoice_payment_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    form = PaymentForm(request.POST, invoice=invoice)
    if not form.is_valid():
        return _page(request, pk, status=400, payment_form=form)
    data = form.cleaned_data
    try:
        payment = payment_record(
            invoice=invoice,
            date=data["date"],
            amount=data["amount"],
            method=data["method"],
            reference=data["reference"],
            by=cast(User, request.user),  # role_required let only a signed-in user in
        )
    except ValidationFailed as error:
        add_domain_error(form, error)
        return _page(request, pk, status=400, payment_form=form)
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
        return _page(request, pk, status=409)
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    if invoice.status == Invoice.Status.PAID:
        messages.success(request, f"Recorded {money_text(payment.amount)} on {invoice.number}; it is now Paid.")
    else:
        messages.success(
            request,
            f"Recorded {money_text(payment.amount)} on {invoice.number}; "
            f"{money_text(invoice.balance_due)} is still due.",
        )
    return redirect(reverse("invoice-detail", args=[invoice.pk]) + "#payments")


@role_required(Role.MANAGERS)
@require_POST
def invoice_payment_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    undoable = [payment for payment in invoice_payments(invoice=invoice) if payment_can_undo(payment)]
    form = PaymentUndoForm(request.POST, payments=undoable)
    if not form.is_valid():
        return _page(request, pk, status=400, payment_undo_form=form)
    payment = Payment.objects.get(pk=form.cleaned_data["payment"])
    label = payment_label(payment)
    try:
        undone = payment_undo(payment=payment, reason=form.cleaned_data["reason"], by=cast(User, request.user))
    except ValidationFailed as error:
        add_domain_error(form, error)
        return _page(request, pk, status=400, payment_undo_form=form)
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
        return _page(request, pk, status=409)
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    messages.success(
        request,
        f"Took back the payment of {label} on {undone.number}; "
        f"{money_text(undone.balance_due)} is due and it is {undone.get_status_display()}.",
    )
    return redirect(reverse("invoice-detail", args=[invoice.pk]) + "#payments")
