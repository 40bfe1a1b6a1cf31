"""Emailing invoices to clients, after the request that asked for it has committed."""

from celery import shared_task

from invoicing.emails import invoice_email_send


# A mail server that refuses or times out (OSError, smtplib's errors among them) is tried again.
@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=5, retry_backoff_max=300, max_retries=5)
def invoice_email_task(invoice_id: int) -> str:
    """Email one invoice, with its PDF and client link, to the client's billing contact."""
    return "sent" if invoice_email_send(invoice_id=invoice_id) else "not sent"
