"""The Invoices Report: one row per invoice with its sales order's remaining amount, totals, chart and CSV.

Shared by the report page and the API. Every read here costs a fixed number of queries whatever the
page size or the number of invoices: the page is found by keyset (no OFFSET, no COUNT of the page),
the totals and the chart come from one grouped query, and the CSV streams from a server-side cursor.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim, TruncMonth

from core.money import cents
from invoicing.day_totals import day_totals_kept
from invoicing.models import Invoice, InvoiceDayTotal
from invoicing.selectors import (
    InvoiceReportFilters,
    _as_filters,
    _item_remaining_amount,
    invoice_balance_due,
    invoice_report_filtered,
)
from projects.models import MONEY, Client, SalesOrderItem
from projects.selectors import MONEY_FIELD

ZERO = Value(Decimal("0.00"), output_field=MONEY_FIELD)
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50

# --- filters ------------------------------------------------------------------------------------


# --- rows ---------------------------------------------------------------------------------------


def _remaining_amount_of_order():
    """The net amount still to invoice on the row's sales order, as a subquery."""
    per_order = (
        SalesOrderItem.objects.filter(sales_order_id=OuterRef("sales_order_id"))
        .order_by()
        .values("sales_order_id")
        .annotate(amount=Sum(_item_remaining_amount(), output_field=MONEY_FIELD))
        .values("amount")
    )
    return Coalesce(Subquery(per_order, output_field=MONEY_FIELD), ZERO, output_field=MONEY_FIELD)


def _rep_name(prefix: str = "sales_order__project__order_rep__"):
    full = Trim(Concat(F(f"{prefix}first_name"), Value(" "), F(f"{prefix}last_name"), output_field=CharField()))
    return Coalesce(NullIf(full, Value("")), F(f"{prefix}username"), output_field=CharField())


# A row's client is the invoice's kept client (Invoice.client): no join through the project.
ROW_FIELDS = {
    "client_name": F("client__name"),
    "project_id": F("sales_order__project_id"),
    "project_number": F("sales_order__project__number"),
    "project_name": F("sales_order__project__name"),
    "sales_order_number": F("sales_order__number"),
    "order_rep_id": F("sales_order__project__order_rep_id"),
}


def invoice_report_rows(filters=None) -> QuerySet[Invoice]:
    """Invoices, newest first, with client, project, order rep and the order's remaining amount.

    `filters` is an InvoiceReportFilters or cleaned data (date_from, date_to, client, rep, status,
    kind, has_remaining; client and rep as objects or ids). Rows are model instances with their
    sales order, project, client and order rep loaded, as the API serializes them.
    """
    return (
        invoice_report_filtered(filters)
        .select_related("sales_order__project__client", "sales_order__project__order_rep")
        .annotate(remaining_amount=_remaining_amount_of_order())
        .order_by("-date", "-sequence_number")
    )


# The sortable columns: the row value compared by the keyset, and how a cursor spells it.
SORTS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "date": ("date", date.fromisoformat),
    "number": ("sequence_number", int),
    "client": ("client_name", str),
    "total": ("total", Decimal),
}
DEFAULT_SORT = "-date"
# The largest values a cursor may compare: a money column's range, and a 64-bit integer's.
CURSOR_MONEY_LIMIT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])
CURSOR_INT_LIMIT = 2**63


def parse_sort(value: str | None) -> str:
    value = value or DEFAULT_SORT
    return value if value.lstrip("-") in SORTS else DEFAULT_SORT


@dataclass(frozen=True)
class Cursor:
    """A position in the sorted rows: the sort column's value and the invoice's sequence number."""

    key: object
    sequence_number: int

    def encode(self) -> str:
        key = self.key.isoformat() if isinstance(self.key, date) else str(self.key)
        return f"{key}~{self.sequence_number}"

    @classmethod
    def decode(cls, text: str | None, sort: str) -> "Cursor | None":
        """Read a cursor from the URL; anything unreadable starts from the first page."""
        if not text or "~" not in text:
            return None
        key_text, _, sequence_text = text.rpartition("~")
        _column, parse = SORTS[sort.lstrip("-")]
        try:
            cursor = cls(key=parse(key_text), sequence_number=int(sequence_text))
        except (ValueError, InvalidOperation):
            return None
        return cursor if cursor._comparable() else None

    def _comparable(self) -> bool:
        """Whether the database can compare the key: a hand-edited URL may hold NUL, NaN or huge numbers."""
        key = self.key
        if isinstance(key, str) and "\x00" in key:
            return False  # PostgreSQL refuses NUL in text
        if isinstance(key, Decimal) and not (key.is_finite() and abs(key) < CURSOR_MONEY_LIMIT):
            return False
        if isinstance(key, int) and abs(key) >= CURSOR_INT_LIMIT:
            return False
        return abs(self.sequence_number) < CURSOR_INT_LIMIT


@dataclass
class ReportPage:
    rows: list[dict]
    sort: str
    size: int
    has_previous: bool
    has_next: bool
    first_cursor: str | None = None
    last_cursor: str | None = None
    is_last: bool = False
    is_first: bool = True


def _beyond(column: str, cursor: Cursor, *, descending: bool) -> Q:
    """Rows strictly after the cursor in the given direction, tie-broken by sequence number.

    The redundant `column <= key` (or >=) lets the database walk an index on (column, sequence).
    """
    if column == "sequence_number":
        return (
            Q(sequence_number__lt=cursor.sequence_number)
            if descending
            else Q(sequence_number__gt=cursor.sequence_number)
        )
    strict, loose, tie = ("lt", "lte", "sequence_number__lt") if descending else ("gt", "gte", "sequence_number__gt")
    return Q(**{f"{column}__{loose}": cursor.key}) & (
        Q(**{f"{column}__{strict}": cursor.key}) | Q(**{column: cursor.key, tie: cursor.sequence_number})
    )


def invoice_report_page(
    filters=None,
    *,
    sort: str = DEFAULT_SORT,
    after: str | None = None,
    before: str | None = None,
    last: bool = False,
    size: int = DEFAULT_PAGE_SIZE,
) -> ReportPage:
    """One page of report rows as dicts, found by keyset so the last page costs what the first does.

    `after` gives the page following a cursor, `before` the page preceding one, `last` the final page.
    """
    sort = parse_sort(sort)
    column, _parse = SORTS[sort.lstrip("-")]
    descending = sort.startswith("-")
    size = min(max(size, 1), max(PAGE_SIZES))
    rows = invoice_report_filtered(filters).annotate(
        **ROW_FIELDS, order_rep_name=_rep_name(), remaining_amount=_remaining_amount_of_order()
    )
    after_cursor, before_cursor = Cursor.decode(after, sort), Cursor.decode(before, sort)
    # Walk backwards for the page before a cursor and for the last page, then turn the rows round.
    backwards = bool(before_cursor) or (last and not after_cursor)
    walk_descending = descending != backwards
    if after_cursor and not backwards:
        rows = rows.filter(_beyond(column, after_cursor, descending=descending))
    elif before_cursor:
        rows = rows.filter(_beyond(column, before_cursor, descending=not descending))
    order = [column, "sequence_number"] if column != "sequence_number" else ["sequence_number"]
    rows = rows.order_by(*(f"-{name}" if walk_descending else name for name in order))
    found = list(
        rows.values(
            "id",
            "number",
            "sequence_number",
            "date",
            "status",
            "kind",
            "subtotal",
            "tax",
            "total",
            "sales_order_id",
            "client_id",
            "paid_amount",
            "credited_amount",
            "due_date",
            "remaining_amount",
            "order_rep_name",
            *ROW_FIELDS,
        )[: size + 1]
    )
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    page = ReportPage(
        rows=found,
        sort=sort,
        size=size,
        has_previous=more if backwards else bool(after_cursor),
        has_next=bool(before_cursor) if backwards else more,
        is_first=not (after_cursor or before_cursor or last) or (backwards and not more),
        is_last=(last and not before_cursor and not after_cursor) or (not backwards and not more),
    )
    if found:
        page.first_cursor = Cursor(found[0][column], found[0]["sequence_number"]).encode()
        page.last_cursor = Cursor(found[-1][column], found[-1]["sequence_number"]).encode()
    return page


# --- totals and the monthly chart ---------------------------------------------------------------


@dataclass
class MonthAmounts:
    month: date
    partial: Decimal = Decimal("0.00")
    final: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return self.partial + self.final


@dataclass
class ReportSummary:
    """The totals of every row the filters match, and the invoiced amount per month and kind."""

    totals: dict
    months: list[MonthAmounts] = field(default_factory=list)


def _grouped(rows: QuerySet[Invoice]) -> list[dict[str, Any]]:
    grouped = (
        rows.order_by()
        .annotate(month=TruncMonth("date"))
        .values("month", "kind", "status")
        # Before total=Sum("total"): after it, F("total") would name that sum rather than the column.
        .annotate(due=Sum(invoice_balance_due()))
        .annotate(count=Count("pk"), subtotal=Sum("subtotal"), tax=Sum("tax"), total=Sum("total"))
        .order_by()
    )
    return [dict(row) for row in grouped]  # one row a month, kind and status: a few hundred at most


def _kept_grouped(f: InvoiceReportFilters) -> list[dict[str, Any]]:
    """The same groups as _grouped, summed from the kept day totals rather than from every invoice."""
    days = InvoiceDayTotal.objects.all()
    if f.date_from:
        days = days.filter(day__gte=f.date_from)
    if f.date_to:
        days = days.filter(day__lte=f.date_to)
    if f.rep_id:
        days = days.filter(order_rep_id=f.rep_id)
    if f.status:
        days = days.filter(status=f.status)
    if f.kind:
        days = days.filter(kind=f.kind)
    grouped = (
        days.annotate(month=TruncMonth("day"))
        .values("month", "kind", "status")
        .annotate(due=Sum("owed"), count=Sum("count"), subtotal=Sum("subtotal"), tax=Sum("tax"), total=Sum("total"))
        .filter(count__gt=0)
        .order_by()
    )
    return [dict(row) for row in grouped]


def _groups(f: InvoiceReportFilters) -> list[dict[str, Any]]:
    """The filtered invoices' groups: from the kept totals when they answer the filters, else from the invoices."""
    if day_totals_kept() and not f.client_id and f.has_remaining is None and f.balance_due is None:
        return _kept_grouped(f)
    return _grouped(invoice_report_filtered(f))


def _remaining_of_orders(f: InvoiceReportFilters) -> Decimal:
    """What is left to invoice on the orders of the rows, each sales order counted once.

    Read from the items with something left (their partial index), summed per order, each order asking
    whether one of the rows is its invoice: the question sits in the select list, so PostgreSQL asks it
    once per order through the index on the invoices' order, where a semi-join would hash every
    invoice of the history. The cost follows the open items. An order rep is the order's own (its
    project's), so that filter is put on the items rather than asked of every invoice.
    """
    items = SalesOrderItem.objects.filter(quantity__gt=F("cancelled_quantity") + F("invoiced_quantity"))
    if f.rep_id:
        items = items.filter(sales_order__project__order_rep_id=f.rep_id)
    rows = invoice_report_filtered(replace(f, rep_id=None))
    per_order = (
        items.order_by()
        .values("sales_order_id")
        .annotate(
            amount=Sum(_item_remaining_amount(), output_field=MONEY_FIELD),
            listed=Exists(rows.filter(sales_order_id=OuterRef("sales_order_id"))),
        )
    )
    listed_amount = Case(When(listed=True, then="amount"), output_field=MONEY_FIELD)
    total = per_order.aggregate(total=Coalesce(Sum(listed_amount), ZERO))["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def _summarise(groups: list[dict]) -> tuple[dict, dict[date, MonthAmounts]]:
    totals: dict[str, Any] = {
        "count": 0,
        "void": 0,
        "subtotal": Decimal("0.00"),
        "tax": Decimal("0.00"),
        "total": Decimal("0.00"),
        "balance_due": Decimal("0.00"),
    }
    months: dict[date, MonthAmounts] = {}
    for group in groups:
        totals["count"] += group["count"]
        if group["status"] == Invoice.Status.VOID:
            totals["void"] += group["count"]
            continue  # a void invoice is listed, but invoiced nothing
        for name in ("subtotal", "tax", "total"):
            totals[name] += group[name]
        totals["balance_due"] += group["due"]
        month = group["month"]
        month = month.date() if hasattr(month, "date") and callable(month.date) else month
        bar = months.setdefault(month, MonthAmounts(month=month))
        if group["kind"] == Invoice.Kind.PARTIAL:
            bar.partial += group["total"]
        else:
            bar.final += group["total"]
    # SQLite sums decimals as floats; PostgreSQL's sums are exact. Either way a total is whole cents.
    for name in ("subtotal", "tax", "total", "balance_due"):
        totals[name] = cents(totals[name])
    for bar in months.values():
        bar.partial, bar.final = cents(bar.partial), cents(bar.final)
    return totals, months


def invoice_report_totals(filters=None) -> dict:
    """Totals of the report's rows: count, void count, subtotal, tax, total, balance due and remaining amount.

    Void invoices are counted as rows but add nothing to the money; each sales order's remaining
    amount counts once.
    """
    f = _as_filters(filters)
    totals, _months = _summarise(_groups(f))
    totals["remaining_amount"] = _remaining_of_orders(f)
    return totals


def _month_range(first: date, last: date) -> list[date]:
    months: list[date] = []
    current = first.replace(day=1)
    while current <= last and len(months) < 240:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def invoice_report_summary(filters=None) -> ReportSummary:
    """Totals and the monthly chart of the filtered invoices, in two queries whatever their number."""
    f = _as_filters(filters)
    totals, by_month = _summarise(_groups(f))
    totals["remaining_amount"] = _remaining_of_orders(f)
    if by_month or (f.date_from and f.date_to):
        first = f.date_from or min(by_month)
        last = f.date_to or max(by_month)
        months = [by_month.get(month) or MonthAmounts(month=month) for month in _month_range(first, last)]
    else:
        months = []
    return ReportSummary(totals=totals, months=months)


# --- CSV ----------------------------------------------------------------------------------------


# --- the filters' choices -----------------------------------------------------------------------


def report_clients() -> QuerySet[Client]:
    return Client.objects.order_by("name").only("id", "name")


def report_order_reps() -> QuerySet[User]:
    """Users who are the order rep of at least one project."""
    from projects.models import Project

    return (
        User.objects.filter(Exists(Project.objects.filter(order_rep_id=OuterRef("pk"))))
        .order_by("first_name", "last_name", "username")
        .only("id", "username", "first_name", "last_name")
    )
