"""Money waiting: what is ready to invoice, what open backorders hold back, and what clients still owe.

Five queries whatever the amount of data, each one pass over its rows that returns one row or a
dozen (grouped by a key worked out in the database: building a statement of thirty-odd filtered
sums cost the ORM more than PostgreSQL took to run it), and none reads the whole history:

- ready to invoice now: the Sales orders list's totals for the orders Ready to be Invoiced
  (reports.sales_order_report: the orders counted, the amounts of their items with something left);
- blocked by open backorders: each open backorder's quantity at its sales-order item's unit price,
  the Backorders report's value, summed by expected date (overdue, this week, the next weeks,
  later, no date);
- invoiced and unpaid: issued invoices that are not void, total − credited − paid (the Invoices
  Report's balance due, kept by the database as `owed_amount`), read through the partial index of
  the invoices still owed; and per week of the last weeks the amount invoiced and what of it is
  still owed today, from the invoices' kept totals per day on PostgreSQL (invoicing.day_totals), from
  the invoices of those weeks elsewhere.

Every figure comes with the report filters whose totals give exactly that figure.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, Count, DateField, Sum, Value, When
from django.db.models.functions import Cast, TruncWeek

from backorders.models import Backorder
from backorders.selectors import _value as backorder_value
from invoicing.day_totals import day_totals_kept
from invoicing.models import Invoice, InvoiceDayTotal
from invoicing.selectors import invoice_balance_due, invoice_owing
from projects.models import SalesOrder
from reports.sales_order_report import sales_order_report_totals

ZERO_AMOUNT = Decimal("0.00")
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
        count=totals.count,
        ready_amount=totals.ready_amount,
        remaining_amount=totals.remaining_amount,
        backordered_amount=totals.backordered_amount,
        filters=filters,
    )


def _monday_of(name: str) -> Cast:
    # A date, not the timestamp date_trunc returns: the CASE around it mixes it with dates.
    return Cast(TruncWeek(name), output_field=DateField())


# The group keys of the lines by expected date that are not the Monday of their week.
OVERDUE = date.min
NO_DATE = None


def _blocked_spans(today: date) -> list[tuple[str, date | None, dict[str, str], date | None, date | None]]:
    """(label, group key, Backorders report filters, first day, last day) of each line, in the order shown."""
    spans: list[tuple[str, date | None, dict[str, str], date | None, date | None]] = [
        ("Overdue", OVERDUE, {"overdue": "yes"}, None, today - timedelta(days=1))
    ]
    monday = week_start(today)
    first = today  # the days of this week before today are overdue
    for week in range(BACKORDER_WEEKS):
        label = "This week" if week == 0 else ("Next week" if week == 1 else "Week of")
        last = monday + timedelta(days=6)
        filters = {"expected_from": first.isoformat(), "expected_to": last.isoformat()}
        spans.append((label, monday, filters, first, last))
        monday = first = monday + timedelta(weeks=1)
    spans.append(("Later", monday, {"expected_from": monday.isoformat()}, monday, None))
    spans.append(("No expected date", NO_DATE, {"dated": "no"}, None, None))
    return spans


def _blocked(today: date) -> tuple[int, Decimal, list[BlockedBucket]]:
    spans = _blocked_spans(today)
    later = spans[-2][1]
    # One row per line: the Monday of the expected date's week, with the overdue, the later and the
    # undated ones each under one key. Grouping keeps the statement short to build and to plan.
    key = Case(
        When(expected_date__isnull=True, then=Value(NO_DATE)),
        When(expected_date__lt=today, then=Value(OVERDUE)),
        When(expected_date__gte=later, then=Value(later)),
        default=_monday_of("expected_date"),
        output_field=DateField(),
    )
    rows = (
        Backorder.objects.filter(status=Backorder.Status.OPEN)
        .annotate(key=key)
        .values_list("key")
        .annotate(count=Count("pk"), amount=Sum(backorder_value()))
        .order_by()
    )
    groups: dict[date | None, tuple[int, Decimal]] = {key: (count, amount) for key, count, amount in rows}
    buckets = [
        BlockedBucket(
            label=label,
            count=groups.get(group, (0, ZERO_AMOUNT))[0],
            amount=groups.get(group, (0, ZERO_AMOUNT))[1],
            filters=filters,
            first=first,
            last=last,
        )
        for label, group, filters, first, last in spans
    ]
    return sum(bucket.count for bucket in buckets), sum((b.amount for b in buckets), ZERO_AMOUNT), buckets


def _invoiced(today: date) -> tuple[int, Decimal, list[InvoicedWeek]]:
    newest = week_start(today)
    starts = [newest - timedelta(weeks=back) for back in range(TREND_WEEKS - 1, -1, -1)]
    issued = Invoice.objects.exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID])
    rows: Iterable[tuple]
    if day_totals_kept():
        # The trend reads the kept totals of its own days (and any later), a few rows a day.
        rows = (
            InvoiceDayTotal.objects.exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID])
            .filter(day__gte=starts[0])
            .annotate(key=_monday_of("day"))
            .values_list("key")
            .annotate(count=Sum("count"), invoiced=Sum("total"), unpaid=Sum("owed"))
            .order_by()
        )
    else:
        # Only its own weeks (and any invoice dated later), through the index on the date.
        rows = (
            issued.filter(date__gte=starts[0])
            .annotate(key=_monday_of("date"))
            .values_list("key")
            .annotate(count=Count("pk"), invoiced=Sum("total"), unpaid=Sum(invoice_balance_due()))
            .order_by()
        )
    groups: dict[date, tuple[int, Decimal, Decimal]] = {row[0]: row[1:] for row in rows}
    empty = (0, ZERO_AMOUNT, ZERO_AMOUNT)
    weeks = [
        InvoicedWeek(
            start=start,
            end=start + timedelta(days=6),
            count=groups.get(start, empty)[0],
            invoiced=groups.get(start, empty)[1],
            unpaid_now=groups.get(start, empty)[2],
        )
        for start in starts
    ]
    # What is unpaid, whenever invoiced: only the invoices still owed, read through their partial index.
    owed = issued.filter(invoice_owing()).aggregate(count=Count("pk"), amount=Sum(invoice_balance_due()))
    return owed["count"], owed["amount"] or ZERO_AMOUNT, weeks


def money_waiting(*, today: date) -> MoneyWaiting:
    """Read every figure of Money waiting as of the given (local) day, in five queries."""
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
