"""Backorders: a shortage on one purchase-order item, open until resolved or cancelled."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from projects.models import MAX_QUANTITY
from purchasing.models import EmailState


class BackorderStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"  # the goods are ready
    CANCELLED = "cancelled", "Cancelled"  # the goods will never ship


class Backorder(models.Model):
    Status = BackorderStatus

    purchase_order = models.ForeignKey("purchasing.PurchaseOrder", on_delete=models.PROTECT, related_name="backorders")
    purchase_order_item = models.ForeignKey(
        "purchasing.PurchaseOrderItem", on_delete=models.PROTECT, related_name="backorders"
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    expected_date = models.DateField(null=True, blank=True)
    # The date the supplier first promised and how often it moved since: the supplier's record.
    first_expected_date = models.DateField(null=True, blank=True, editable=False)
    expected_date_changes = models.PositiveIntegerField(default=0, editable=False)
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
        indexes = [
            models.Index(fields=["status", "expected_date"], name="backorder_status_date_idx"),
            # The API's list order: its page walks the index instead of sorting every backorder.
            models.Index(fields=["expected_date", "id"], name="backorder_expected_id_idx"),
        ]

    def __str__(self) -> str:
        return f"Backorder of {self.quantity} on {self.purchase_order}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class BackorderReminder(models.Model):
    """One overdue reminder of one backorder to one person on one (local) day: never twice a day."""

    backorder = models.ForeignKey(Backorder, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    days_overdue = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.UniqueConstraint(fields=["backorder", "recipient", "day"], name="backorder_reminder_once_a_day")
        ]
        indexes = [models.Index(fields=["recipient", "day"], name="backorder_reminder_day_idx")]

    def __str__(self) -> str:
        return f"Reminder of {self.backorder} to {self.recipient} on {self.day}"


class ProposalKind(models.TextChoices):
    BACKORDER = "backorder", "Backorder"  # the supplier holds goods back (status 44)
    EXPECTED_DATE = "expected_date", "Later expected date"  # the supplier moved its date
    GOODS_READY = "goods_ready", "Goods ready"  # partial or complete shipment (75 / 80)
    SHIPPED = "shipped", "Shipped"  # the supplier's shipments cover every product line of the PO


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class SupplierProposal(models.Model):
    """What the supplier's order status suggests for a PO; a person confirms it in one click, or dismisses it."""

    Kind = ProposalKind
    Status = ProposalStatus

    purchase_order = models.ForeignKey(
        "purchasing.PurchaseOrder", on_delete=models.CASCADE, related_name="supplier_proposals"
    )
    purchase_order_item = models.ForeignKey(
        "purchasing.PurchaseOrderItem", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    backorder = models.ForeignKey(
        Backorder, on_delete=models.CASCADE, null=True, blank=True, related_name="supplier_proposals"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    quantity = models.PositiveIntegerField(null=True, blank=True)
    expected_date = models.DateField(null=True, blank=True)
    supplier_status_code = models.CharField(max_length=10)
    supplier_status = models.CharField(max_length=200)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ProposalKind.values), name="supplier_proposal_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="supplier_proposal_status_valid"
            ),
            # One pending proposal of a kind per PO item: a sync every hour does not pile them up.
            models.UniqueConstraint(
                fields=["purchase_order", "purchase_order_item", "kind"],
                condition=Q(status="pending"),
                nulls_distinct=False,
                name="supplier_proposal_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} proposed for {self.purchase_order}"


class ClientUpdateReason(models.TextChoices):
    BACKORDER_FLAGGED = "backorder_flagged", "Backorder flagged"
    EXPECTED_DATE_MOVED = "expected_date_moved", "Expected date moved"
    GOODS_SHIPPED = "goods_shipped", "Goods shipped"
    BY_HAND = "by_hand", "Written by hand"


class ClientUpdateStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"  # waiting for the order rep
    SENT = "sent", "Sent"  # asked to be emailed (email_state says whether it has left)
    DISMISSED = "dismissed", "Dismissed"


class ClientUpdate(models.Model):
    """A status email to the client about one sales order: proposed by an event, sent by the order rep or at once.

    An event (a backorder flagged, its expected date moved, goods shipped) proposes at most one update per
    order and company day (`automatic`, `day`); a later event that day rewrites the text of the one still
    proposed. The rep may write and send more by hand (`automatic` false).
    """

    Reason = ClientUpdateReason
    Status = ClientUpdateStatus
    EmailState = EmailState

    sales_order = models.ForeignKey("projects.SalesOrder", on_delete=models.CASCADE, related_name="client_updates")
    reason = models.CharField(max_length=32, choices=Reason.choices)
    automatic = models.BooleanField(default=True)
    day = models.DateField()
    body = models.TextField(max_length=5000)
    # The status link the body carries: sending replaces it with one signed at that moment.
    link = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Nobody when the client's setting sent it automatically.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Delivery, claimed like an invoice email's so it leaves once.
    email_to = models.EmailField(blank=True)
    email_state = models.CharField(max_length=16, choices=EmailState.choices, default=EmailState.NOT_REQUESTED)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=ClientUpdateReason.values), name="client_update_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ClientUpdateStatus.values), name="client_update_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(email_state__in=EmailState.values), name="client_update_email_state_valid"
            ),
            # At most one update proposed by events per order and day, however many events that day.
            models.UniqueConstraint(
                fields=["sales_order", "day"], condition=Q(automatic=True), name="client_update_one_automatic_a_day"
            ),
        ]
        indexes = [models.Index(fields=["email_state", "sent_at"], name="client_update_email_state_idx")]

    def __str__(self) -> str:
        return f"Client update on {self.sales_order}"
