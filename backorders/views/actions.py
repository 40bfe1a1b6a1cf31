"""Resolve, cancel or re-date one open backorder, from the purchase-order page or the backorders report."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from backorders.forms import BackorderCancelForm, BackorderExpectedDateForm, BackorderResolveForm
from backorders.models import Backorder
from backorders.services import backorder_cancel, backorder_expected_date_change, backorder_resolve
from backorders.views.purchase_orders import purchase_order_or_404, purchase_order_page
from core.errors import DomainError, RoleRequired, TransitionNotAllowed
from core.roles import Role
from core.views import add_domain_error, report_domain_error, role_required
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder


def _backorder_or_404(pk: int) -> Backorder:
    try:
        return Backorder.objects.select_related("purchase_order", "purchase_order_item__sales_order_item").get(pk=pk)
    except Backorder.DoesNotExist as error:
        raise Http404("No such backorder.") from error


def _next_url(request: HttpRequest, backorder: Backorder) -> str:
    """Go back where the button was (the report passes `next`), else to the backorder's PO."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return backorder.purchase_order.get_absolute_url()


def _label(backorder: Backorder) -> str:
    return f"{backorder.quantity} × {backorder.purchase_order_item.sales_order_item.description}"


@role_required(Role.PRODUCTION)
@require_POST
def backorder_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Resolve a backorder once the user confirmed it, and move its PO on if they ticked that too."""
    backorder = _backorder_or_404(pk)
    form = BackorderResolveForm(request.POST, backorder=backorder, offers_ready_for_billing=True)
    form.is_valid()  # a checkbox: anything but a tick reads as no tick
    ready_for_billing = form.cleaned_data.get("ready_for_billing", False)
    order_before = SalesOrder.objects.values_list("status", flat=True).get(pk=backorder.purchase_order.sales_order_id)
    try:
        backorder_resolve(backorder=backorder, by=request.user, ready_for_billing=ready_for_billing)
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    except TransitionNotAllowed as error:
        # Already resolved or cancelled: its confirmation is gone from the page, so say it on top.
        report_domain_error(request, error)
        return redirect(_next_url(request, backorder))
    except DomainError as error:
        form.add_service_error(error)
        po = purchase_order_or_404(backorder.purchase_order_id)
        return purchase_order_page(request, po, resolve_form=form, http_status=400)
    sentences = [f"Backorder of {_label(backorder)} on {backorder.purchase_order.number} is resolved."]
    if ready_for_billing:
        order = SalesOrder.objects.get(pk=backorder.purchase_order.sales_order_id)
        moved = (
            f"sales order {order.number} moved to {order.get_status_display()}"
            if order.status != order_before
            else f"sales order {order.number} stays {order.get_status_display()}"
        )
        sentences.append(
            f"{backorder.purchase_order.number} moved to {PurchaseOrder.Stage.READY_FOR_BILLING.label}; {moved}."
        )
    messages.success(request, " ".join(sentences))
    return redirect(_next_url(request, backorder))


@role_required(Role.PRODUCTION)
@require_POST
def backorder_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    backorder = _backorder_or_404(pk)
    form = BackorderCancelForm(request.POST, prefix=f"cancel-{backorder.pk}")
    if form.is_valid():
        try:
            backorder_cancel(backorder=backorder, reason=form.cleaned_data["reason"], by=request.user)
        except RoleRequired as error:
            raise PermissionDenied(str(error)) from error
        except TransitionNotAllowed as error:
            # Already resolved or cancelled: its cancel form is gone from the page, so say it on top.
            report_domain_error(request, error)
            return redirect(_next_url(request, backorder))
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(
                request,
                f"Backorder of {_label(backorder)} on {backorder.purchase_order.number} is cancelled; "
                "that quantity is no longer to invoice.",
            )
            return redirect(_next_url(request, backorder))
    else:
        status = 400
    if request.POST.get("next"):
        # Another page sent the form: tell the user there, since its form is not rendered here.
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect(_next_url(request, backorder))
    po = purchase_order_or_404(backorder.purchase_order_id)
    return purchase_order_page(request, po, cancel_forms={backorder.pk: form}, http_status=status)


@role_required(Role.PRODUCTION)
@require_POST
def backorder_expected_date_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give an open backorder the new date the supplier now expects, by hand."""
    backorder = _backorder_or_404(pk)
    form = BackorderExpectedDateForm(request.POST, backorder=backorder)
    if form.is_valid():
        previous = backorder.expected_date
        try:
            backorder_expected_date_change(
                backorder=backorder, expected_date=form.cleaned_data["expected_date"], by=request.user
            )
        except RoleRequired as error:
            raise PermissionDenied(str(error)) from error
        except TransitionNotAllowed as error:
            report_domain_error(request, error)
            return redirect(_next_url(request, backorder))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            before = date_format(previous) if previous else "no date"
            messages.success(
                request,
                f"Backorder of {_label(backorder)} on {backorder.purchase_order.number} is now expected "
                f"{date_format(backorder.expected_date)} (was {before}).",
                extra_tags="in-backorders",
            )
            return redirect(_next_url(request, backorder) + "#backorders")
    po = purchase_order_or_404(backorder.purchase_order_id)
    return purchase_order_page(request, po, expected_date_forms={backorder.pk: form}, http_status=400)
