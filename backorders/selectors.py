"""Reads of open backorders for the Backorders report, its totals and its CSV."""

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from backorders.models import Backorder
from core.downloads import XlsxColumn, spreadsheet_safe
from core.money import cents
from projects.models import Client
from projects.selectors import MONEY_FIELD
from projects.services.sales_orders import PRODUCTION_READIES_FROM
from purchasing.figures import purchase_orders_not_shipped
from purchasing.models import PurchaseOrder, Supplier

ZERO = Value(Decimal("0.00"), output_field=MONEY_FIELD)
PAGE_SIZE = 100
CSV_CHUNK_ROWS = 2000


@dataclass(frozen=True)
class BackorderReportFilters:
    supplier_id: int | None = None
    client_id: int | None = None
    overdue: bool | None = None
    expected_from: date | None = None
    expected_to: date | None = None
    # True: only backorders with an expected date; False: only those without one.
    dated: bool | None = None

    @classmethod
    def from_mapping(cls, values: Mapping | None) -> "BackorderReportFilters":
        values = values or {}

        def pk(value) -> int | None:
            return getattr(value, "pk", value) or None

        return cls(
            supplier_id=pk(values.get("supplier")),
            client_id=pk(values.get("client")),
            overdue=values.get("overdue"),
            expected_from=values.get("expected_from") or None,
            expected_to=values.get("expected_to") or None,
            dated=values.get("dated"),
        )


def days_overdue(*, expected_date: date | None, today: date) -> int:
    """Days an open backorder is past its expected date on the company's day; 0 when it is not."""
    return (today - expected_date).days if expected_date is not None and expected_date < today else 0


def _value():
    # What the backordered goods will be invoiced at: the quantity at the sales order's unit price.
    return ExpressionWrapper(
        F("quantity") * F("purchase_order_item__sales_order_item__unit_price"), output_field=MONEY_FIELD
    )


def open_backorders(filters: BackorderReportFilters | Mapping | None = None, *, today: date) -> QuerySet[Backorder]:
    """Open backorders matching the filters, overdue first, then by expected date."""
    if not isinstance(filters, BackorderReportFilters):
        filters = BackorderReportFilters.from_mapping(filters)
    rows = Backorder.objects.filter(status=Backorder.Status.OPEN)
    if filters.supplier_id:
        rows = rows.filter(purchase_order__supplier_id=filters.supplier_id)
    if filters.client_id:
        rows = rows.filter(purchase_order__project__client_id=filters.client_id)
    if filters.overdue is True:
        rows = rows.filter(expected_date__lt=today)
    elif filters.overdue is False:
        rows = rows.exclude(expected_date__lt=today)
    if filters.expected_from:
        rows = rows.filter(expected_date__gte=filters.expected_from)
    if filters.expected_to:
        rows = rows.filter(expected_date__lte=filters.expected_to)
    if filters.dated is not None:
        rows = rows.filter(expected_date__isnull=not filters.dated)
    is_overdue = Case(
        When(expected_date__lt=today, then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    return rows.annotate(is_overdue=is_overdue, value=_value()).order_by(
        "-is_overdue", F("expected_date").asc(nulls_last=True), "id"
    )


REPORT_FIELDS = {
    "purchase_order_number": F("purchase_order__number"),
    "supplier_name": F("purchase_order__supplier__name"),
    "project_id": F("purchase_order__project_id"),
    "project_number": F("purchase_order__project__number"),
    "project_name": F("purchase_order__project__name"),
    "client_name": F("purchase_order__project__client__name"),
    "item_description": F("purchase_order_item__sales_order_item__description"),
    "unit_price": F("purchase_order_item__sales_order_item__unit_price"),
}


def backorder_report_page(filters=None, *, today: date, page: int = 1) -> list[dict]:
    """One page of open backorders as dicts, with the age and the days overdue worked out."""
    offset = (max(page, 1) - 1) * PAGE_SIZE
    rows = list(
        open_backorders(filters, today=today)
        .annotate(**REPORT_FIELDS)
        .values(
            "id",
            "purchase_order_id",
            "quantity",
            "expected_date",
            "reason",
            "created_at",
            "is_overdue",
            "value",
            *REPORT_FIELDS,
        )[offset : offset + PAGE_SIZE]
    )
    for row in rows:
        row["age_days"] = (today - row["created_at"].date()).days
        row["days_overdue"] = days_overdue(expected_date=row["expected_date"], today=today)
    return rows


def backorder_report_totals(filters=None, *, today: date) -> dict:
    """Count, quantity and value of every open backorder the filters match."""
    sums = (
        open_backorders(filters, today=today)
        .order_by()
        .aggregate(
            total_count=Count("pk"),
            total_overdue=Count("pk", filter=Q(expected_date__lt=today)),
            total_quantity=Coalesce(Sum("quantity"), Value(0)),
            total_value=Coalesce(Sum(_value()), ZERO),
        )
    )
    return {name.removeprefix("total_"): value for name, value in sums.items()}


CSV_COLUMNS = [
    "purchase_order",
    "supplier",
    "project",
    "client",
    "item",
    "quantity",
    "value",
    "expected_date",
    "age_days",
    "overdue",
    "days_overdue",
]


def _export_rows(filters, *, today: date) -> Iterator[tuple]:
    """Every matching open backorder as a tuple of CSV_COLUMNS, typed: dates, Decimal value, whole numbers."""
    rows = (
        open_backorders(filters, today=today)
        .annotate(**REPORT_FIELDS)
        .values_list(
            "purchase_order_number",  # type: ignore[misc]  # annotated above in REPORT_FIELDS
            "supplier_name",
            "project_number",
            "client_name",
            "item_description",
            "quantity",
            "value",
            "expected_date",
            "created_at",
            "is_overdue",
        )
    )
    for row in rows.iterator(chunk_size=CSV_CHUNK_ROWS):
        *head, value, expected, created_at, overdue = row
        age_days = (today - created_at.date()).days
        late = days_overdue(expected_date=expected, today=today)
        yield (*head, cents(value), expected, age_days, "yes" if overdue else "no", late)


def backorder_report_csv(filters=None, *, today: date) -> Iterator[str]:
    """Yield every matching open backorder as CSV text, in chunks from a server-side cursor."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for count, row in enumerate(_export_rows(filters, today=today), start=1):
        *head, value, expected, age_days, overdue, late = row
        writer.writerow(
            [
                *(spreadsheet_safe(text) if isinstance(text, str) else text for text in head),
                f"{value:.2f}",
                expected.isoformat() if expected else "",
                age_days,
                overdue,
                late,
            ]
        )
        if count % CSV_CHUNK_ROWS == 0:
            yield _drain(buffer)
    yield _drain(buffer)


XLSX_COLUMNS = [
    XlsxColumn("purchase_order", "text", 15),
    XlsxColumn("supplier", "text", 24),
    XlsxColumn("project", "text", 12),
    XlsxColumn("client", "text", 24),
    XlsxColumn("item", "text", 32),
    XlsxColumn("quantity", "integer"),
    XlsxColumn("value", "money", 13),
    XlsxColumn("expected_date", "date", 14),
    XlsxColumn("age_days", "integer"),
    XlsxColumn("overdue", "text"),
    XlsxColumn("days_overdue", "integer"),
]


def backorder_report_xlsx_rows(filters=None, *, today: date) -> Iterator[tuple]:
    """Yield the CSV's rows with their types kept, for an XLSX (which marks formula-looking text itself)."""
    return _export_rows(filters, today=today)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def report_suppliers() -> QuerySet[Supplier]:
    return Supplier.objects.order_by("name").only("id", "name")


def report_clients() -> QuerySet[Client]:
    return Client.objects.order_by("name").only("id", "name")


def flag_moves_order_by_default(purchase_order: PurchaseOrder) -> bool:
    """Whether "Move the sales order to Ready to be Invoiced" starts ticked when a backorder is flagged on this PO.

    Only where the move is allowed (the order is In Production or Shipped) and every other PO of the order has
    shipped: flagging declares this PO's rest shipping, but a sibling still with the supplier holds goods nobody
    has shipped, which must not be proposed for invoicing.
    """
    if purchase_order.sales_order.status not in PRODUCTION_READIES_FROM:
        return False
    return not purchase_orders_not_shipped(sales_order_id=purchase_order.sales_order_id, excluding=purchase_order.pk)


def unshipped_siblings_phrase(purchase_order: PurchaseOrder) -> str:
    """The order's other POs whose goods have not shipped, as "PO-1002 (Submitted)", for the flag form's hint."""
    pending = purchase_orders_not_shipped(sales_order_id=purchase_order.sales_order_id, excluding=purchase_order.pk)
    return ", ".join(f"{po.number} ({po.get_stage_display()})" for po in pending)
