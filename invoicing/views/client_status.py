"""The client's status page of one sales order, behind a signed, expiring link, and its "OK to ship" answer."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from backorders.client_status import order_status_for_client
from backorders.client_updates import sales_order_client_ok_to_ship
from backorders.status_links import sales_order_for_token
from invoicing.client_links import client_link_token
from invoicing.models import Invoice
from invoicing.views.invoices import _client_not_found
from invoicing.views.invoices import _private as _private_invoice
from projects.models import CompanySettings, SalesOrder


def _private(response: HttpResponse) -> HttpResponse:
    """Keep the token out of other sites' referrers, search engines and shared caches, as the invoice link does."""
    response = _private_invoice(response)
    # Not "no-referrer": under it the browser sends "Origin: null" with the page's own form, which Django's
    # CSRF check refuses. "same-origin" still tells no other site the address.
    response["Referrer-Policy"] = "same-origin"
    return response


# A void invoice is withdrawn and a draft not yet issued: neither is the client's to see.
_NOT_SHOWN = (Invoice.Status.VOID, Invoice.Status.DRAFT)


def _invoices(order: SalesOrder) -> list[Invoice]:
    """The invoices the client was issued, oldest first, each with its own client link."""
    invoices = list(order.invoices.exclude(status__in=_NOT_SHOWN).order_by("sequence_number", "pk"))
    for invoice in invoices:
        invoice.client_link = reverse("invoice-client-view", args=[client_link_token(invoice)])  # type: ignore[attr-defined]
    return invoices


@require_GET
def order_status_client_view(request: HttpRequest, token: str) -> HttpResponse:
    order = sales_order_for_token(token)
    if order is None:
        return _client_not_found(request)
    status = order_status_for_client(order)
    company = CompanySettings.load()
    context = {
        "order": order,
        "client": order.project.client,
        "status": status,
        "invoices": _invoices(order),
        "token": token,
        "distributor_name": company.name,
        "distributor_address": company.address,
        "distributor_email": company.email,
        "distributor_phone": company.phone,
    }
    return _private(render(request, "invoicing/order_status_client.html", context))


@require_POST
def order_status_ok_to_ship(request: HttpRequest, token: str) -> HttpResponse:
    """Record the client's OK to ship what is ready; a second press changes nothing and lands on the same page."""
    order = sales_order_for_token(token)
    if order is None:
        return _client_not_found(request)
    sales_order_client_ok_to_ship(sales_order=order)
    return _private(redirect(reverse("order-status-client-view", args=[token]) + "#ok-to-ship"))
