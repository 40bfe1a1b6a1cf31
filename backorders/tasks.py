"""Periodic work of the backorder desk: asking suppliers for their order status, and the daily overdue digest."""

import logging

from celery import shared_task
from django.conf import settings

from backorders.order_status_sync import supplier_order_status_sync
from backorders.reminders import backorder_overdue_reminders_send
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


@shared_task(acks_late=True)
def backorder_overdue_reminders_task() -> str:
    """Send today's overdue backorder digests; a second run the same day sends nothing more."""
    run = backorder_overdue_reminders_send()
    if run.digests:
        logger.info("Reminded %s people of %s overdue backorders on %s.", run.digests, run.overdue, run.day)
    return f"{run.digests} digests, {run.reminders} reminders, {run.overdue} overdue on {run.day.isoformat()}"
