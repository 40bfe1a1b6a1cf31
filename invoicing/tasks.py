"""Emailing invoices to clients, after the request that asked for it has committed."""

from celery import shared_task

from invoicing.emails import invoice_email_send


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def invoice_email_task(invoice_id: int) -> None:
    invoice_email_send(invoice_id=invoice_id)
