"""Invoices, their lines and the gapless number sequence."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from projects.models import MONEY


class InvoiceNumberSequence(models.Model):
    """One row per sequence; locking it while an invoice is issued keeps numbers gapless."""

    name = models.CharField(max_length=20, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_value}"


class InvoiceKind(models.TextChoices):
    PARTIAL = "partial", "Partial"
    FINAL = "final", "Final"


class InvoiceStatus(models.TextChoices):
    OPEN = "open", "Open"
    SENT_TO_CLIENT = "sent_to_client", "Sent to Client"
    EXPORTED = "exported", "Exported"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


class Invoice(models.Model):
    Kind = InvoiceKind

    Status = InvoiceStatus

    number = models.CharField(max_length=20, unique=True)
    sequence_number = models.PositiveBigIntegerField(unique=True)
    sales_order = models.ForeignKey("projects.SalesOrder", on_delete=models.PROTECT, related_name="invoices")
    date = models.DateField()
    due_date = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # Stored at issue: an issued invoice never changes, so its totals are facts, not figures.
    subtotal = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    void_reason = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sequence_number"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InvoiceKind.values), name="invoice_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("date")), name="invoice_due_after_date"),
        ]
        indexes = [
            models.Index(fields=["date", "sequence_number"], name="invoice_date_seq_idx"),
            models.Index(fields=["status"], name="invoice_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("invoice-detail", args=[self.pk])

    @property
    def can_void(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.SENT_TO_CLIENT)

    @property
    def can_send(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.SENT_TO_CLIENT)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    sales_order_item = models.ForeignKey(
        "projects.SalesOrderItem", on_delete=models.PROTECT, related_name="invoice_lines"
    )
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="invoice_line_quantity_positive"),
            models.UniqueConstraint(fields=["invoice", "sales_order_item"], name="invoice_line_once_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"
