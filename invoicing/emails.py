"""The email that carries an invoice to the client's billing contact."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from invoicing.models import Invoice
from projects.models import CompanySettings

logger = logging.getLogger(__name__)


def invoice_email_message(*, invoice: Invoice) -> EmailMultiAlternatives:
    """Build the email of one invoice: plain text and HTML, the PDF attached, the client link in both."""
    from invoicing.client_links import client_link_url
    from invoicing.pdf import invoice_pdf_bytes

    project = invoice.sales_order.project
    client = project.client
    company = CompanySettings.load()
    context = {
        "invoice": invoice,
        "order": invoice.sales_order,
        "client": client,
        "link": client_link_url(invoice),
        "link_days": settings.CLIENT_LINK_MAX_AGE_DAYS,
        "distributor_name": company.name,
        "distributor_address": company.address,
    }
    # Replies about the invoice go to the person who handles the project's invoices.
    reply_to = [project.invoicing_rep.email] if project.invoicing_rep.email else []
    message = EmailMultiAlternatives(
        subject=f"Invoice {invoice.number} from {company.name}",
        body=render_to_string("invoicing/email/invoice.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[client.billing_email],
        reply_to=reply_to,
    )
    message.attach_alternative(render_to_string("invoicing/email/invoice.html", context), "text/html")
    message.attach(f"{invoice.number}.pdf", invoice_pdf_bytes(invoice), "application/pdf")
    return message


def invoice_email_send(*, invoice_id: int) -> bool:
    """Send one invoice to its client's billing email; a voided or vanished invoice is not sent."""
    invoice = (
        Invoice.objects.select_related("sales_order__project__client", "sales_order__project__invoicing_rep")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None or invoice.status == Invoice.Status.VOID:
        logger.info("Invoice %s is void or gone; its email is not sent.", invoice_id)
        return False
    invoice_email_message(invoice=invoice).send()
    return True
