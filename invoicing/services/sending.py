"""Sending an invoice to the client: the email is queued after commit and claimed once by the worker."""

import logging
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.errors import RoleRequired, TransitionNotAllowed
from core.roles import Role, has_role
from core.site import request_base_url
from core.tasks import enqueue
from core.text import sentence
from core.transactions import money_write
from invoicing.models import Invoice
from invoicing.services.issue import _invoice_named
from invoicing.services.marks import _lock_invoice
from notifications.models import Notification
from notifications.services import notify
from projects.services.common import activity_record


@money_write(_invoice_named)
def invoice_send(*, invoice: Invoice, by: User) -> Invoice:
    """Email an invoice to the client's billing contact and mark it Sent to Client."""
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may email invoices.")
    locked = _lock_invoice(invoice)
    if not locked.can_send:
        raise TransitionNotAllowed(f"Invoice {locked.number} is {locked.get_status_display()}; it cannot be emailed.")
    project = locked.sales_order.project
    previous = locked.status
    locked.status = Invoice.Status.SENT_TO_CLIENT
    locked.sent_at = timezone.now()
    locked.email_state = Invoice.EmailState.PENDING
    # The worker builds the email later; its client link needs the address this request came in on.
    locked.email_site_url = request_base_url()
    locked.save(update_fields=["status", "sent_at", "email_state", "email_site_url", "updated_at"])
    activity = activity_record(
        project=project,
        subject=locked,
        verb="emailed to the client",
        by=by,
        from_value=Invoice.Status(previous).label,
        to_value=Invoice.Status.SENT_TO_CLIENT.label,
        detail=project.client.billing_email,
    )
    notify(
        recipients=[project.order_rep],
        kind=Notification.Kind.INVOICE_SENT,
        event_key=f"invoice:{locked.pk}:sent:{activity.pk}",
        project=project,
        message=sentence(f"Invoice {locked.number} ({locked.total}) was emailed to {project.client.name}"),
        url=reverse("invoice-detail", args=[locked.pk]),
        exclude=[by],
    )
    transaction.on_commit(lambda: _enqueue_invoice_email(invoice_id=locked.pk))
    invoice.status = locked.status
    return locked


logger = logging.getLogger(__name__)


def _enqueue_invoice_email(*, invoice_id: int) -> None:
    """Queue the email of a sent invoice; if the broker is unreachable it stays pending for the requeue task."""
    try:
        enqueue("invoicing.tasks.invoice_email_task", args=(invoice_id,), retry=False)
    except Exception:  # noqa: BLE001 - the invoice is committed as sent; its email must wait, not fail the request
        logger.warning("Could not queue the email of invoice %s; it stays pending.", invoice_id, exc_info=True)


def invoice_email_claim(*, invoice_id: int, claim_ttl_seconds: int) -> bool:
    """Claim a pending invoice email for sending; False when another worker has it or it went out."""
    now = timezone.now()
    claimable = Q(email_state=Invoice.EmailState.PENDING) | Q(
        email_state=Invoice.EmailState.SENDING, email_claimed_at__lt=now - timedelta(seconds=claim_ttl_seconds)
    )
    claimed = (
        Invoice.objects.filter(claimable, pk=invoice_id)
        .exclude(status=Invoice.Status.VOID)
        .update(email_state=Invoice.EmailState.SENDING, email_claimed_at=now, updated_at=now)
    )
    return bool(claimed)


def invoice_email_release(*, invoice_id: int, sent: bool) -> None:
    """Record the outcome of a claimed invoice email: sent, or pending again to be retried."""
    # A queryset update skips auto_now: updated_at is set by hand, as on every write to an invoice.
    now = timezone.now()
    if sent:
        Invoice.objects.filter(pk=invoice_id).update(
            email_state=Invoice.EmailState.SENT, email_sent_at=now, updated_at=now
        )
    else:
        Invoice.objects.filter(pk=invoice_id, email_state=Invoice.EmailState.SENDING).update(
            email_state=Invoice.EmailState.PENDING, updated_at=now
        )
