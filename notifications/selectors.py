"""Reads of notifications that the inbox and the navigation share."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from notifications.models import Notification, NotificationPreference


def notification_inbox(*, user: User, unread_only: bool = False, kind: str = "") -> QuerySet[Notification]:
    """Return the user's own notifications (of one kind, if named), newest first, with their project loaded."""
    notifications = Notification.objects.filter(recipient=user).select_related("project")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    if kind:
        notifications = notifications.filter(kind=kind)
    return notifications.order_by("-created_at", "-id")


def notification_email_enabled(*, user: User) -> bool:
    """Say whether the user wants notification emails (on until they switch it off)."""
    preference = NotificationPreference.objects.filter(user=user).only("email_enabled").first()
    return preference is None or preference.email_enabled
