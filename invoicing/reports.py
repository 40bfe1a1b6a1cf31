"""The Invoices Report: one row per invoice with its sales order's remaining amount, and the totals."""

from datetime import date

from django.contrib.auth.models import User
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from invoicing.models import Invoice
from projects.models import Client, SalesOrderItem
from projects.selectors import MONEY_FIELD, ZERO_MONEY, sales_order_items_with_figures


def _remaining_amount_of_order():
    """The net amount still to invoice on the row's sales order, as a subquery."""
    items = sales_order_items_with_figures(SalesOrderItem.objects.filter(sales_order=OuterRef("sales_order_id")))
    return Coalesce(
        Subquery(items.order_by().values("sales_order").annotate(total=Sum("remaining_amount")).values("total")),
        ZERO_MONEY,
        output_field=MONEY_FIELD,
    )


def invoice_report_rows(filters: dict | None = None) -> QuerySet[Invoice]:
    """Invoices, newest first, with client, project, order rep and the order's remaining amount.

    `filters` holds cleaned values, any of them None or absent: date_from and date_to (dates), client
    (Client), status and kind (values), rep (the project's order rep, a User) and has_remaining (bool).
    """
    filters = filters or {}
    rows = (
        Invoice.objects.select_related("sales_order__project__client", "sales_order__project__order_rep")
        .annotate(remaining_amount=_remaining_amount_of_order())
        .order_by("-date", "-sequence_number")
    )
    date_from: date | None = filters.get("date_from")
    date_to: date | None = filters.get("date_to")
    client: Client | None = filters.get("client")
    rep: User | None = filters.get("rep")
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    if client:
        rows = rows.filter(sales_order__project__client=client)
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if rep:
        rows = rows.filter(sales_order__project__order_rep=rep)
    if filters.get("has_remaining") is True:
        rows = rows.filter(remaining_amount__gt=0)
    elif filters.get("has_remaining") is False:
        rows = rows.filter(remaining_amount__lte=0)
    return rows


def invoice_report_totals(queryset: QuerySet[Invoice]) -> dict:
    """Totals of the report's rows; void invoices are listed but add nothing to the money."""
    counted = ~Q(status=Invoice.Status.VOID)
    sums = queryset.order_by().aggregate(
        count=Count("pk"),
        void=Count("pk", filter=~counted),
        subtotal=Coalesce(Sum("subtotal", filter=counted), ZERO_MONEY),
        tax=Coalesce(Sum("tax", filter=counted), ZERO_MONEY),
        total=Coalesce(Sum("total", filter=counted), ZERO_MONEY),
    )
    # Each sales order counts once, however many of its invoices the rows hold.
    orders = sales_order_items_with_figures(
        SalesOrderItem.objects.filter(sales_order__in=queryset.order_by().values("sales_order_id"))
    )
    sums["remaining_amount"] = orders.aggregate(total=Coalesce(Sum("remaining_amount"), ZERO_MONEY))["total"]
    return sums
