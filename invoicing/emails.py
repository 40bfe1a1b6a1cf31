"""The email that carries an invoice to the client's billing contact."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from invoicing.models import Invoice


def invoice_email_send(*, invoice_id: int) -> None:
    """Send one invoice to its client's billing email, HTML and plain text, with the PDF attached."""
    from invoicing.client_links import client_link_url
    from invoicing.pdf import invoice_pdf_bytes

    invoice = Invoice.objects.select_related("sales_order__project__client").get(pk=invoice_id)
    client = invoice.sales_order.project.client
    context = {
        "invoice": invoice,
        "client": client,
        "link": client_link_url(invoice),
        "distributor_name": settings.DISTRIBUTOR_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"Invoice {invoice.number} from {settings.DISTRIBUTOR_NAME}",
        body=render_to_string("invoicing/email/invoice.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[client.billing_email],
    )
    message.attach_alternative(render_to_string("invoicing/email/invoice.html", context), "text/html")
    message.attach(f"{invoice.number}.pdf", invoice_pdf_bytes(invoice), "application/pdf")
    message.send()
