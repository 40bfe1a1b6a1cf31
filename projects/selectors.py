"""Reads shared by the pages, the API and the reports, shaped once."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Round

from invoicing.models import Invoice, InvoiceLine
from projects.models import MONEY, Activity, Note, Project, SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem

MONEY_FIELD = DecimalField(**MONEY)
ZERO_MONEY = Value(0, output_field=MONEY_FIELD)

# The item figures as expressions over an item's own columns (or, with a prefix, a related item's).


def _remaining(prefix: str = ""):
    return ExpressionWrapper(
        F(f"{prefix}quantity") - F(f"{prefix}cancelled_quantity") - F(f"{prefix}invoiced_quantity"),
        output_field=IntegerField(),
    )


def _ready(prefix: str = ""):
    return Greatest(_remaining(prefix) - F(f"{prefix}backordered_quantity"), Value(0), output_field=IntegerField())


def _amount(quantity, prefix: str = ""):
    return ExpressionWrapper(quantity * F(f"{prefix}unit_price"), output_field=MONEY_FIELD)


def _gross(quantity, prefix: str = ""):
    # Net plus the tax rounded to cents per item, as on an invoice line.
    net = _amount(quantity, prefix)
    tax = Round(
        ExpressionWrapper(net * F(f"{prefix}tax_rate") / Value(100), output_field=MONEY_FIELD),
        2,
        output_field=MONEY_FIELD,
    )
    return ExpressionWrapper(net + tax, output_field=MONEY_FIELD)


def sales_order_items_with_figures(queryset: QuerySet[SalesOrderItem] | None = None) -> QuerySet[SalesOrderItem]:
    """Annotate items with ordered, invoiced, backordered, cancelled, remaining, ready and amounts."""
    queryset = SalesOrderItem.objects.all() if queryset is None else queryset
    return queryset.annotate(
        ordered=F("quantity"),
        invoiced=F("invoiced_quantity"),
        backordered=F("backordered_quantity"),
        cancelled=F("cancelled_quantity"),
        remaining=_remaining(),
        ready=_ready(),
        remaining_amount=_amount(_remaining()),
        remaining_amount_gross=_gross(_remaining()),
        ready_amount=_amount(_ready()),
    )


def sales_orders_with_figures(queryset: QuerySet[SalesOrder] | None = None) -> QuerySet[SalesOrder]:
    """Annotate orders with subtotal, remaining and ready amounts and the derived billing status."""
    queryset = SalesOrder.objects.all() if queryset is None else queryset
    item = "items__"
    return queryset.annotate(
        subtotal=Coalesce(Sum(_amount(F(f"{item}quantity"), item)), ZERO_MONEY),
        remaining_amount=Coalesce(Sum(_amount(_remaining(item), item)), ZERO_MONEY),
        remaining_amount_gross=Coalesce(Sum(_gross(_remaining(item), item)), ZERO_MONEY),
        ready_amount=Coalesce(Sum(_amount(_ready(item), item)), ZERO_MONEY),
        remaining_quantity=Coalesce(Sum(_remaining(item)), Value(0)),
        invoiced_quantity=Coalesce(Sum(f"{item}invoiced_quantity"), Value(0)),
        backordered_quantity=Coalesce(Sum(f"{item}backordered_quantity"), Value(0)),
    ).annotate(
        billing_status=Case(
            When(invoiced_quantity=0, then=Value(SalesOrder.BillingStatus.NOT_INVOICED.value)),
            When(remaining_quantity=0, then=Value(SalesOrder.BillingStatus.FULLY_INVOICED.value)),
            default=Value(SalesOrder.BillingStatus.PARTIALLY_INVOICED.value),
        )
    )


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


def sales_order_list(*, filters: dict | None = None) -> QuerySet[SalesOrder]:
    """Orders with their project, client and figures, and their items with figures, for any list."""
    queryset = sales_orders_with_figures(
        SalesOrder.objects.select_related("project__client", "project__invoicing_rep", "project__order_rep")
    ).prefetch_related(Prefetch("items", queryset=sales_order_items_with_figures().select_related("supplier")))
    if filters:
        queryset = queryset.filter(**filters)
    return queryset.order_by("-number")


def sales_order_detail(*, pk: int) -> SalesOrder:
    return sales_order_list().get(pk=pk)


def purchase_order_list() -> QuerySet[PurchaseOrder]:
    """POs with project, client, supplier and items (with their SO item) for any list or page."""
    return PurchaseOrder.objects.select_related(
        "project__client", "sales_order", "supplier", "production_rep"
    ).prefetch_related(
        Prefetch("items", queryset=PurchaseOrderItem.objects.select_related("sales_order_item").order_by("id"))
    )


def project_list() -> QuerySet[Project]:
    return Project.objects.select_related("client", "order_rep", "production_rep", "invoicing_rep")


def project_notes(*, project: Project) -> QuerySet[Note]:
    """A project's notes, pinned first, with authors and mentions loaded."""
    return (
        Note.objects.filter(project=project)
        .select_related("author")
        .prefetch_related("mentions")
        .order_by("-pinned", "-created_at", "-id")
    )


def project_activity(*, project: Project, limit: int = 50) -> list[Activity]:
    return list(Activity.objects.filter(project=project).select_related("actor").order_by("-created_at", "-id")[:limit])


def purchase_orders_flagged() -> QuerySet[PurchaseOrder]:
    return purchase_order_list().filter(~Q(status=PurchaseOrder.Status.NONE))


# --- the search box in the header ----------------------------------------------------------------

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


def purchase_order_ship_to(*, purchase_order: PurchaseOrder) -> str:
    """Where a PO's goods go: its own ship-to, else its sales order's, else the client's billing address."""
    return (
        purchase_order.ship_to.strip()
        or purchase_order.sales_order.ship_to.strip()
        or purchase_order.project.client.billing_address.strip()
    )
