"""The Sales orders list: orders by status and client, with what remains and what is ready to invoice.

Money waiting's "ready to invoice now" is this list's totals for the orders Ready to be Invoiced,
read by the same function, so the figure and the list it links to always agree. The amounts are
the item figures of projects.selectors (remaining = ordered − cancelled − invoiced, ready =
remaining − backordered, never below 0), at the item's unit price, net of tax: the Invoices
Report's "remaining" is the same expression.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce

from projects.models import SalesOrder, SalesOrderItem
from projects.selectors import ZERO_MONEY, _amount, _ready, _remaining, order_items_sum

PAGE_SIZE = 50


@dataclass(frozen=True)
class SalesOrderReportFilters:
    """The list's cleaned filters; None means "any"."""

    status: str | None = None
    client_id: int | None = None

    @classmethod
    def from_mapping(cls, values: Mapping | None) -> "SalesOrderReportFilters":
        values = values or {}
        client = values.get("client")
        return cls(status=values.get("status") or None, client_id=getattr(client, "pk", client) or None)


def _as_filters(filters) -> SalesOrderReportFilters:
    if isinstance(filters, SalesOrderReportFilters):
        return filters
    return SalesOrderReportFilters.from_mapping(filters)


def sales_order_report_filtered(filters=None) -> QuerySet[SalesOrder]:
    """Sales orders matching the filters, bare: no joins beyond what the filters need, no order."""
    f = _as_filters(filters)
    rows = SalesOrder.objects.all()
    if f.status:
        rows = rows.filter(status=f.status)
    if f.client_id:
        rows = rows.filter(project__client_id=f.client_id)
    return rows.order_by()


@dataclass(frozen=True)
class SalesOrderTotals:
    count: int
    remaining_amount: Decimal
    ready_amount: Decimal

    @property
    def backordered_amount(self) -> Decimal:
        """The part of the remaining amount that is not ready: what waits for backorders."""
        return self.remaining_amount - self.ready_amount


def sales_order_report_totals(filters=None) -> SalesOrderTotals:
    """Count the matching orders, and sum their remaining and ready amounts (net), in two queries.

    Only items with something left add to either amount (ready is never above remaining), so the sums
    read those through their partial index: the cost follows the open items, not the whole history.
    """
    f = _as_filters(filters)
    items = SalesOrderItem.objects.filter(quantity__gt=F("cancelled_quantity") + F("invoiced_quantity"))
    if f.status:
        items = items.filter(sales_order__status=f.status)
    if f.client_id:
        items = items.filter(sales_order__project__client_id=f.client_id)
    sums = items.order_by().aggregate(
        remaining_amount=Coalesce(Sum(_amount(_remaining())), ZERO_MONEY),
        ready_amount=Coalesce(Sum(_amount(_ready())), ZERO_MONEY),
    )
    return SalesOrderTotals(count=sales_order_report_filtered(f).count(), **sums)


def sales_order_report_page(filters=None, *, page: int = 1) -> list[dict[str, Any]]:
    """One page of matching orders, newest first, with project, client and amounts, as dicts."""
    offset = (max(page, 1) - 1) * PAGE_SIZE
    rows = sales_order_report_filtered(filters).annotate(
        project_number=F("project__number"),
        project_name=F("project__name"),
        client_name=F("project__client__name"),
        remaining_amount=order_items_sum(_amount(_remaining())),
        ready_amount=order_items_sum(_amount(_ready())),
    )
    return [
        dict(row)
        for row in rows.order_by("-id").values(
            "id",
            "number",
            "status",
            "project_id",
            "project_number",
            "project_name",
            "client_name",
            "remaining_amount",
            "ready_amount",
        )[offset : offset + PAGE_SIZE]
    ]
