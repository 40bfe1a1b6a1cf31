"""Reads of invoices that more than one invoicing module needs."""

from decimal import Decimal

from django.db.models import (
    F,
    Sum,
)
from django.db.models.functions import Coalesce

from invoicing.models import Invoice, InvoiceLine
from projects.models import SalesOrderItem
from projects.selectors import ZERO_MONEY, _amount, _remaining


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
