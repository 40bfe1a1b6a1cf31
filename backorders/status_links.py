"""Signed, expiring links that show one sales order's status to its client without signing in.

Signed like the invoice's client link (invoicing.client_links), under a salt of its own: a token made
for an invoice opens no order, and one made for an order opens no invoice.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from core.site import site_url
from projects.models import SalesOrder

SALT = "backorders.client-status"


def status_link_token(sales_order: SalesOrder) -> str:
    """Sign the order's id and number; the token proves the link came from the desk."""
    return signing.TimestampSigner(salt=SALT).sign_object({"id": sales_order.pk, "number": sales_order.number})


def status_link_url(sales_order: SalesOrder, *, captured: str = "") -> str:
    """The status link in full, on SITE_URL or else the address `captured` from a request (core.site)."""
    return site_url(captured=captured) + reverse("order-status-client-view", args=[status_link_token(sales_order)])


def sales_order_for_token(token: str) -> SalesOrder | None:
    """Return the sales order a valid, unexpired token names, or None for any other token."""
    max_age = timedelta(days=settings.CLIENT_LINK_MAX_AGE_DAYS)
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
        return None
    order = SalesOrder.objects.select_related("project__client").filter(pk=payload["id"]).first()
    if order is None or order.number != payload.get("number"):
        return None
    return order
