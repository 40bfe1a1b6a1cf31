"""Writing notifications, in the transaction of whatever caused them."""

import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from core.site import request_base_url
from core.tasks import enqueue
from notifications.models import Notification, NotificationPreference

logger = logging.getLogger(__name__)


# A monotonic time before which this process does not try the broker again (see the setting).
_broker_down_until = 0.0


def notification_enqueue_email(*, notification_id: int, base_url: str = "") -> bool:
    """Queue the email of one notification; a broker outage leaves it pending for the requeue task.

    `base_url` is the address the causing request came in on, for the email's link (core.site).
    """
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        logger.info("The broker failed a moment ago; notification %s stays pending.", notification_id)
        return False
    try:
        enqueue(
            "notifications.tasks.notification_email_task",
            args=(notification_id,),
            kwargs={"base_url": base_url},
            retry=False,
        )
    except (KombuOperationalError, OSError) as error:
        # The socket timeouts of CELERY_BROKER_TRANSPORT_OPTIONS bound how long this took.
        _broker_down_until = time.monotonic() + settings.NOTIFICATION_BROKER_BACKOFF_SECONDS
        logger.warning("Could not queue the email of notification %s; it stays pending: %s", notification_id, error)
        return False
    except Exception:  # noqa: BLE001 - whatever goes wrong, the request that caused the notification stands
        logger.exception("Could not queue the email of notification %s; it stays pending.", notification_id)
        return False
    return True


def notification_broker_backoff_reset() -> None:
    """Forget a recent broker failure, so the next publish tries the broker at once."""
    global _broker_down_until
    _broker_down_until = 0.0


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    event_key: str,
    project,
    message: str,
    url: str,
    exclude: Iterable[User] = (),
) -> list[Notification]:
    """Write one notification per active recipient of an event and queue its email after commit."""
    excluded = {user.pk for user in exclude}
    wanted: dict[int, User] = {}
    for user in recipients:
        if user is not None and user.is_active and user.pk not in excluded:
            wanted.setdefault(user.pk, user)
    if not wanted:
        return []
    already = set(
        Notification.objects.filter(event_key=event_key, recipient_id__in=wanted).values_list("recipient_id", flat=True)
    )
    created = [
        Notification.objects.create(
            recipient=user, kind=kind, event_key=event_key, project=project, message=message[:500], url=url
        )
        for user_id, user in wanted.items()
        if user_id not in already
    ]
    # Captured now: the email is built by a worker that never sees the request.
    base_url = request_base_url()
    for notification in created:
        # robust: one failing callback must not keep the others (or other apps' side effects) from running.
        transaction.on_commit(
            functools.partial(notification_enqueue_email, notification_id=notification.pk, base_url=base_url),
            robust=True,
        )
    return created


@dataclass(frozen=True)
class Digest:
    """One person's share of a digest event: the message the inbox shows, the detail the email adds."""

    recipient: User
    project_id: int
    message: str
    detail: str


def notify_digests(*, kind: str, event_key: str, url: str, digests: Iterable[Digest]) -> list[Notification]:
    """Write each person's digest of one event unless they have it already; queue the new ones' emails after commit.

    The (event, recipient) constraint decides: two runs at once write, and so email, each digest once.
    Returns only the notifications this call wrote.
    """
    wanted = {digest.recipient.pk: digest for digest in digests if digest.recipient.is_active}
    if not wanted:
        return []
    already = set(
        Notification.objects.filter(event_key=event_key, recipient_id__in=wanted).values_list("recipient_id", flat=True)
    )
    new = [
        Notification(
            recipient=digest.recipient,
            kind=kind,
            event_key=event_key,
            project_id=digest.project_id,
            message=digest.message[:500],
            detail=digest.detail,
            url=url,
        )
        for recipient_id, digest in sorted(wanted.items())
        if recipient_id not in already
    ]
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(new)
    except IntegrityError:
        # Another run wrote some of them since the read above: keep only the ones nobody has, one at a time.
        created = [notification for notification in new if _create_unless_taken(notification)]
    base_url = request_base_url()
    for notification in created:
        transaction.on_commit(
            functools.partial(notification_enqueue_email, notification_id=notification.pk, base_url=base_url),
            robust=True,
        )
    return created


def _create_unless_taken(notification: Notification) -> bool:
    # The insert waits for a concurrent run's row to commit, then fails on the constraint: that one is theirs.
    try:
        with transaction.atomic():
            notification.pk = None
            notification.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def notification_mark_read(*, notification: Notification, by: User) -> Notification:
    """Mark one of the caller's own notifications as read."""
    if notification.recipient_id != by.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, by: User) -> int:
    """Mark every unread notification of the caller as read; return how many changed."""
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())


def notification_preference_set(*, user: User, email_enabled: bool) -> NotificationPreference:
    """Switch the user's own notification emails on or off."""
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_enabled": email_enabled}
    )
    return preference


def email_enabled_for(user: User) -> bool:
    """Say whether notification emails can and may reach the user (on until they switch it off)."""
    if not user.email:
        return False
    try:
        # Loaded with the user by select_related("recipient__notification_preference") where it matters.
        return user.notification_preference.email_enabled
    except NotificationPreference.DoesNotExist:
        return True


def notification_claim_email(*, notification_id: int, claim_ttl_seconds: int) -> bool:
    """Claim a notification's email for sending; False when someone else has it or it went out."""
    now = timezone.now()
    stale = now - timedelta(seconds=claim_ttl_seconds)
    pending = Notification.objects.filter(pk=notification_id, email_state=Notification.EmailState.PENDING)
    claimed = pending.update(
        email_state=Notification.EmailState.SENDING, email_claimed_at=now, email_attempts=F("email_attempts") + 1
    )
    if claimed:
        return True
    # A claim whose worker died before finishing may be taken over once it has expired.
    expired = Notification.objects.filter(
        pk=notification_id, email_state=Notification.EmailState.SENDING, email_claimed_at__lt=stale
    )
    return bool(expired.update(email_claimed_at=now, email_attempts=F("email_attempts") + 1))


def write_surviving_reconnects(write: Callable[[], object], *, seconds: float = 30.0) -> object:
    """Run a small database write, retrying across a dropped connection for a bounded time.

    Used to record that an email went out: if the database restarts between the send and this
    write, giving up would leave the claim to expire and the email to be sent a second time.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError):
            if time.monotonic() >= deadline:
                raise
            logger.warning("Database unavailable while recording an email's outcome; retrying.")
            connection.close()
            time.sleep(0.5)
