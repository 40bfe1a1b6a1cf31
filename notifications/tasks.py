"""Emailing notifications: each task claims its row first, so a repeated run sends nothing more."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from notifications.models import Notification
from notifications.services import email_enabled_for, notification_claim_email, notification_enqueue_email

logger = logging.getLogger(__name__)

# A claim older than this is taken to belong to a worker that died before finishing.
CLAIM_TTL_SECONDS = getattr(settings, "NOTIFICATION_CLAIM_TTL_SECONDS", 60)
# Rows still pending this long after their cause were probably never queued (broker down).
PENDING_GRACE_SECONDS = getattr(settings, "NOTIFICATION_PENDING_GRACE_SECONDS", 20)


@shared_task(bind=True, acks_late=True, max_retries=8)
def notification_email_task(self, notification_id: int) -> str:
    """Send the email of one notification, at most once."""
    if not notification_claim_email(notification_id=notification_id, claim_ttl_seconds=CLAIM_TTL_SECONDS):
        return "not claimed"
    notification = Notification.objects.select_related("recipient", "project").get(pk=notification_id)
    if not email_enabled_for(notification.recipient):
        Notification.objects.filter(pk=notification_id).update(email_state=Notification.EmailState.SKIPPED)
        return "skipped"
    link = settings.SITE_URL.rstrip("/") + notification.url
    try:
        send_mail(
            subject=f"[Backorder Desk] {notification.get_kind_display()}: {notification.project.number}",
            message=f"{notification.message}\n\nOpen it: {link}\n\n"
            "You can switch these emails off on your Notifications page.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.recipient.email],
        )
    except Exception as error:  # the mail server is the edge of the world: give the row back and retry
        Notification.objects.filter(pk=notification_id).update(email_state=Notification.EmailState.PENDING)
        logger.warning("Email of notification %s failed: %s", notification_id, error)
        raise self.retry(exc=error, countdown=min(300, 10 * 2**self.request.retries)) from error
    Notification.objects.filter(pk=notification_id).update(
        email_state=Notification.EmailState.SENT, email_sent_at=timezone.now()
    )
    return "sent"


@shared_task
def notification_requeue_pending_task() -> int:
    """Queue again the emails left pending (broker outage) or claimed by a worker that died."""
    now = timezone.now()
    stuck = Notification.objects.filter(
        Q(
            email_state=Notification.EmailState.PENDING,
            created_at__lt=now - timezone.timedelta(seconds=PENDING_GRACE_SECONDS),
        )
        | Q(
            email_state=Notification.EmailState.SENDING,
            email_claimed_at__lt=now - timezone.timedelta(seconds=CLAIM_TTL_SECONDS),
        )
    ).values_list("pk", flat=True)[:1000]
    count = 0
    for notification_id in stuck:
        notification_enqueue_email(notification_id=notification_id)
        count += 1
    return count
