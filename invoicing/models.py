"""Invoices, their lines, payments, credit notes and the gapless number sequences."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse

from projects.models import MONEY
from purchasing.models import EmailState


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
    DRAFT = "draft", "Draft"  # saved to finish later: no number, not counted as invoiced
    OPEN = "open", "Open"
    SENT_TO_CLIENT = "sent_to_client", "Sent to Client"
    EXPORTED = "exported", "Exported"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


# What the Invoices Report lists: a draft is not an invoice yet.
REPORTED_STATUSES = [(value, label) for value, label in InvoiceStatus.choices if value != InvoiceStatus.DRAFT]


# An invoice's email to the client goes through the same states as a PO's to the supplier.
InvoiceEmailState = EmailState


@dataclass(frozen=True)
class BillTo:
    name: str
    billing_address: str
    billing_email: str


class Invoice(models.Model):
    Kind = InvoiceKind
    Status = InvoiceStatus
    EmailState = InvoiceEmailState

    # NULL while a draft: a draft takes its number only when issued, so the sequence stays gapless,
    # and NULLs never collide under the unique constraints.
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    sequence_number = models.PositiveBigIntegerField(unique=True, null=True, blank=True)
    sales_order = models.ForeignKey("projects.SalesOrder", on_delete=models.PROTECT, related_name="invoices")
    # The client of the order's project, kept on the invoice (set when it is made, moved with the project
    # when a project changes client, in that transaction): AR aging and the report's client filter read
    # the invoices without joining every order and project of the history. check_books reports drift.
    client = models.ForeignKey("projects.Client", on_delete=models.PROTECT, related_name="+", editable=False)
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
    # When the marks were made: a manager may undo one on the same (local) day.
    exported_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Counters kept by the payment and credit note services under the invoice's row lock; the CHECK
    # below refuses an overpayment even if two payments race past the application checks.
    paid_amount = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    credited_amount = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    # The balance due, kept by the database itself in the same write as the counters above, for queries:
    # the partial index below is on it, so AR aging and the report's "balance due" filter read only the
    # invoices still owed, not the history. In Python, read `balance_due`, which a save cannot leave stale.
    owed_amount = models.GeneratedField(
        # Rounded to the cent, which changes nothing on PostgreSQL and keeps SQLite's float sums exact.
        expression=Round(F("total") - F("credited_amount") - F("paid_amount"), 2),
        output_field=models.DecimalField(**MONEY),
        db_persist=True,
    )
    # The bill-to as it was at issue: a client's later change of address does not rewrite old invoices.
    bill_to_name = models.CharField(max_length=200, blank=True)
    bill_to_address = models.TextField(blank=True)
    bill_to_email = models.EmailField(blank=True)
    # Delivery of the email to the client, claimed like a notification's so it leaves once.
    email_state = models.CharField(
        max_length=16, choices=InvoiceEmailState.choices, default=InvoiceEmailState.NOT_REQUESTED
    )
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # The address the request that asked for the email came in on; its links use it unless SITE_URL is set.
    email_site_url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # For accounting integrations polling with updated_since; queryset updates must set it too.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-sequence_number"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InvoiceKind.values), name="invoice_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"),
            models.CheckConstraint(
                condition=Q(email_state__in=InvoiceEmailState.values), name="invoice_email_state_valid"
            ),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("date")), name="invoice_due_after_date"),
            # A draft has no number and every issued invoice has one: numbers are taken only at issue.
            models.CheckConstraint(
                condition=Q(status="draft", number__isnull=True, sequence_number__isnull=True)
                | (~Q(status="draft") & Q(number__isnull=False, sequence_number__isnull=False)),
                name="invoice_number_only_when_issued",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0)
                & Q(credited_amount__gte=0)
                & Q(credited_amount__lte=F("total"))
                # Rounded to the cent: SQLite keeps decimals as floats, where 1,293.80 - 323.45 < 970.35.
                & Q(LessThanOrEqual(F("paid_amount"), Round(F("total") - F("credited_amount"), 2))),
                name="invoice_paid_and_credited_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "sequence_number"], name="invoice_date_seq_idx"),
            models.Index(fields=["status"], name="invoice_status_idx"),
            models.Index(fields=["client", "date"], name="invoice_client_date_idx"),
            # Issued invoices with money still owed: however long the history, AR aging reads only these.
            models.Index(
                fields=["date"],
                condition=Q(owed_amount__gt=0) & ~Q(status__in=[InvoiceStatus.DRAFT, InvoiceStatus.VOID]),
                name="invoice_owed_date_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft invoice {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("invoice-detail", args=[self.pk])

    @property
    def bill_to(self) -> BillTo:
        """Who the invoice is addressed to, as it was at issue."""
        if self.bill_to_name:
            return BillTo(self.bill_to_name, self.bill_to_address, self.bill_to_email)
        client = self.sales_order.project.client
        return BillTo(client.name, client.billing_address, client.billing_email)

    @property
    def balance_due(self) -> Decimal:
        """What the client still owes: the total less credit notes and payments."""
        return self.total - self.credited_amount - self.paid_amount

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def can_void(self) -> bool:
        # An invoice with credit notes is corrected by crediting the rest, and one with payments by a
        # credit note too: never voided.
        return (
            self.status in (self.Status.OPEN, self.Status.SENT_TO_CLIENT)
            and not self.credited_amount
            and not self.paid_amount
        )

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
    # Kept by the credit note service under the line's row lock.
    credited_quantity = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="invoice_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(credited_quantity__lte=F("quantity")), name="invoice_line_credited_within_quantity"
            ),
            models.UniqueConstraint(fields=["invoice", "sales_order_item"], name="invoice_line_once_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


class PaymentMethod(models.TextChoices):
    CHECK = "check", "Check"
    ACH = "ach", "ACH / bank transfer"
    WIRE = "wire", "Wire"
    CARD = "card", "Card"
    CASH = "cash", "Cash"
    OTHER = "other", "Other"


class Payment(models.Model):
    """Money received against one invoice; several partial payments may settle it."""

    Method = PaymentMethod

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    date = models.DateField()
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=16, choices=Method.choices)
    reference = models.CharField(max_length=100, blank=True, help_text="Check number, transfer id, ...")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["date"], name="payment_date_idx"),
            # The pollers' order (`?updated_since=`), read from the index even when many rows share a moment.
            models.Index(fields=["updated_at", "id"], name="payment_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="payment_method_valid"),
        ]

    def __str__(self) -> str:
        return f"Payment of {self.amount} on {self.invoice}"


class CreditNote(models.Model):
    """A credit against an issued invoice, in whole or by line quantities; numbered CN- without gaps."""

    number = models.CharField(max_length=20, unique=True)
    sequence_number = models.PositiveBigIntegerField(unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    date = models.DateField()
    reason = models.CharField(max_length=500)
    subtotal = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-sequence_number"]
        indexes = [
            models.Index(fields=["date"], name="credit_note_date_idx"),
            models.Index(fields=["updated_at", "id"], name="credit_note_updated_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(total__gt=0), name="credit_note_total_positive")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("credit-note-detail", args=[self.pk])


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credit_lines")
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="credit_note_line_quantity_positive"),
            models.UniqueConstraint(
                fields=["credit_note", "invoice_line"], name="credit_note_line_once_per_invoice_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


class InvoiceDayTotal(models.Model):
    """The issued invoices of one day, order rep, status and kind, summed: what the Invoices Report totals read.

    Kept by PostgreSQL itself, in the same transaction as every write to an invoice or to a project's
    order rep (the triggers of migration 0012), so that no write path can forget it; `check_books`
    recomputes it from the invoices and reports any drift. Drafts are not counted. `order_rep_id` is
    the invoice's project's order rep (0 for none). On SQLite, which the demo runs on, nothing keeps
    it and the report sums the invoices themselves.
    """

    day = models.DateField()
    order_rep_id = models.IntegerField()
    status = models.CharField(max_length=20, choices=InvoiceStatus.choices)
    kind = models.CharField(max_length=10, choices=InvoiceKind.choices)
    count = models.IntegerField(default=0)
    subtotal = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    tax = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    owed = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "order_rep_id", "status", "kind"], name="invoice_day_total_key"),
        ]

    def __str__(self) -> str:
        return f"{self.day} rep {self.order_rep_id} {self.status} {self.kind}: {self.count}"
