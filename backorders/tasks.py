"""Periodic work of the backorder desk: asking suppliers for their order status, and the daily overdue digest."""

import logging

from celery import shared_task
from django.conf import settings

from backorders.client_update_emails import client_update_email_send
from backorders.client_updates import (
    _enqueue_client_update_email,
    client_update_email_claim,
    client_update_email_release,
    client_updates_to_requeue,
)
from backorders.inventory_sync import supplier_inventory_sync, suppliers_with_inventory_service
from backorders.order_status_sync import supplier_order_status_sync
from backorders.reminders import backorder_overdue_reminders_send
from backorders.shipment_sync import supplier_shipment_sync, suppliers_with_shipment_service
from notifications.services import write_surviving_reconnects
from purchasing.models import Supplier

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def supplier_order_status_sync_task(supplier_id: int) -> str:
    """Ask one supplier's order status service about its open POs; safe to run twice."""
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    if supplier is None:
        return "no such supplier"
    return str(supplier_order_status_sync(supplier=supplier))


@shared_task(acks_late=True, ignore_result=True)
def supplier_order_status_sync_due_task() -> int:
    """Queue one sync per supplier that has an order status service (beat runs this)."""
    interval = settings.SUPPLIER_ORDER_STATUS_INTERVAL_SECONDS
    supplier_ids = list(Supplier.objects.exclude(order_status_url="").order_by("pk").values_list("pk", flat=True))
    for supplier_id in supplier_ids:
        # One that waited a whole round in the queue is worthless once the next round is queued.
        supplier_order_status_sync_task.apply_async(args=(supplier_id,), expires=interval)
    return len(supplier_ids)


@shared_task(acks_late=True, ignore_result=True)
def supplier_shipment_sync_task(supplier_id: int) -> str:
    """Ask one supplier's shipment notification service about its open POs; safe to run twice."""
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    if supplier is None:
        return "no such supplier"
    return str(supplier_shipment_sync(supplier=supplier))


@shared_task(acks_late=True, ignore_result=True)
def supplier_shipment_sync_due_task() -> int:
    """Queue one shipment sync per supplier whose shipment service is switched on (beat runs this)."""
    interval = settings.SUPPLIER_SHIPMENT_INTERVAL_SECONDS
    supplier_ids = list(suppliers_with_shipment_service().values_list("pk", flat=True))
    for supplier_id in supplier_ids:
        supplier_shipment_sync_task.apply_async(args=(supplier_id,), expires=interval)
    return len(supplier_ids)


@shared_task(acks_late=True, ignore_result=True)
def supplier_inventory_sync_task(supplier_id: int) -> str:
    """Re-check one supplier's stock of its open POs not yet shipped; safe to run twice."""
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    if supplier is None:
        return "no such supplier"
    return str(supplier_inventory_sync(supplier=supplier))


@shared_task(acks_late=True, ignore_result=True)
def supplier_inventory_sync_due_task() -> int:
    """Queue one stock check per supplier whose inventory service is switched on (beat runs this daily)."""
    interval = settings.SUPPLIER_INVENTORY_INTERVAL_SECONDS
    supplier_ids = list(suppliers_with_inventory_service().values_list("pk", flat=True))
    for supplier_id in supplier_ids:
        supplier_inventory_sync_task.apply_async(args=(supplier_id,), expires=interval)
    return len(supplier_ids)


@shared_task(acks_late=True)
def backorder_overdue_reminders_task() -> str:
    """Send today's overdue backorder digests; a second run the same day sends nothing more."""
    run = backorder_overdue_reminders_send()
    if run.digests:
        logger.info("Reminded %s people of %s overdue backorders on %s.", run.digests, run.overdue, run.day)
    return f"{run.digests} digests, {run.reminders} reminders, {run.overdue} overdue on {run.day.isoformat()}"


# --- status updates to clients, emailed exactly once (as invoices are) --------------------------------

CLAIM_TTL_SECONDS = getattr(settings, "NOTIFICATION_CLAIM_TTL_SECONDS", 120)
PENDING_GRACE_SECONDS = getattr(settings, "NOTIFICATION_PENDING_GRACE_SECONDS", 30)
# The hard time limit stays below the claim lifetime, so a live send is never taken over.
EMAIL_TIME_LIMIT = getattr(settings, "NOTIFICATION_EMAIL_TIME_LIMIT_SECONDS", 45)
REQUEUE_BATCH = 500


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=8,
    time_limit=EMAIL_TIME_LIMIT,
    soft_time_limit=max(1, int(EMAIL_TIME_LIMIT * 0.8)),
)
def client_update_email_task(self, update_id: int) -> str:
    """Email one status update to the client, at most once."""
    if not client_update_email_claim(update_id=update_id, claim_ttl_seconds=CLAIM_TTL_SECONDS):
        return "not sent"
    try:
        sent = client_update_email_send(update_id=update_id)
    except Exception as error:  # a mail server that refuses or times out: give the claim back and retry
        client_update_email_release(update_id=update_id, sent=False)
        logger.warning("Email of client update %s failed: %s", update_id, error)
        raise self.retry(exc=error, countdown=min(300, 10 * 2**self.request.retries)) from error
    write_surviving_reconnects(
        lambda: client_update_email_release(update_id=update_id, sent=sent), seconds=CLAIM_TTL_SECONDS / 3
    )
    return "sent" if sent else "not sent"


@shared_task(acks_late=True)
def client_update_email_requeue_task() -> int:
    """Queue again the update emails left pending (broker outage) or claimed by a worker that died."""
    update_ids = client_updates_to_requeue(
        pending_grace_seconds=PENDING_GRACE_SECONDS, claim_ttl_seconds=CLAIM_TTL_SECONDS, batch=REQUEUE_BATCH
    )
    for update_id in update_ids:
        _enqueue_client_update_email(update_id=update_id)
    return len(update_ids)
