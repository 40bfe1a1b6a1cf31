"""Signed, expiring links that show one invoice to its client without signing in."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from core.site import site_url
from invoicing.models import Invoice

SALT = "invoicing.client-link"
# A void invoice is withdrawn and a draft not yet issued: neither is the client's to see.
_NOT_SHOWN = (Invoice.Status.VOID, Invoice.Status.DRAFT)


def client_link_token(invoice: Invoice) -> str:
    """Sign the invoice's id and number; the token proves the link came from the desk."""
    return signing.TimestampSigner(salt=SALT).sign_object({"id": invoice.pk, "number": invoice.number})


def client_link_url(invoice: Invoice) -> str:
    """The client link in full, on SITE_URL or else the address the email was asked from."""
    return site_url(captured=invoice.email_site_url) + reverse("invoice-client-view", args=[client_link_token(invoice)])


def invoice_for_token(token: str) -> Invoice | None:
    """Return the invoice a valid, unexpired token names, or None for any other token."""
    max_age = timedelta(days=settings.CLIENT_LINK_MAX_AGE_DAYS)
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, dict):
        return None
    invoice = Invoice.objects.select_related("sales_order__project__client").filter(pk=payload.get("id")).first()
    if invoice is None or invoice.number != payload.get("number") or invoice.status in _NOT_SHOWN:
        return None
    return invoice
