"""Clients, projects, sales orders and their items, notes and the activity log."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

MAX_QUANTITY = 10_000_000
MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class NumberSequence(models.Model):
    """One row per number series (P-, SO-, PO-); locking it while a number is taken keeps numbers distinct."""

    name = models.CharField(max_length=20, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_value}"


class CompanySettings(models.Model):
    """The company that sells: its name, address, tax id and bank details on every invoice and PO (one row)."""

    name = models.CharField(max_length=200, default="Backorder Desk Promotions")
    address = models.TextField(max_length=1000, blank=True)
    tax_id = models.CharField("tax id", max_length=50, blank=True, help_text="VAT, GST or EIN number, if any")
    email = models.EmailField(blank=True, help_text="Shown as the contact on invoices")
    phone = models.CharField(max_length=40, blank=True)
    website = models.CharField(max_length=200, blank=True)
    currency = models.CharField(
        max_length=3, default="USD", help_text="ISO 4217 code printed beside every amount, e.g. USD, EUR, CAD"
    )
    remit_to = models.TextField(
        "remit to / bank details",
        max_length=1000,
        blank=True,
        help_text="Where clients send payment: remit-to address, bank name, account and routing numbers",
    )

    class Meta:
        verbose_name = "company settings"
        verbose_name_plural = "company settings"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="company_settings_single_row")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # one company: every save writes the same row
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "CompanySettings":
        """Return the company's settings, created the first time from DISTRIBUTOR_NAME and DISTRIBUTOR_ADDRESS."""
        # The environment seeds the row once, so a desk set up before the admin had these keeps its
        # name; from then on the admin's values stand, whatever the environment says.
        settings_row, _ = cls.objects.get_or_create(
            pk=1, defaults={"name": settings.DISTRIBUTOR_NAME, "address": settings.DISTRIBUTOR_ADDRESS}
        )
        return settings_row


class Client(models.Model):
    name = models.CharField(max_length=200, unique=True)
    billing_email = models.EmailField()
    billing_address = models.TextField(max_length=1000, blank=True)
    tax_id = models.CharField("tax id", max_length=50, blank=True, help_text="VAT, GST or EIN number, if any")
    terms_days = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(365)])
    default_tax_rate = models.DecimalField(
        "default tax rate",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent; a new sales order's items start with it",
    )
    # The client's id in the system it came from (commonsku, QuickBooks); an import matches rows by it.
    external_ref = models.CharField(
        "external reference", max_length=100, blank=True, help_text="Its id in the system it was imported from"
    )
    # Off, the order rep reads each proposed status update on the sales order and sends it; on, it leaves at once.
    status_updates_automatic = models.BooleanField(
        "send status updates automatically",
        default=False,
        help_text="When a backorder is flagged, its date moves or goods ship, the client is emailed at once",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(terms_days__lte=365), name="client_terms_days_max"),
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="client_external_ref_unique",
                violation_error_message="Another client has this external reference.",
            ),
            models.CheckConstraint(
                condition=Q(default_tax_rate__gte=0) & Q(default_tax_rate__lte=100),
                name="client_default_tax_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    number = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="projects")
    order_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="projects_as_order_rep"
    )
    production_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="projects_as_production_rep"
    )
    invoicing_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="projects_as_invoicing_rep"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("project-detail", args=[self.pk])


class SalesOrderStatus(models.TextChoices):
    NEW = "new", "New"
    PENDING_CLIENT_APPROVAL = "pending_client_approval", "Pending Client Approval"
    CLIENT_CHANGE_REQUESTED = "client_change_requested", "Client Change Requested"
    CLIENT_APPROVED = "client_approved", "Client Approved"
    IN_PRODUCTION = "in_production", "In Production"
    SHIPPED = "shipped", "Shipped"
    READY_TO_BE_INVOICED = "ready_to_be_invoiced", "Ready to be Invoiced"
    INVOICED = "invoiced", "Invoiced"
    CLOSED = "closed", "Closed"


class SalesOrder(models.Model):
    Status = SalesOrderStatus

    class BillingStatus(models.TextChoices):
        NOT_INVOICED = "not_invoiced", "Not invoiced"
        PARTIALLY_INVOICED = "partially_invoiced", "Partially invoiced"
        FULLY_INVOICED = "fully_invoiced", "Fully invoiced"

    number = models.CharField(max_length=20, unique=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sales_orders")
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.NEW)
    in_hands_date = models.DateField(null=True, blank=True)
    ship_to = models.TextField(
        max_length=1000, blank=True, help_text="Where the goods go; left blank, the client's billing address"
    )
    client_po_number = models.CharField(
        "client's PO number", max_length=50, blank=True, help_text="The client's own purchase order number, if any"
    )
    # When the client answered "OK to ship what is ready now" on its status page (the first answer stands).
    client_ok_to_ship_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.CheckConstraint(condition=Q(status__in=SalesOrderStatus.values), name="so_status_valid")]
        indexes = [models.Index(fields=["status"], name="so_status_idx")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales-order-detail", args=[self.pk])


# The workflow order of a sales order; closed stands outside it.
SALES_ORDER_FLOW = [
    SalesOrder.Status.NEW,
    SalesOrder.Status.PENDING_CLIENT_APPROVAL,
    SalesOrder.Status.CLIENT_CHANGE_REQUESTED,
    SalesOrder.Status.CLIENT_APPROVED,
    SalesOrder.Status.IN_PRODUCTION,
    SalesOrder.Status.SHIPPED,
    SalesOrder.Status.READY_TO_BE_INVOICED,
    SalesOrder.Status.INVOICED,
]


SUPPLIER_REF_MAX_LENGTH = 64
MAX_UNITS_PER_PACK = 100_000


def supplier_ref_refusal(label: str, value: str) -> str | None:
    """Why a supplier's product or part id cannot be kept, naming it by `label`; None when it can.

    The ids are the supplier's catalogue codes (PromoStandards productId, partId): one line of plain text.
    """
    if len(value) > SUPPLIER_REF_MAX_LENGTH:
        return f"{label} may hold at most {SUPPLIER_REF_MAX_LENGTH} characters; this has {len(value)}."
    if any(sign in value for sign in "<>") or not value.isprintable():
        return f"{label} must be plain text: a code such as MUG11 or BLK-L, without <, > or control characters."
    return None


class ItemKind(models.TextChoices):
    PRODUCT = "product", "Product"
    SERVICE = "service", "Service"


class SalesOrderItem(models.Model):
    Kind = ItemKind

    sales_order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PRODUCT)
    description = models.CharField(max_length=300)
    # Who makes or decorates it; "Create purchase orders" groups the items by it.
    supplier = models.ForeignKey(
        "purchasing.Supplier", on_delete=models.PROTECT, related_name="sales_order_items", null=True, blank=True
    )
    # The supplier's own ids of what is ordered (PromoStandards productId and partId): its stock is asked by them.
    supplier_product_id = models.CharField("supplier's product id", max_length=SUPPLIER_REF_MAX_LENGTH, blank=True)
    supplier_part_id = models.CharField("supplier's part id", max_length=SUPPLIER_REF_MAX_LENGTH, blank=True)
    # How many of this item make one of the supplier's packs (case, box, ...), for a supplier that counts its
    # stock in them; the desk counts items one by one (a dozen is 12 without it).
    supplier_units_per_pack = models.PositiveIntegerField(
        "units per supplier's pack",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_UNITS_PER_PACK)],
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)])
    unit_price = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    unit_cost = models.DecimalField(**MONEY, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))])
    tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent, e.g. 8.25",
    )
    # Counters kept by the services in the same transaction as the rows they sum; the CHECK below
    # makes over-invoicing impossible even if two invoices race past the application checks.
    # Net of credit notes: a credited quantity goes back to "remaining to invoice".
    invoiced_quantity = models.PositiveIntegerField(default=0, editable=False)
    cancelled_quantity = models.PositiveIntegerField(default=0, editable=False)
    backordered_quantity = models.PositiveIntegerField(default=0, editable=False)
    # Where the goods are (purchasing/ keeps these as POs are written and move): the quantity on purchase
    # orders, and the part of it that has shipped (the PO is Shipped or later, or its backorder was flagged,
    # which declares that the rest ships now). "Ready" follows the goods, not the calendar.
    purchased_quantity = models.PositiveIntegerField(default=0, editable=False)
    shipped_quantity = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            # Items with something left to invoice, by order: the remaining amount of a report's orders
            # reads these, and a long history is nearly all invoiced.
            models.Index(
                fields=["sales_order"],
                condition=Q(quantity__gt=F("cancelled_quantity") + F("invoiced_quantity")),
                name="so_item_remaining_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_QUANTITY), name="so_item_quantity_positive"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="so_item_unit_price_not_negative"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="so_item_unit_cost_not_negative"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100), name="so_item_tax_rate_range"),
            models.CheckConstraint(condition=Q(kind__in=ItemKind.values), name="so_item_kind_valid"),
            models.CheckConstraint(
                condition=Q(invoiced_quantity__gte=0)
                & Q(cancelled_quantity__gte=0)
                & Q(invoiced_quantity__lte=F("quantity") - F("cancelled_quantity")),
                name="so_item_invoiced_within_ordered",
            ),
            models.CheckConstraint(condition=Q(backordered_quantity__gte=0), name="so_item_backordered_not_negative"),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0) & Q(shipped_quantity__lte=F("purchased_quantity")),
                name="so_item_shipped_within_purchased",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def remaining_quantity(self) -> int:
        return self.quantity - self.cancelled_quantity - self.invoiced_quantity

    @property
    def unshipped_quantity(self) -> int:
        """What sits on purchase orders whose goods have not shipped."""
        return self.purchased_quantity - self.shipped_quantity

    @property
    def ready_quantity(self) -> int:
        """What can be invoiced now: the goods that are there (shipped, or on no PO, like a setup charge),
        less what is invoiced, cancelled or backordered (projects.selectors.ready_expression says the same)."""
        return max(0, self.remaining_quantity - self.backordered_quantity - self.unshipped_quantity)


def suppliers() -> models.Manager:
    """The suppliers an item may name, reached through the item's relation (they live in purchasing/, above)."""
    return SalesOrderItem._meta.get_field("supplier").related_model._default_manager


class Note(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notes")
    body = models.TextField(max_length=5000)
    pinned = models.BooleanField(default=False)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="mentioned_in_notes", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pinned", "-created_at", "-id"]
        indexes = [models.Index(fields=["project", "pinned"], name="note_project_pinned_idx")]

    def __str__(self) -> str:
        return f"Note by {self.author} on {self.project.number}"


class HistoryIsPermanent(Exception):
    """An attempt to change or delete a row of the activity log."""


HISTORY_IS_PERMANENT = "Activity rows are history: they are never changed or deleted."


class ActivityQuerySet(models.QuerySet):
    # Bulk writes bypass save() and delete(), so they are refused here too; PostgreSQL refuses them
    # once more in a trigger (migration 0004), whatever the code or the SQL that tries.
    def update(self, **kwargs):
        raise HistoryIsPermanent(HISTORY_IS_PERMANENT)

    def delete(self):
        raise HistoryIsPermanent(HISTORY_IS_PERMANENT)


class Activity(models.Model):
    """One row per status or stage change, backorder, invoice and note: who, when, what, from, to.

    Rows are written once and never changed or deleted, the admin included. The project, user and
    content type a row names are protected from deletion for the same reason (deactivate a user).
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="activities")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField(max_length=100)
    verb = models.CharField(max_length=100)
    from_value = models.CharField(max_length=100, blank=True)
    to_value = models.CharField(max_length=100, blank=True)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["project", "-created_at"], name="activity_project_time_idx")]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.verb} {self.subject_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryIsPermanent(HISTORY_IS_PERMANENT)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryIsPermanent(HISTORY_IS_PERMANENT)

    @property
    def actor_label(self) -> str:
        if self.actor_id is None:
            return "automatic"
        return self.actor.get_full_name() or self.actor.get_username()
