"""Reads of invoices shared by the invoicing modules and the reports above them: the report's filters, what is owed."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce

from invoicing.models import Invoice, InvoiceLine
from projects.models import SalesOrderItem
from projects.selectors import MONEY_FIELD, ZERO_MONEY, _amount, _remaining


def sales_order_remaining_amount_after(*, invoice: Invoice) -> Decimal:
    """Return what remained to invoice on an invoice's sales order (net) once that invoice was issued.

    The order's remaining amount now, plus what the order's later invoices (not void) have taken of
    it since: so a partial invoice printed again after the final one still shows its own balance.
    """
    # The same figure as sales_orders_with_figures' remaining_amount, summed over the order's items.
    remaining_now = SalesOrderItem.objects.filter(sales_order_id=invoice.sales_order_id).aggregate(
        amount=Coalesce(Sum(_amount(_remaining())), ZERO_MONEY)
    )["amount"]
    # Credited quantities went back to remaining, so a later invoice took only what was not credited.
    taken_later = InvoiceLine.objects.filter(
        invoice__sales_order_id=invoice.sales_order_id, invoice__sequence_number__gt=invoice.sequence_number
    ).exclude(invoice__status__in=[Invoice.Status.VOID, Invoice.Status.DRAFT])
    later = taken_later.aggregate(
        amount=Coalesce(Sum(_amount(F("quantity") - F("credited_quantity"), "sales_order_item__")), ZERO_MONEY)
    )["amount"]
    return remaining_now + later


@dataclass(frozen=True)
class InvoiceReportFilters:
    """The report's cleaned filters; None means "any"."""

    date_from: date | None = None
    date_to: date | None = None
    client_id: int | None = None
    rep_id: int | None = None
    status: str | None = None
    kind: str | None = None
    has_remaining: bool | None = None
    # True: invoices the client still owes something on (issued, not void); False: the others;
    # "partly": owed, with part of it paid already.
    balance_due: bool | str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping | None) -> "InvoiceReportFilters":
        """Build from cleaned form or filter-set data, whose client and rep may be objects or ids."""
        values = values or {}

        def pk(value) -> int | None:
            return getattr(value, "pk", value) or None

        return cls(
            date_from=values.get("date_from") or None,
            date_to=values.get("date_to") or None,
            client_id=pk(values.get("client")),
            rep_id=pk(values.get("rep")),
            status=values.get("status") or None,
            kind=values.get("kind") or None,
            has_remaining=values.get("has_remaining"),
            balance_due=values.get("balance_due"),
        )


def _as_filters(filters) -> InvoiceReportFilters:
    return filters if isinstance(filters, InvoiceReportFilters) else InvoiceReportFilters.from_mapping(filters)


def _item_remaining_amount():
    return (F("quantity") - F("cancelled_quantity") - F("invoiced_quantity")) * F("unit_price")


def _order_has_remaining_balance():
    """True when an item of the row's sales order still has something to invoice at a price above zero."""
    return Exists(
        SalesOrderItem.objects.filter(
            sales_order_id=OuterRef("sales_order_id"),
            quantity__gt=F("cancelled_quantity") + F("invoiced_quantity"),
            unit_price__gt=0,
        )
    )


PARTLY_PAID = "partly"


def invoice_balance_due():
    """What the client still owes on an invoice: its total less credit notes and payments (Invoice.balance_due)."""
    # Typed as money, so that SQLite's sums come back rounded to the cent as PostgreSQL's do.
    return ExpressionWrapper(F("owed_amount"), output_field=MONEY_FIELD)


def invoice_owing() -> Q:
    """Invoices the client still owes something on: not void, and the total above credits and payments.

    In the terms of the owed invoices' partial index (drafts aside, which the report leaves out first).
    """
    return ~Q(status=Invoice.Status.VOID) & Q(owed_amount__gt=0)


def invoice_report_filtered(filters=None) -> QuerySet[Invoice]:
    """Invoices matching the filters, bare: no joins beyond what the filters need, no order."""
    f = _as_filters(filters)
    # A draft is not an invoice yet: it has no number and invoices nothing.
    rows = Invoice.objects.exclude(status=Invoice.Status.DRAFT)
    if f.date_from:
        rows = rows.filter(date__gte=f.date_from)
    if f.date_to:
        rows = rows.filter(date__lte=f.date_to)
    if f.client_id:
        rows = rows.filter(client_id=f.client_id)  # the invoice's kept client, read by its index
    if f.rep_id:
        rows = rows.filter(sales_order__project__order_rep_id=f.rep_id)
    if f.status:
        rows = rows.filter(status=f.status)
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.has_remaining is True:
        rows = rows.filter(_order_has_remaining_balance())
    elif f.has_remaining is False:
        rows = rows.exclude(_order_has_remaining_balance())
    if f.balance_due is True:
        rows = rows.filter(invoice_owing())
    elif f.balance_due == PARTLY_PAID:
        rows = rows.filter(invoice_owing(), paid_amount__gt=0)
    elif f.balance_due is False:
        rows = rows.exclude(invoice_owing())
    return rows.order_by()
