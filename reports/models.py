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


class ExportJob(models.Model):
    """A download too large to build in a request, written by the worker and kept for a day."""

    class Kind(models.TextChoices):
        INVOICES_CSV = "invoices_csv", "Invoices Report, CSV"
        INVOICES_XLSX = "invoices_xlsx", "Invoices Report, XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"  # waiting for a worker
        RUNNING = "running", "Writing"  # a worker is writing the file
        DONE = "done", "Ready"  # the file is there until expires_at
        FAILED = "failed", "Failed"  # error says why

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The report's query string as asked (to show and to ask again), and the filters and order as the
    # worker applies them (JSON: dates in ISO form).
    query = models.CharField(max_length=2000, blank=True)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)  # counted when the worker starts
    rows_written = models.PositiveIntegerField(default=0)
    # The file's name under settings.EXPORTS_ROOT while it is kept; blank before it is written and once deleted.
    file_name = models.CharField(max_length=200, blank=True)
    filename = models.CharField(max_length=100)  # the name the download carries
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["invoices_csv", "invoices_xlsx"]), name="export_job_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]), name="export_job_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="export_job_expires_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.requested_by} ({self.get_status_display()})"
