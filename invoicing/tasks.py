"""Emailing invoices to clients, after the request that asked for it has committed, exactly once."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from invoicing.emails import invoice_email_send
from invoicing.models import Invoice
from invoicing.services.sending import _enqueue_invoice_email, invoice_email_claim, invoice_email_release
from notifications.services import write_surviving_reconnects

logger = logging.getLogger(__name__)

CLAIM_TTL_SECONDS = getattr(settings, "NOTIFICATION_CLAIM_TTL_SECONDS", 120)
PENDING_GRACE_SECONDS = getattr(settings, "NOTIFICATION_PENDING_GRACE_SECONDS", 20)


# The hard time limit stays below the claim lifetime, so a live send is never taken over.
@shared_task(bind=True, acks_late=True, max_retries=8, soft_time_limit=40, time_limit=45)
def invoice_email_task(self, invoice_id: int) -> str:
    """Email one invoice, with its PDF and client link, to the client's billing contact, at most once."""
    if not invoice_email_claim(invoice_id=invoice_id, claim_ttl_seconds=CLAIM_TTL_SECONDS):
        return "not sent"
    try:
        sent = invoice_email_send(invoice_id=invoice_id)
    except Exception as error:  # a mail server that refuses or times out: give the claim back and retry
        invoice_email_release(invoice_id=invoice_id, sent=False)
        logger.warning("Email of invoice %s failed: %s", invoice_id, error)
        raise self.retry(exc=error, countdown=min(300, 10 * 2**self.request.retries)) from error
    write_surviving_reconnects(
        lambda: invoice_email_release(invoice_id=invoice_id, sent=sent), seconds=CLAIM_TTL_SECONDS / 3
    )
    return "sent" if sent else "not sent"


@shared_task
def invoice_email_requeue_task() -> int:
    """Queue again the invoice emails left pending (broker outage) or claimed by a worker that died."""
    now = timezone.now()
    pending = Invoice.objects.filter(
        email_state=Invoice.EmailState.PENDING, sent_at__lt=now - timezone.timedelta(seconds=PENDING_GRACE_SECONDS)
    ).values_list("pk", flat=True)
    stale = Invoice.objects.filter(
        email_state=Invoice.EmailState.SENDING,
        email_claimed_at__lt=now - timezone.timedelta(seconds=CLAIM_TTL_SECONDS),
    ).values_list("pk", flat=True)
    invoice_ids = list(pending[:500]) + list(stale[:500])
    for invoice_id in invoice_ids:
        _enqueue_invoice_email(invoice_id=invoice_id)
    return len(invoice_ids)
