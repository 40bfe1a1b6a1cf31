"""Money waiting: what is ready to invoice, what open backorders hold back, and what clients still owe.

Three queries whatever the amount of data, each one pass of conditional aggregation:

- ready to invoice now: the Sales orders list's totals for the orders Ready to be Invoiced
  (projects.sales_order_report, the item figures of projects.selectors);
- blocked by open backorders: each open backorder's quantity at its sales-order item's unit price,
  the Backorders report's value, summed by expected date (overdue, this week, the next weeks,
  later, no date);
- invoiced and unpaid: issued invoices that are not void, total − credited − paid (the Invoices
  Report's balance due), and per week of the last weeks the amount invoiced and what of it is
  still owed today.

Every figure comes with the report filters whose totals give exactly that figure.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from backorders.models import Backorder
from backorders.selectors import ZERO as ZERO_BACKORDER_VALUE
from backorders.selectors import _value as backorder_value
from invoicing.models import Invoice
from invoicing.reports import ZERO, invoice_balance_due, invoice_owing
from projects.models import SalesOrder
from projects.sales_order_report import sales_order_report_totals

TREND_WEEKS = 12
BACKORDER_WEEKS = 8  # this week and the seven after it, each on its own line; later ones together


@dataclass(frozen=True)
class ReadyNow:
    count: int
    ready_amount: Decimal
    remaining_amount: Decimal
    backordered_amount: Decimal
    filters: dict[str, str]


@dataclass(frozen=True)
class BlockedBucket:
    """Open backorders expected within a span of days (or overdue, or with no date), and their value."""

    label: str
    count: int
    amount: Decimal
    filters: dict[str, str]
    first: date | None = None
    last: date | None = None


@dataclass(frozen=True)
class InvoicedWeek:
    """The invoices dated in one week (Monday to Sunday): their count and total, and what is still owed on them."""

    start: date
    end: date
    count: int
    invoiced: Decimal
    unpaid_now: Decimal

    @property
    def invoiced_filters(self) -> dict[str, str]:
        return {"date_from": self.start.isoformat(), "date_to": self.end.isoformat()}

    @property
    def unpaid_filters(self) -> dict[str, str]:
        return {**self.invoiced_filters, "balance_due": "yes"}


@dataclass(frozen=True)
class MoneyWaiting:
    today: date
    ready: ReadyNow
    blocked_count: int
    blocked_amount: Decimal
    blocked: list[BlockedBucket]
    unpaid_count: int
    unpaid_amount: Decimal
    weeks: list[InvoicedWeek] = field(default_factory=list)

    @property
    def blocked_filters(self) -> dict[str, str]:
        return {}  # every open backorder: the report unfiltered

    @property
    def unpaid_filters(self) -> dict[str, str]:
        return {"balance_due": "yes"}


def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def _ready() -> ReadyNow:
    filters = {"status": SalesOrder.Status.READY_TO_BE_INVOICED.value}
    totals = sales_order_report_totals(filters)
    return ReadyNow(
        count=totals["count"],
        ready_amount=totals["ready_amount"],
        remaining_amount=totals["remaining_amount"],
        backordered_amount=totals["backordered_amount"],
        filters=filters,
    )


def _blocked_spans(today: date) -> list[tuple[str, Q, dict[str, str], date | None, date | None]]:
    """(label, condition, Backorders report filters, first day, last day) of each line, in the order shown."""
    spans: list[tuple[str, Q, dict[str, str], date | None, date | None]] = [
        ("Overdue", Q(expected_date__lt=today), {"overdue": "yes"}, None, today - timedelta(days=1))
    ]
    first = today
    last = week_start(today) + timedelta(days=6)
    for week in range(BACKORDER_WEEKS):
        label = "This week" if week == 0 else ("Next week" if week == 1 else "Week of")
        spans.append(
            (
                label,
                Q(expected_date__gte=first, expected_date__lte=last),
                {"expected_from": first.isoformat(), "expected_to": last.isoformat()},
                first,
                last,
            )
        )
        first, last = last + timedelta(days=1), last + timedelta(days=7)
    spans.append(("Later", Q(expected_date__gte=first), {"expected_from": first.isoformat()}, first, None))
    spans.append(("No expected date", Q(expected_date__isnull=True), {"dated": "no"}, None, None))
    return spans


def _blocked(today: date) -> tuple[int, Decimal, list[BlockedBucket]]:
    spans = _blocked_spans(today)
    aggregates = {"count": Count("pk"), "amount": Coalesce(Sum(backorder_value()), ZERO_BACKORDER_VALUE)}
    for index, (_label, condition, _filters, _first, _last) in enumerate(spans):
        aggregates[f"count_{index}"] = Count("pk", filter=condition)
        aggregates[f"amount_{index}"] = Coalesce(Sum(backorder_value(), filter=condition), ZERO_BACKORDER_VALUE)
    sums = Backorder.objects.filter(status=Backorder.Status.OPEN).order_by().aggregate(**aggregates)
    buckets = [
        BlockedBucket(
            label=label,
            count=sums[f"count_{index}"],
            amount=sums[f"amount_{index}"],
            filters=filters,
            first=first,
            last=last,
        )
        for index, (label, _condition, filters, first, last) in enumerate(spans)
    ]
    return sums["count"], sums["amount"], buckets


def _invoiced(today: date) -> tuple[int, Decimal, list[InvoicedWeek]]:
    newest = week_start(today)
    starts = [newest - timedelta(weeks=back) for back in range(TREND_WEEKS - 1, -1, -1)]
    balance = invoice_balance_due()
    aggregates = {
        "unpaid_count": Count("pk", filter=invoice_owing()),
        "unpaid_amount": Coalesce(Sum(balance), ZERO),
    }
    for index, start in enumerate(starts):
        in_week = Q(date__gte=start, date__lte=start + timedelta(days=6))
        aggregates[f"count_{index}"] = Count("pk", filter=in_week)
        aggregates[f"invoiced_{index}"] = Coalesce(Sum("total", filter=in_week), ZERO)
        aggregates[f"unpaid_{index}"] = Coalesce(Sum(balance, filter=in_week), ZERO)
    sums = (
        Invoice.objects.exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID])
        .order_by()
        .aggregate(**aggregates)
    )
    weeks = [
        InvoicedWeek(
            start=start,
            end=start + timedelta(days=6),
            count=sums[f"count_{index}"],
            invoiced=sums[f"invoiced_{index}"],
            unpaid_now=sums[f"unpaid_{index}"],
        )
        for index, start in enumerate(starts)
    ]
    return sums["unpaid_count"], sums["unpaid_amount"], weeks


def money_waiting(*, today: date) -> MoneyWaiting:
    """Read every figure of Money waiting as of the given (local) day, in three queries."""
    blocked_count, blocked_amount, blocked = _blocked(today)
    unpaid_count, unpaid_amount, weeks = _invoiced(today)
    return MoneyWaiting(
        today=today,
        ready=_ready(),
        blocked_count=blocked_count,
        blocked_amount=blocked_amount,
        blocked=blocked,
        unpaid_count=unpaid_count,
        unpaid_amount=unpaid_amount,
        weeks=weeks,
    )
