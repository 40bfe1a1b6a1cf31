"""Backorders: a shortage on one purchase-order item, open until resolved or cancelled."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from projects.models import MAX_QUANTITY


class BackorderStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"  # the goods are ready
    CANCELLED = "cancelled", "Cancelled"  # the goods will never ship


class Backorder(models.Model):
    Status = BackorderStatus

    purchase_order = models.ForeignKey("projects.PurchaseOrder", on_delete=models.PROTECT, related_name="backorders")
    purchase_order_item = models.ForeignKey(
        "projects.PurchaseOrderItem", on_delete=models.PROTECT, related_name="backorders"
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    expected_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["expected_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BackorderStatus.values), name="backorder_status_valid"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_QUANTITY), name="backorder_quantity_positive"
            ),
        ]
        indexes = [models.Index(fields=["status", "expected_date"], name="backorder_status_date_idx")]

    def __str__(self) -> str:
        return f"Backorder of {self.quantity} on {self.purchase_order}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
