"""Supplier performance: how often each supplier backorders, how late it delivers, how often its dates move.

The period picks purchase orders by their date (the PO's creation, as a day in the company's time
zone): the PO lines ordered in the period are the cohort, and every backorder ever raised on those
lines counts, whenever it was raised. Picking by the backorder's raise date instead would leave the
share without a matching denominator (lines ordered long before a backorder was raised).

Per supplier:

- PO lines, and the lines with at least one backorder (open, resolved or cancelled): their share;
- days late of each backorder against the first date the supplier promised (first_expected_date,
  or expected_date where it was never kept, as on rows that bulk seeding wrote): the day it was
  resolved (closed_at as a day in the company's zone) or today while it is open, minus that date,
  never below 0. Cancelled backorders and backorders that never had a date are left out of
  lateness; their average and 90th percentile (PostgreSQL's percentile_cont: linear interpolation
  between the two nearest values);
- how often the expected date moved: moves per backorder and the share of backorders moved at
  least once, over every backorder on the lines, cancelled ones included.

One query on PostgreSQL. SQLite has no percentile_cont, so there the 90th percentile is worked out
in Python from a second query of the backorders' days late, with the same interpolation.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    DateField,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from backorders.models import Backorder
from core.downloads import XlsxColumn, spreadsheet_safe
from purchasing.models import PurchaseOrderItem, Supplier

DEFAULT_DAYS = 90
PERCENTILE = 0.9


@dataclass(frozen=True)
class Period:
    """PO dates from first to last, both days included, in the company's time zone."""

    first: date
    last: date

    @classmethod
    def default(cls, today: date) -> "Period":
        """The last 90 days, today included."""
        return cls(today - timedelta(days=DEFAULT_DAYS - 1), today)

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as moments: from the first day's midnight to the midnight after the last day."""
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.first, time.min, tzinfo=zone),
            datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone),
        )


def _rounded(value: Decimal | float, places: str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


@dataclass(frozen=True)
class SupplierPerformance:
    """One supplier's figures over a period; ratios are None where there is nothing to divide by."""

    supplier_id: int
    supplier_name: str
    po_lines: int
    backordered_lines: int
    backorders: int
    lateness_counted: int  # backorders measured for lateness: not cancelled, with a promised date
    average_days_late: float | None
    p90_days_late: float | None
    date_moves: int
    backorders_moved: int

    @property
    def share_backordered(self) -> float | None:
        """Percent of the PO lines with at least one backorder."""
        return _percent(self.backordered_lines, self.po_lines)

    @property
    def moves_per_backorder(self) -> float | None:
        return self.date_moves / self.backorders if self.backorders else None

    @property
    def share_moved(self) -> float | None:
        """Percent of the backorders whose expected date moved at least once."""
        return _percent(self.backorders_moved, self.backorders)

    def shown(self) -> dict[str, Decimal | None]:
        """The ratios as shown and downloaded: percents and days to one decimal, moves to two (half up)."""

        def rounded(value: float | None, places: str) -> Decimal | None:
            return None if value is None else _rounded(value, places)

        return {
            "share_backordered": rounded(self.share_backordered, "0.1"),
            "average_days_late": rounded(self.average_days_late, "0.1"),
            "p90_days_late": rounded(self.p90_days_late, "0.1"),
            "moves_per_backorder": rounded(self.moves_per_backorder, "0.01"),
            "share_moved": rounded(self.share_moved, "0.1"),
        }


# --- SQL ------------------------------------------------------------------------------------------


class DaysBetween(Func):
    """Whole days from the second date to the first (negative when the first is earlier)."""

    # PostgreSQL: date - date is an integer number of days.
    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        later, earlier = (compiler.compile(expression) for expression in self.get_source_expressions())
        sql = f"CAST(ROUND(julianday({later[0]}) - julianday({earlier[0]})) AS INTEGER)"
        return sql, (*later[1], *earlier[1])


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: interpolates linearly between the two nearest values."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, **extra):
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def days_late_expression(prefix: str, *, today: date):
    """A backorder's days late (None when cancelled or never dated), its fields read through prefix."""

    def field(name: str) -> F:
        return F(f"{prefix}{name}")

    def lookup(name: str, value: Any) -> Q:
        return Q(**{f"{prefix}{name}": value})

    first_promised = Coalesce(field("first_expected_date"), field("expected_date"))
    dated = lookup("first_expected_date__isnull", False) | lookup("expected_date__isnull", False)
    resolved_on = TruncDate(field("closed_at"), tzinfo=timezone.get_current_timezone())
    # Both branches are guarded against NULL: PostgreSQL's GREATEST skips a NULL and would answer 0.
    return Case(
        When(
            dated & lookup("status", Backorder.Status.RESOLVED) & lookup("closed_at__isnull", False),
            then=Greatest(DaysBetween(resolved_on, first_promised), Value(0)),
        ),
        When(
            dated & lookup("status", Backorder.Status.OPEN),
            then=Greatest(DaysBetween(Value(today, output_field=DateField()), first_promised), Value(0)),
        ),
        default=None,
        output_field=IntegerField(),
    )


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont in Python: the value at fraction × (n − 1) of the sorted values, interpolated."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def _has_percentile_cont() -> bool:
    return connection.vendor == "postgresql"


BACKORDER = "period_pos__items__backorders__"


def supplier_performance(*, period: Period, today: date, supplier_id: int | None = None) -> list[SupplierPerformance]:
    """Every supplier's figures over the period (or one supplier's), ordered by name."""
    start, end = period.bounds()
    days_late = days_late_expression(BACKORDER, today=today)
    suppliers = Supplier.objects.all() if supplier_id is None else Supplier.objects.filter(pk=supplier_id)
    figures = {
        "po_lines": Count("period_pos__items", distinct=True),
        "backordered_lines": Count(
            "period_pos__items", distinct=True, filter=Q(period_pos__items__backorders__isnull=False)
        ),
        # Each backorder belongs to one line, so the join meets it exactly once.
        "backorders": Count(f"{BACKORDER}id"),
        "lateness_counted": Count(days_late),
        "average_days_late": Avg(days_late, output_field=FloatField()),
        "date_moves": Coalesce(Sum(f"{BACKORDER}expected_date_changes"), 0),
        "backorders_moved": Count(f"{BACKORDER}id", filter=Q(**{f"{BACKORDER}expected_date_changes__gte": 1})),
    }
    if _has_percentile_cont():
        figures["p90_days_late"] = PercentileCont(days_late, fraction=PERCENTILE)
    # The figures are annotated from a dict, which the type stubs cannot follow: mappings here.
    rows: list[Mapping[str, Any]] = list(
        suppliers.annotate(
            # The period's POs joined on their date, so a supplier without any still has its row.
            period_pos=FilteredRelation(
                "purchase_orders",
                condition=Q(purchase_orders__created_at__gte=start, purchase_orders__created_at__lt=end),
            )
        )
        .values("id", "name")
        .annotate(**figures)
        .order_by("name", "id")
    )
    in_python = None if _has_percentile_cont() else _p90_in_python(period=period, today=today, supplier_id=supplier_id)
    return [
        SupplierPerformance(
            supplier_id=row["id"],
            supplier_name=row["name"],
            po_lines=row["po_lines"],
            backordered_lines=row["backordered_lines"],
            backorders=row["backorders"],
            lateness_counted=row["lateness_counted"],
            average_days_late=row["average_days_late"],
            p90_days_late=row["p90_days_late"] if in_python is None else in_python.get(row["id"]),
            date_moves=row["date_moves"],
            backorders_moved=row["backorders_moved"],
        )
        for row in rows
    ]


def _p90_in_python(*, period: Period, today: date, supplier_id: int | None) -> dict[int, float | None]:
    """The 90th percentile of days late per supplier, from one query of every measured backorder's days late."""
    start, end = period.bounds()
    lines = PurchaseOrderItem.objects.filter(purchase_order__created_at__gte=start, purchase_order__created_at__lt=end)
    if supplier_id is not None:
        lines = lines.filter(purchase_order__supplier_id=supplier_id)
    measured = (
        Backorder.objects.filter(purchase_order_item__in=lines)
        .annotate(days_late=days_late_expression("", today=today))
        .filter(days_late__isnull=False)
        .values_list("purchase_order_item__purchase_order__supplier_id", "days_late")
    )
    by_supplier: dict[int, list[float]] = defaultdict(list)
    for supplier, late in measured:
        by_supplier[supplier].append(late)
    return {supplier: percentile_cont(values, PERCENTILE) for supplier, values in by_supplier.items()}


# --- sorting --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[SupplierPerformance], Any]
    numeric: bool = True


COLUMNS = [
    Column("supplier", "Supplier", lambda row: row.supplier_name.casefold(), numeric=False),
    Column("lines", "PO lines", lambda row: row.po_lines),
    Column("backordered", "Lines backordered", lambda row: row.backordered_lines),
    Column("share", "Share backordered (%)", lambda row: row.share_backordered),
    Column("backorders", "Backorders", lambda row: row.backorders),
    Column("average", "Average days late", lambda row: row.average_days_late),
    Column("p90", "p90 days late", lambda row: row.p90_days_late),
    Column("moves", "Date moves per backorder", lambda row: row.moves_per_backorder),
    Column("moved", "Backorders whose date moved (%)", lambda row: row.share_moved),
]
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
# Worst first: the suppliers that backorder the most of what they are sent.
DEFAULT_SORT = "-share"


def sort_choices() -> list[tuple[str, str]]:
    """Every order the table can be read in, for the sort field: each column up and down."""
    choices = []
    for column in COLUMNS:
        if column.numeric:
            choices += [
                (f"-{column.key}", f"{column.label}, highest first"),
                (column.key, f"{column.label}, lowest first"),
            ]
        else:
            choices += [(column.key, f"{column.label}, A to Z"), (f"-{column.key}", f"{column.label}, Z to A")]
    return choices


def sorted_rows(rows: list[SupplierPerformance], sort: str) -> list[SupplierPerformance]:
    """The rows in the sort's order, ties by supplier name; rows without the figure (nothing to measure) last."""
    column = COLUMNS_BY_KEY[sort.lstrip("-")]
    by_name = sorted(rows, key=lambda row: (row.supplier_name.casefold(), row.supplier_id))
    measured = [row for row in by_name if column.value(row) is not None]
    unmeasured = [row for row in by_name if column.value(row) is None]
    return sorted(measured, key=column.value, reverse=sort.startswith("-")) + unmeasured


# --- downloads ------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "supplier",
    "po_lines",
    "lines_backordered",
    "share_backordered_percent",
    "backorders",
    "average_days_late",
    "p90_days_late",
    "date_moves_per_backorder",
    "backorders_date_moved_percent",
]
# Percents, days and moves are numbers a spreadsheet can sum; the money format shows two decimals.
XLSX_COLUMNS = [
    XlsxColumn("supplier", "text", 28),
    XlsxColumn("po_lines", "integer"),
    XlsxColumn("lines_backordered", "integer"),
    XlsxColumn("share_backordered_percent", "money"),
    XlsxColumn("backorders", "integer"),
    XlsxColumn("average_days_late", "money"),
    XlsxColumn("p90_days_late", "money"),
    XlsxColumn("date_moves_per_backorder", "money"),
    XlsxColumn("backorders_date_moved_percent", "money"),
]


def download_rows(rows: list[SupplierPerformance], *, quote_formulas: bool) -> Iterator[tuple]:
    """The table's rows as tuples of CSV_COLUMNS: the figures as shown, None where there is none."""
    for row in rows:
        shown = row.shown()
        yield (
            spreadsheet_safe(row.supplier_name) if quote_formulas else row.supplier_name,
            row.po_lines,
            row.backordered_lines,
            shown["share_backordered"],
            row.backorders,
            shown["average_days_late"],
            shown["p90_days_late"],
            shown["moves_per_backorder"],
            shown["share_moved"],
        )


def supplier_performance_of(*, supplier_id: int, today: date) -> tuple[Period, SupplierPerformance]:
    """One supplier's figures over the default period, for its own page."""
    period = Period.default(today)
    (row,) = supplier_performance(period=period, today=today, supplier_id=supplier_id)
    return period, row
