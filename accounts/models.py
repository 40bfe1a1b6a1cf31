"""What the desk keeps per person beyond Django's users: the items each one opened lately."""

from django.conf import settings
from django.db import models


class RecentItem(models.Model):
    """A project, order, invoice or client the user opened, for the header's Recent menu.

    The number, name and address are copied at opening time, so the menu costs one query on every page
    whatever the item's app; opening it again refreshes them, and deleting the item deletes its rows
    (accounts.recent.forget_when_deleted).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recent_items")
    # The item's model label ("projects.project"): accounts knows no business app, only labels.
    subject_type = models.CharField(max_length=100)
    subject_id = models.PositiveBigIntegerField()
    number = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=300)
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "subject_type", "subject_id"], name="recent_item_once_per_user")
        ]
        indexes = [
            models.Index(fields=["user", "-opened_at"], name="recent_item_user_latest"),
            # A deleted item is looked for in every user's menu.
            models.Index(fields=["subject_type", "subject_id"], name="recent_item_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}".strip()
