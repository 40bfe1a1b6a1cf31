"""Reads shared by the pages, the API and the reports, shaped once."""

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
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

from projects.models import MONEY, SALES_ORDER_FLOW, Activity, Note, Project, SalesOrder, SalesOrderItem

MONEY_FIELD = DecimalField(**MONEY)
ZERO_MONEY = Value(0, output_field=MONEY_FIELD)

# The item figures as expressions over an item's own columns (or, with a prefix, a related item's).


def _remaining(prefix: str = ""):
    return ExpressionWrapper(
        F(f"{prefix}quantity") - F(f"{prefix}cancelled_quantity") - F(f"{prefix}invoiced_quantity"),
        output_field=IntegerField(),
    )


def _ready(prefix: str = ""):
    # SalesOrderItem.ready_quantity: the goods that are there, less what is invoiced, cancelled or backordered.
    unshipped = F(f"{prefix}purchased_quantity") - F(f"{prefix}shipped_quantity")
    return Greatest(
        _remaining(prefix) - F(f"{prefix}backordered_quantity") - unshipped, Value(0), output_field=IntegerField()
    )


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


def order_items_sum(figure, zero=ZERO_MONEY, output_field=MONEY_FIELD):
    """The sum of an item figure over the outer order's items, as a subquery (zero without items).

    A subquery per figure rather than a join grouped by order: a page of 50 orders sums the items of
    those 50, where a grouped join summed every order's items before the page was cut.
    """
    summed = (
        SalesOrderItem.objects.filter(sales_order_id=OuterRef("pk"))
        .order_by()
        .values("sales_order_id")
        .annotate(figure=Sum(figure, output_field=output_field))
        .values("figure")
    )
    return Coalesce(Subquery(summed, output_field=output_field), zero, output_field=output_field)


def sales_orders_with_figures(queryset: QuerySet[SalesOrder] | None = None) -> QuerySet[SalesOrder]:
    """Annotate orders with subtotal, remaining and ready amounts and the derived billing status."""
    queryset = SalesOrder.objects.all() if queryset is None else queryset
    whole = IntegerField()
    return queryset.annotate(
        subtotal=order_items_sum(_amount(F("quantity"))),
        remaining_amount=order_items_sum(_amount(_remaining())),
        remaining_amount_gross=order_items_sum(_gross(_remaining())),
        ready_amount=order_items_sum(_amount(_ready())),
        remaining_quantity=order_items_sum(_remaining(), Value(0), whole),
        invoiced_quantity=order_items_sum(F("invoiced_quantity"), Value(0), whole),
        backordered_quantity=order_items_sum(F("backordered_quantity"), Value(0), whole),
    ).annotate(
        billing_status=Case(
            When(invoiced_quantity=0, then=Value(SalesOrder.BillingStatus.NOT_INVOICED.value)),
            When(remaining_quantity=0, then=Value(SalesOrder.BillingStatus.FULLY_INVOICED.value)),
            default=Value(SalesOrder.BillingStatus.PARTIALLY_INVOICED.value),
        )
    )


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


def project_list() -> QuerySet[Project]:
    return Project.objects.select_related("client", "order_rep", "production_rep", "invoicing_rep")


# A sales order is open until it is invoiced or closed: the projects list's in-hands date looks at these.
CLOSED_STATUSES = (SalesOrder.Status.INVOICED, SalesOrder.Status.CLOSED)
# How far along the order flow each status is; Closed comes after Invoiced.
FLOW_POSITION = Case(
    *(When(status=status, then=Value(position)) for position, status in enumerate(SALES_ORDER_FLOW)),
    default=Value(len(SALES_ORDER_FLOW)),
    output_field=IntegerField(),
)
# Backorders live above this app; the list counts them through their relation to the project's purchase
# orders (Backorder.purchase_order, related name "backorders"), with BackorderStatus.OPEN's value.
BACKORDER_OPEN = "open"


def _per_project(items: QuerySet[SalesOrderItem], total) -> Subquery:
    """The sum of an expression over each project's sales-order items, as a subquery of the projects list."""
    return Subquery(
        items.order_by().values("sales_order__project").annotate(total=Sum(total)).values("total"),
        output_field=MONEY_FIELD,
    )


def projects_with_figures(queryset: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """Annotate projects with their stage, in-hands date, amount, remaining amount and open backorders.

    - stage: the status of its furthest-behind sales order in the order flow (New first, Closed last), so
      a project shows where its slowest order stands; an Invoiced or Closed order shows only when every
      order of the project is Invoiced or Closed. None when it has no order.
    - in_hands_date: the earliest in-hands date of its open orders (neither Invoiced nor Closed).
    - amount: its orders' subtotals (quantity × unit price, net of tax), as on the sales orders.
    - remaining_amount: what of them is left to invoice (net), as on the sales orders.
    - open_backorders: the backorders still open on its purchase orders.

    Each figure is a subquery, so a page of 50 projects costs one query, as a page of 5 does.
    """
    queryset = project_list() if queryset is None else queryset
    orders = SalesOrder.objects.filter(project=OuterRef("pk"))
    items = SalesOrderItem.objects.filter(sales_order__project=OuterRef("pk"))
    furthest_behind = orders.annotate(position=FLOW_POSITION).order_by("position", "id").values("status")[:1]
    earliest_in_hands = (
        orders.exclude(status__in=CLOSED_STATUSES)
        .order_by()
        .values("project")
        .annotate(earliest=Min("in_hands_date"))
        .values("earliest")
    )
    open_backorders = (
        Project.objects.filter(pk=OuterRef("pk"))
        .annotate(
            count=Count("purchase_orders__backorders", filter=Q(purchase_orders__backorders__status=BACKORDER_OPEN))
        )
        .values("count")
    )
    return queryset.annotate(
        stage=Subquery(furthest_behind, output_field=CharField()),
        in_hands_date=Subquery(earliest_in_hands, output_field=DateField()),
        amount=Coalesce(_per_project(items, _amount(F("quantity"))), ZERO_MONEY),
        remaining_amount=Coalesce(_per_project(items, _amount(_remaining())), ZERO_MONEY),
        open_backorders=Coalesce(Subquery(open_backorders, output_field=IntegerField()), Value(0)),
    )


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


# --- the order editor's quick picks --------------------------------------------------------------


RECENT_ORDERS = 10
RECENT_ITEMS = 8


def recent_items(*, client_id: int, rep_id: int | None) -> dict[str, list[SalesOrderItem]]:
    """The items this client ordered lately and the ones this rep wrote lately, for the editor's quick picks.

    Read from the last few orders only, whatever the history's size; each description and supplier once,
    the latest price first.
    """
    picks = {"client": _recent(SalesOrder.objects.filter(project__client_id=client_id)), "rep": []}
    if rep_id is not None:
        seen = {_pick_key(item) for item in picks["client"]}
        mine = SalesOrder.objects.filter(project__order_rep_id=rep_id).exclude(project__client_id=client_id)
        picks["rep"] = [item for item in _recent(mine) if _pick_key(item) not in seen]
    return picks


def _recent(orders: QuerySet[SalesOrder]) -> list[SalesOrderItem]:
    latest = orders.order_by("-pk").values("pk")[:RECENT_ORDERS]
    items = (
        SalesOrderItem.objects.filter(sales_order__in=latest)
        .select_related("supplier")
        .order_by("-sales_order_id", "position", "pk")
    )
    picks, seen = [], set()
    for item in items:
        if _pick_key(item) not in seen:
            seen.add(_pick_key(item))
            picks.append(item)
    return picks[:RECENT_ITEMS]


def _pick_key(item: SalesOrderItem) -> tuple[str, int | None]:
    return item.description.strip().lower(), item.supplier_id
