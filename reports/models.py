"""What the reports keep: each user's saved filters, by name."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SavedFilter(models.Model):
    """A report's filters (its query string) saved under a name by one user, applied again in one click."""

    class Report(models.TextChoices):
        INVOICES = "invoices", "Invoices Report"
        BACKORDERS = "backorders", "Backorders"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    report = models.CharField(max_length=20, choices=Report.choices)
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "report", "name"], name="saved_filter_name_once_per_report"),
            models.CheckConstraint(
                condition=Q(report__in=["invoices", "backorders"]), name="saved_filter_report_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_report_display()})"
