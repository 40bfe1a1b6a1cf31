"""The header search: projects, orders and invoices by number, and what the results page lists."""

from dataclasses import dataclass

from django.db.models import (
    Case,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from invoicing.models import Invoice
from projects.models import Project, SalesOrder, SalesOrderItem
from projects.selectors import MONEY_FIELD, ZERO_MONEY, _amount, _remaining, sales_orders_with_figures
from purchasing.models import PurchaseOrder

SEARCH_LIMIT = 20  # rows per group on the results page; the counts say how many matched in all


@dataclass(frozen=True)
class SearchGroup:
    """Up to SEARCH_LIMIT matching rows of one kind, and how many matched in all."""

    rows: list
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


@dataclass(frozen=True)
class SearchResults:
    projects: SearchGroup
    sales_orders: SearchGroup
    purchase_orders: SearchGroup
    invoices: SearchGroup

    @property
    def count(self) -> int:
        return self.projects.count + self.sales_orders.count + self.purchase_orders.count + self.invoices.count


def _remaining_amount_of_order(order_field: str):
    """The net amount still to invoice on the row's sales order (named by order_field), as a subquery."""
    per_order = (
        SalesOrderItem.objects.filter(sales_order_id=OuterRef(order_field))
        .order_by()
        .values("sales_order_id")
        .annotate(amount=Sum(_amount(_remaining())))
        .values("amount")
    )
    return Coalesce(Subquery(per_order, output_field=MONEY_FIELD), ZERO_MONEY)


def _number_first(query: str):
    # Numbers that start with what was typed ("SO-10", or "10" for the digits after the prefix) come
    # before rows that only contain it somewhere.
    starts = Q(number__istartswith=query) | Q(number__icontains=f"-{query}")
    return Case(When(starts, then=Value(0)), default=Value(1), output_field=IntegerField())


def _search_group(matches: QuerySet, *, shaped: QuerySet, query: str) -> SearchGroup:
    """Count the bare matches; read the first rows of the shaped (joined, annotated) queryset."""
    rows = shaped.annotate(number_first=_number_first(query)).order_by("number_first", "-number")[:SEARCH_LIMIT]
    return SearchGroup(rows=list(rows), count=matches.order_by().count())


def search_exact_number(*, query: str) -> Project | SalesOrder | PurchaseOrder | Invoice | None:
    """Return the project, sales order, PO or invoice whose number is the query, ignoring case.

    The object comes back bare (its primary key only): enough for its get_absolute_url.
    """
    kinds = (("project", Project), ("sales_order", SalesOrder), ("purchase_order", PurchaseOrder), ("invoice", Invoice))
    # One query for the four kinds; numbers are unique within a kind, so at most one row each.
    queries = [
        model.objects.filter(number__iexact=query).order_by().values_list(Value(kind), "pk") for kind, model in kinds
    ]
    found: dict[str, int] = dict(queries[0].union(*queries[1:], all=True))
    for kind, model in kinds:
        if kind in found:
            return model(pk=found[kind])
    return None


def search(*, query: str) -> SearchResults:
    """Find projects, sales orders, POs and invoices by number, project name or client name."""
    by_project = Q(project__number__icontains=query) | Q(project__name__icontains=query)
    by_client = Q(project__client__name__icontains=query)
    projects = Project.objects.filter(
        Q(number__icontains=query) | Q(name__icontains=query) | Q(client__name__icontains=query)
    )
    sales_orders = SalesOrder.objects.filter(Q(number__icontains=query) | by_project | by_client)
    purchase_orders = PurchaseOrder.objects.filter(
        Q(number__icontains=query) | by_project | by_client | Q(supplier__name__icontains=query)
    )
    invoices = Invoice.objects.filter(
        Q(number__icontains=query)
        | Q(sales_order__number__icontains=query)
        | Q(sales_order__project__number__icontains=query)
        | Q(sales_order__project__name__icontains=query)
        | Q(sales_order__project__client__name__icontains=query)
    )
    # Every order shown carries what is still to invoice on it (a PO or an invoice: on its sales order).
    return SearchResults(
        projects=_search_group(projects, shaped=projects.select_related("client"), query=query),
        sales_orders=_search_group(
            sales_orders, shaped=sales_orders_with_figures(sales_orders.select_related("project__client")), query=query
        ),
        purchase_orders=_search_group(
            purchase_orders,
            shaped=purchase_orders.select_related("project__client", "sales_order", "supplier").annotate(
                order_remaining_amount=_remaining_amount_of_order("sales_order_id")
            ),
            query=query,
        ),
        invoices=_search_group(
            invoices,
            shaped=invoices.select_related("sales_order__project__client").annotate(
                order_remaining_amount=_remaining_amount_of_order("sales_order_id")
            ),
            query=query,
        ),
    )
