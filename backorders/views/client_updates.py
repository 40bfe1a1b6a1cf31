"""The order rep sends (or dismisses) an update to the client from the sales order page."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from backorders.client_updates import client_update_dismiss, client_update_send
from backorders.models import ClientUpdate
from core.errors import DomainError, TransitionNotAllowed, ValidationFailed
from core.roles import Role
from core.views import report_domain_error, role_required
from projects.models import SalesOrder
from projects.selectors import sales_order_detail as select_sales_order
from projects.views.sales_orders import sales_order_page_response


def _back(order_pk: int) -> str:
    return reverse("sales-order-detail", args=[order_pk]) + "#client-updates"


def _update_or_404(order: SalesOrder, raw: str) -> ClientUpdate | None:
    """The proposed update the form names, or None for an update written by hand."""
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such update.")
    update = ClientUpdate.objects.filter(pk=int(raw), sales_order=order).first()
    if update is None:
        raise Http404("No such update.")
    return update


@role_required(Role.SALES)
@require_POST
def client_update_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Email the update as the rep left it in the box: the proposed one, or one written by hand."""
    try:
        order = select_sales_order(pk=pk)
    except SalesOrder.DoesNotExist as error:
        raise Http404("No such sales order.") from error
    update = _update_or_404(order, request.POST.get("update", ""))
    body = request.POST.get("body", "")
    try:
        sent = client_update_send(sales_order=order, body=body, update=update, by=cast(User, request.user))
    except ValidationFailed as error:
        message = " ".join(text for texts in error.errors.values() for text in texts)
        refused = {"update": update.pk if update else "new", "message": message, "body": body}
        return sales_order_page_response(
            request, order, http_status=400, extra_context={"client_update_error": refused}
        )
    except TransitionNotAllowed as error:
        # Sent or dismissed meanwhile (another tab): its box is gone from the page; say so on top.
        report_domain_error(request, error)
        return redirect(_back(order.pk))
    messages.success(request, f"The update on {order.number} is on its way to {sent.email_to}.")
    return redirect(_back(order.pk))


@role_required(Role.SALES)
@require_POST
def client_update_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a proposed update aside; the client hears nothing of it."""
    update = ClientUpdate.objects.select_related("sales_order").filter(pk=pk).first()
    if update is None:
        raise Http404("No such update.")
    try:
        client_update_dismiss(sales_order=update.sales_order, update=update, by=cast(User, request.user))
    except DomainError as error:
        report_domain_error(request, error)
        return redirect(_back(update.sales_order_id))
    messages.success(request, f"The proposed update on {update.sales_order.number} was dismissed; nothing was sent.")
    return redirect(_back(update.sales_order_id))
