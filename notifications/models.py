"""In-app notifications, each emailed at most once."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class NotificationKind(models.TextChoices):
    MENTION = "mention", "Mention"
    BACKORDER_FLAGGED = "backorder_flagged", "Backorder flagged"
    READY_TO_INVOICE = "ready_to_invoice", "Ready to invoice"
    INVOICE_SENT = "invoice_sent", "Invoice sent"
    # One a day per person: the digest of their backorders past the expected date.
    BACKORDERS_OVERDUE = "backorders_overdue", "Overdue backorders"
    # Its order is Ready to be Invoiced again too, but an API client must tell a void from a ready order.
    INVOICE_VOIDED = "invoice_voided", "Invoice voided"
    # A large download written by the worker is ready; it belongs to no project.
    EXPORT_READY = "export_ready", "Export ready"
    # The client answered on its status page that what is ready may ship (and be invoiced) now.
    CLIENT_OK_TO_SHIP = "client_ok_to_ship", "Client OK to ship"


class EmailState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"  # the recipient switched email off, or has no address
    FAILED = "failed", "Failed"


class Notification(models.Model):
    Kind = NotificationKind

    EmailState = EmailState

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # What caused it, e.g. "note:42" or "so:7:ready:133"; one row per (event, recipient).
    event_key = models.CharField(max_length=100)
    # None for what concerns no one project (an export that is ready).
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    message = models.CharField(max_length=500)
    # What the email says beyond the message, such as a digest's list; the inbox shows the message only.
    detail = models.TextField(blank=True)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=16, choices=EmailState.choices, default=EmailState.PENDING)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_key", "recipient"], name="notification_once_per_event_recipient"),
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"),
            models.CheckConstraint(
                condition=Q(email_state__in=EmailState.values), name="notification_email_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["email_state", "created_at"], name="notification_email_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient}"


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.user}: email {'on' if self.email_enabled else 'off'}"
