"""The sales order page: every item's figures, the status control, its POs and invoices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.recent import recent_record
from core.errors import DomainError, RoleRequired, TransitionNotAllowed
from core.roles import Role, has_role
from projects.models import SalesOrder
from projects.pages import sales_order_page
from projects.selectors import sales_order_detail as select_sales_order
from projects.services.sales_orders import (
    sales_order_allowed_statuses,
    sales_order_item_locks,
    sales_order_items_fixed_reason,
    sales_order_status_change,
)


def _order_or_404(pk: int) -> SalesOrder:
    try:
        return select_sales_order(pk=pk)
    except SalesOrder.DoesNotExist as error:
        raise Http404("No such sales order.") from error


def sales_order_page_response(
    request: HttpRequest,
    order: SalesOrder,
    *,
    status_error: str = "",
    http_status: int = 200,
    extra_context: dict | None = None,
) -> HttpResponse:
    """The sales order page; a form of a higher app that was refused comes back here with its errors."""
    items = list(order.items.all())
    locks = sales_order_item_locks(sales_order=order)
    for item in items:
        item.lock_reason = locks.get(item.pk, "")
    can_sell = has_role(request.user, Role.SALES)
    fixed_reason = sales_order_items_fixed_reason(order)
    allowed = sales_order_allowed_statuses(sales_order=order, user=request.user)
    context = {
        "order": order,
        "project": order.project,
        "items": items,
        "billing_status_label": SalesOrder.BillingStatus(order.billing_status).label,
        "status_choices": [(status, SalesOrder.Status(status).label) for status in allowed],
        "status_error": status_error,
        "is_ready": order.status == SalesOrder.Status.READY_TO_BE_INVOICED,
        "can_invoice": has_role(request.user, Role.INVOICING),
        "can_edit_items": can_sell and not fixed_reason,
        "items_fixed_reason": fixed_reason,
        # The purchase orders (and whether more can be made) and the invoices, from the apps that own them.
        **sales_order_page.context(request, order),
        "nav_section": "projects",
        **(extra_context or {}),
    }
    return render(request, "projects/sales_order_detail.html", context, status=http_status)


@login_required
def sales_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_or_404(pk)
    recent_record(
        user=request.user,
        subject=order,
        number=order.number,
        name=order.project.client.name,
        url=order.get_absolute_url(),
    )
    return sales_order_page_response(request, order)


@login_required
@require_POST
def sales_order_status(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_or_404(pk)
    status = request.POST.get("status", "")
    if not status:
        return sales_order_page_response(
            request, order, status_error="Choose the status to move the order to.", http_status=400
        )
    try:
        sales_order_status_change(sales_order=order, status=status, by=request.user)
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    except DomainError as error:
        field_errors = getattr(error, "errors", {})
        message = " ".join(message for messages_ in field_errors.values() for message in messages_) or str(error)
        http_status = 409 if isinstance(error, TransitionNotAllowed) else 400
        return sales_order_page_response(request, _order_or_404(pk), status_error=message, http_status=http_status)
    messages.success(request, f"Sales order {order.number} is now {SalesOrder.Status(status).label}.")
    return redirect("sales-order-detail", pk=order.pk)
