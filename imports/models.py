"""The import log: each file a manager brought in, what its preview found, and each record it wrote.

The activity log (projects.Activity) belongs to a project, and a client or a supplier is no project's,
so what an import created or changed is recorded here, with the file's name.
"""

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    CLIENTS = "clients", "Clients"
    SUPPLIERS = "suppliers", "Suppliers"
    ORDERS = "orders", "Order items"
    PURCHASE_ORDERS = "purchase-orders", "Purchase order lines"
    INVOICES = "invoices", "Invoice lines"
    PAYMENTS = "payments", "Payments"


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", "Previewed, not imported"
    IMPORTED = "imported", "Imported"


class ImportRun(models.Model):
    Kind = ImportKind
    State = ImportState

    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PREVIEWED)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # The file as uploaded, read again when the manager confirms; emptied once it is imported.
    content = models.BinaryField(editable=False)
    # Each header of the file and the desk's field it fills ("" for a column left out).
    columns = models.JSONField(default=dict)
    # What the last dry run (or the import itself) found: see imports.services.Outcome.
    outcome = models.JSONField(default=dict)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ImportKind.values), name="import_run_kind_valid"),
            models.CheckConstraint(condition=models.Q(state__in=ImportState.values), name="import_run_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name}"


class ImportedRecord(models.Model):
    """One client or supplier an import created or changed: the import log's line for it."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"

    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="records")
    action = models.CharField(max_length=10, choices=Action.choices)
    record_id = models.PositiveBigIntegerField()
    record_label = models.CharField(max_length=200)
    line = models.PositiveIntegerField(help_text="The row of the file it came from")
    changes = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "line"]
        indexes = [models.Index(fields=["record_id"], name="imported_record_id_idx")]

    def __str__(self) -> str:
        return f"{self.record_label} {self.get_action_display().lower()} from {self.run.file_name}"
