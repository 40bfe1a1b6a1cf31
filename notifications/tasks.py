"""Emailing notifications: each task claims its row first, so a repeated run sends nothing more."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.site import site_url
from notifications.models import Notification
from notifications.services import (
    email_enabled_for,
    notification_claim_email,
    notification_enqueue_email,
    write_surviving_reconnects,
)

logger = logging.getLogger(__name__)

# After this many claims that ended in an error the row is given up as failed.
MAX_EMAIL_ATTEMPTS = 8
# How many rows one sweep re-queues at most; the next sweep takes the rest.
REQUEUE_BATCH = 1000


def claim_ttl_seconds() -> int:
    # A claim older than this is taken to belong to a worker that died before finishing.
    return getattr(settings, "NOTIFICATION_CLAIM_TTL_SECONDS", 120)


def pending_grace_seconds() -> int:
    # Rows still pending this long after their cause were probably never queued (broker down).
    return getattr(settings, "NOTIFICATION_PENDING_GRACE_SECONDS", 30)


# The hard limit kills a send stuck on a mail server before its claim expires, so no other worker
# can take the row over while this one might still deliver it.
EMAIL_TIME_LIMIT = getattr(settings, "NOTIFICATION_EMAIL_TIME_LIMIT_SECONDS", 45)


# A digest is about many projects: its message, written to be read as a subject, names what it holds.
DIGEST_KINDS = {Notification.Kind.BACKORDERS_OVERDUE}


def email_subject(notification: Notification) -> str:
    if notification.kind in DIGEST_KINDS or notification.project is None:
        return f"[Backorder Desk] {notification.message}"
    return f"[Backorder Desk] {notification.get_kind_display()}: {notification.project.number}"


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_EMAIL_ATTEMPTS,
    time_limit=EMAIL_TIME_LIMIT,
    soft_time_limit=max(1, int(EMAIL_TIME_LIMIT * 0.8)),
)
def notification_email_task(self, notification_id: int, base_url: str = "") -> str:
    """Send the email of one notification, at most once; its link starts with SITE_URL or `base_url`."""
    if not notification_claim_email(notification_id=notification_id, claim_ttl_seconds=claim_ttl_seconds()):
        # Sent, skipped, failed, gone, or claimed by a live worker: nothing to do here.
        state = Notification.objects.filter(pk=notification_id).values_list("email_state", flat=True).first()
        return f"not claimed ({state or 'missing'})"
    notification = Notification.objects.select_related("recipient__notification_preference", "project").get(
        pk=notification_id
    )
    if not email_enabled_for(notification.recipient):
        Notification.objects.filter(pk=notification_id).update(email_state=Notification.EmailState.SKIPPED)
        return "skipped"
    # Through the read marker, so following the email's link marks the notification read as well.
    link = site_url(captured=base_url) + reverse("notification-open", args=[notification.pk])
    try:
        send_mail(
            subject=email_subject(notification),
            message=f"{notification.message}\n\n"
            + (f"{notification.detail}\n\n" if notification.detail else "")
            + f"Open it: {link}\n\nYou can switch these emails off on your Notifications page.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.recipient.email],
        )
    except Exception as error:  # noqa: BLE001 - the mail server is the edge of the world (a soft time limit too)
        if notification.email_attempts >= MAX_EMAIL_ATTEMPTS:
            Notification.objects.filter(pk=notification_id).update(email_state=Notification.EmailState.FAILED)
            logger.error(
                "Email of notification %s failed %s times; giving up: %s", notification_id, MAX_EMAIL_ATTEMPTS, error
            )
            return "failed"
        # Give the row back: this retry, or beat's sweep once the claim time has passed, sends it.
        Notification.objects.filter(pk=notification_id, email_state=Notification.EmailState.SENDING).update(
            email_state=Notification.EmailState.PENDING
        )
        logger.warning("Email of notification %s failed: %s", notification_id, error)
        raise self.retry(exc=error, countdown=min(300, 10 * 2**self.request.retries)) from error
    sent_at = timezone.now()
    # Bounded well under the claim lifetime, so no sweep re-sends while this is still trying.
    write_surviving_reconnects(
        lambda: Notification.objects.filter(pk=notification_id).update(
            email_state=Notification.EmailState.SENT, email_sent_at=sent_at
        ),
        seconds=claim_ttl_seconds() / 3,
    )
    return "sent"


def notifications_to_requeue():
    """Rows whose email should be under way but is not: never queued, failed a while ago, or abandoned."""
    now = timezone.now()
    claim_expired = now - timezone.timedelta(seconds=claim_ttl_seconds())
    return Notification.objects.filter(
        Q(
            email_state=Notification.EmailState.PENDING,
            created_at__lt=now - timezone.timedelta(seconds=pending_grace_seconds()),
        )
        # A row given back after an error waits for its own retry before the sweep joins in.
        & (Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=claim_expired))
        | Q(email_state=Notification.EmailState.SENDING, email_claimed_at__lt=claim_expired)
    ).order_by("created_at", "id")


@shared_task(acks_late=True)
def notification_requeue_pending_task() -> int:
    """Queue again the emails left pending (broker outage) or claimed by a worker that died."""
    count = 0
    for notification_id in notifications_to_requeue().values_list("pk", flat=True)[:REQUEUE_BATCH]:
        if not notification_enqueue_email(notification_id=notification_id):
            break  # the broker is failing: the next sweep tries again
        count += 1
    if count:
        logger.info("Queued the email of %s pending notifications again.", count)
    return count
