"""Suppliers, the purchase orders the desk sends them, and each PO's lines.

The tables keep the names they had when these models lived in `projects` (projects_supplier, ...).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from projects.models import MAX_QUANTITY, Project, SalesOrder, SalesOrderItem
from purchasing.promostandards.addresses import validate_order_status_url
from purchasing.tracking import tracking_url


class Supplier(models.Model):
    name = models.CharField(max_length=200, unique=True)
    email = models.EmailField(blank=True, help_text="Purchase orders are emailed here")
    phone = models.CharField(max_length=40, blank=True)
    # PromoStandards Order Status Service: optional; the password is stored encrypted, never in clear.
    order_status_url = models.URLField(
        "order status service URL", max_length=300, blank=True, validators=[validate_order_status_url]
    )
    order_status_username = models.CharField("order status user id", max_length=100, blank=True)
    order_status_password_encrypted = models.TextField(blank=True, editable=False)
    order_status_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    order_status_error = models.CharField(max_length=500, blank=True, editable=False)
    order_status_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    # PromoStandards Order Shipment Notification: its own address and switch, the same account and stored
    # password as the order status service (a supplier gives a distributor one account for its services).
    shipment_url = models.URLField(
        "shipment notification service URL", max_length=300, blank=True, validators=[validate_order_status_url]
    )
    shipment_enabled = models.BooleanField("read shipments from the supplier", default=False)
    shipment_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    shipment_error = models.CharField(max_length=500, blank=True, editable=False)
    shipment_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    # PromoStandards Inventory 2.0.0: its own address and switch, the same account and stored password.
    inventory_url = models.URLField(
        "inventory service URL", max_length=300, blank=True, validators=[validate_order_status_url]
    )
    inventory_enabled = models.BooleanField("check stock with the supplier", default=False)
    inventory_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    inventory_error = models.CharField(max_length=500, blank=True, editable=False)
    inventory_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The supplier's id in the system it came from (commonsku, QuickBooks); an import matches rows by it.
    external_ref = models.CharField(
        "external reference", max_length=100, blank=True, help_text="Its id in the system it was imported from"
    )

    class Meta:
        db_table = "projects_supplier"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="supplier_external_ref_unique",
                violation_error_message="Another supplier has this external reference.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PurchaseOrderStage(models.TextChoices):
    CREATED = "created", "Created"  # written, not yet sent
    SUBMITTED = "submitted", "Submitted"  # sent to the supplier
    CONFIRMED = "confirmed", "Confirmed"  # the supplier accepted it
    SHIPPED = "shipped", "Shipped"
    READY_FOR_BILLING = "ready_for_billing", "Ready for Billing"
    BILLED = "billed", "Billed"


class PurchaseOrderStatus(models.TextChoices):
    NONE = "none", "None"
    PROBLEM = "problem", "Problem"
    FOLLOW_UP = "follow_up", "Follow Up"


class EmailState(models.TextChoices):
    NOT_REQUESTED = "not_requested", "Not requested"
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"


class PurchaseOrder(models.Model):
    Stage = PurchaseOrderStage
    Status = PurchaseOrderStatus
    EmailState = EmailState

    number = models.CharField(max_length=20, unique=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="purchase_orders")
    sales_order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="purchase_orders")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    production_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchase_orders", null=True, blank=True
    )
    stage = models.CharField(max_length=32, choices=Stage.choices, default=Stage.CREATED)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NONE)
    expected_date = models.DateField(null=True, blank=True, help_text="When the supplier should ship")
    ship_to = models.TextField(max_length=1000, blank=True)
    # Delivery of the PO to the supplier, claimed like an invoice email's so it leaves once.
    email_state = models.CharField(max_length=16, choices=EmailState.choices, default=EmailState.NOT_REQUESTED)
    email_requested_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_to = models.EmailField(blank=True)
    # When production flagged a backorder on this PO: flagging declares that the rest of it ships now, so
    # its quantities less the backordered ones count as shipped (ready to invoice) from then on.
    rest_ships_declared_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "projects_purchaseorder"
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=PurchaseOrderStage.values), name="po_stage_valid"),
            models.CheckConstraint(condition=Q(status__in=PurchaseOrderStatus.values), name="po_status_valid"),
            models.CheckConstraint(condition=Q(email_state__in=EmailState.values), name="po_email_state_valid"),
        ]
        indexes = [
            models.Index(fields=["status"], name="po_status_idx"),
            # The desks read only what has not shipped and what is flagged: a few rows of a long history.
            models.Index(
                fields=["expected_date"],
                condition=Q(
                    stage__in=[PurchaseOrderStage.CREATED, PurchaseOrderStage.SUBMITTED, PurchaseOrderStage.CONFIRMED]
                ),
                name="po_not_shipped_idx",
            ),
            models.Index(fields=["number"], condition=~Q(status=PurchaseOrderStatus.NONE), name="po_flagged_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchase-order-detail", args=[self.pk])


STAGE_ORDER = list(PurchaseOrder.Stage)


class PurchaseOrderItem(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="items")
    sales_order_item = models.ForeignKey(SalesOrderItem, on_delete=models.PROTECT, related_name="purchase_order_items")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)])
    # The supplier's stock of this line's product (and part), as its inventory service last said.
    stock_available = models.PositiveIntegerField(null=True, blank=True, editable=False)
    stock_next_quantity = models.PositiveIntegerField(null=True, blank=True, editable=False)
    stock_next_date = models.DateField(null=True, blank=True, editable=False)
    stock_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The unit the supplier counted in (PromoStandards uom: EA, CA, BX, ...; "" before any check). When the desk
    # can turn it into the line's units (eaches), the figures above are eaches and comparable; when it cannot,
    # they are the supplier's units as answered, and the line is never marked from them.
    stock_uom = models.CharField(max_length=8, blank=True, editable=False)
    stock_comparable = models.BooleanField(default=True, editable=False)

    class Meta:
        db_table = "projects_purchaseorderitem"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_QUANTITY), name="po_item_quantity_positive"
            ),
            models.UniqueConstraint(fields=["purchase_order", "sales_order_item"], name="po_item_once_per_so_item"),
        ]

    def __str__(self) -> str:
        return f"{self.sales_order_item.description} × {self.quantity}"


class ShipmentSource(models.TextChoices):
    SUPPLIER_SERVICE = "supplier_service", "Supplier's shipment notification service"


class Shipment(models.Model):
    """A package the supplier shipped on a PO: carrier, tracking number and ship date; one per tracking number."""

    Source = ShipmentSource

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100)
    ship_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=32, choices=Source.choices, default=Source.SUPPLIER_SERVICE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ship_date", "id"]
        constraints = [
            # A second read of the same shipment records nothing new.
            models.UniqueConstraint(fields=["purchase_order", "tracking_number"], name="shipment_once_per_tracking"),
            models.CheckConstraint(condition=Q(source__in=ShipmentSource.values), name="shipment_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip()

    @property
    def tracking_url(self) -> str:
        """The carrier's tracking page (UPS, FedEx, USPS), or "" for another carrier."""
        return tracking_url(carrier=self.carrier, tracking_number=self.tracking_number)


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    purchase_order_item = models.ForeignKey(PurchaseOrderItem, on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_QUANTITY), name="shipment_line_quantity_positive"
            ),
            models.UniqueConstraint(fields=["shipment", "purchase_order_item"], name="shipment_line_once_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_item.sales_order_item.description} × {self.quantity}"
