"""Emailing purchase orders to suppliers, after the request that asked for it has committed, exactly once."""

import logging

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notifications.services import write_surviving_reconnects
from purchasing.emails import purchase_order_email_send
from purchasing.models import PurchaseOrder
from purchasing.services import _enqueue_purchase_order_email, purchase_order_email_claim, purchase_order_email_release

logger = logging.getLogger(__name__)

CLAIM_TTL_SECONDS = getattr(settings, "NOTIFICATION_CLAIM_TTL_SECONDS", 120)
PENDING_GRACE_SECONDS = getattr(settings, "NOTIFICATION_PENDING_GRACE_SECONDS", 30)
# The hard time limit stays below the claim lifetime (the setting is derived from it), so a live
# send is never taken over by another worker.
EMAIL_TIME_LIMIT = getattr(settings, "NOTIFICATION_EMAIL_TIME_LIMIT_SECONDS", 45)
# How many rows one sweep re-queues at most of each kind; the next sweep takes the rest.
REQUEUE_BATCH = 500

EmailState = PurchaseOrder.EmailState


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=8,
    time_limit=EMAIL_TIME_LIMIT,
    soft_time_limit=max(1, int(EMAIL_TIME_LIMIT * 0.8)),
)
def purchase_order_email_task(self, purchase_order_id: int) -> str:
    """Email one purchase order, with its PDF, to the supplier, at most once."""
    if not purchase_order_email_claim(purchase_order_id=purchase_order_id, claim_ttl_seconds=CLAIM_TTL_SECONDS):
        return "not sent"
    try:
        sent = purchase_order_email_send(purchase_order_id=purchase_order_id)
    except Exception as error:  # a mail server that refuses or times out: give the claim back and retry
        purchase_order_email_release(purchase_order_id=purchase_order_id, sent=False)
        logger.warning("Email of purchase order %s failed: %s", purchase_order_id, error)
        raise self.retry(exc=error, countdown=min(300, 10 * 2**self.request.retries)) from error
    write_surviving_reconnects(
        lambda: purchase_order_email_release(purchase_order_id=purchase_order_id, sent=sent),
        seconds=CLAIM_TTL_SECONDS / 3,
    )
    return "sent" if sent else "not sent"


@shared_task(acks_late=True)
def purchase_order_email_requeue_task() -> int:
    """Queue again the PO emails left pending (broker outage) or claimed by a worker that died."""
    now = timezone.now()
    claim_expired = now - timezone.timedelta(seconds=CLAIM_TTL_SECONDS)
    pending = PurchaseOrder.objects.filter(
        # A row given back after an error waits for its own retry before the sweep joins in.
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=claim_expired),
        email_state=EmailState.PENDING,
        email_requested_at__lt=now - timezone.timedelta(seconds=PENDING_GRACE_SECONDS),
    ).values_list("pk", flat=True)
    stale = PurchaseOrder.objects.filter(
        email_state=EmailState.SENDING, email_claimed_at__lt=claim_expired
    ).values_list("pk", flat=True)
    purchase_order_ids = list(pending[:REQUEUE_BATCH]) + list(stale[:REQUEUE_BATCH])
    for purchase_order_id in purchase_order_ids:
        _enqueue_purchase_order_email(purchase_order_id=purchase_order_id)
    return len(purchase_order_ids)
