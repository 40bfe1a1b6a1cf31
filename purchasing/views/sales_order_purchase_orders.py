"""Purchase orders from a sales order: the review of what one click writes, one PO per supplier, and the click."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError, RoleRequired
from core.roles import Role
from core.text import sentence
from core.views import report_domain_error, role_required
from projects.forms import SalesOrderForm
from projects.models import SalesOrder
from projects.views.order_entry import _order_or_404
from purchasing.services import purchase_orders_create_for_sales_order, purchase_orders_email_all, purchase_orders_plan


def _plan_page(request: HttpRequest, order: SalesOrder, *, error: str = "", http_status: int = 200) -> HttpResponse:
    plan = purchase_orders_plan(sales_order=order)
    context = {
        "order": order,
        "project": order.project,
        "plan": plan,
        "error": error,
        "nav_section": "projects",
    }
    return render(request, "projects/purchase_orders_review.html", context, status=http_status)


@role_required(Role.SALES)
def purchase_orders_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the POs one click would write, one per supplier, and write them when the rep confirms."""
    order = _order_or_404(pk)
    if request.method != "POST":
        return _plan_page(request, order)
    reviewed = sorted(value for value in request.POST.getlist("item") if value.isdigit())
    planned = sorted(str(item.pk) for draft in purchase_orders_plan(sales_order=order).drafts for item in draft.items)
    if reviewed != planned:
        return _plan_page(
            request,
            order,
            error="The order's items changed since this page was opened. Review the purchase orders again.",
            http_status=409,
        )
    expected_dates = {}
    for key, value in request.POST.items():
        if key.startswith("expected-") and key[9:].isdigit() and value:
            try:
                expected_dates[int(key[9:])] = SalesOrderForm.base_fields["in_hands_date"].clean(value)
            except forms.ValidationError:
                return _plan_page(
                    request, order, error="Expected date: enter a date such as 2030-05-01.", http_status=400
                )
    try:
        created = purchase_orders_create_for_sales_order(
            sales_order=order, by=request.user, expected_dates=expected_dates
        )
    except RoleRequired as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except DomainError as refusal:
        return _plan_page(request, order, error=str(refusal), http_status=409)
    names = ", ".join(f"{po.number} to {po.supplier.name}" for po in created)
    plural = "s" if len(created) != 1 else ""
    messages.success(request, sentence(f"Created {len(created)} purchase order{plural}: {names}"))
    return redirect("sales-order-detail", pk=order.pk)


@role_required(Role.SALES, Role.PRODUCTION)
@require_POST
def purchase_orders_email_all_view(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Email all": every PO of the order not emailed yet goes to its supplier, as listed on the order's page."""
    order = _order_or_404(pk)
    try:
        emailed = purchase_orders_email_all(sales_order=order, by=request.user)
    except DomainError as refusal:
        report_domain_error(request, refusal)
        return redirect("sales-order-detail", pk=order.pk)
    sent = ", ".join(f"{po.number} to {po.email_to}" for po in emailed)
    messages.success(request, sentence(f"Emailing {sent}"))
    return redirect("sales-order-detail", pk=order.pk)
