"""Reads shared by the pages, the API and the reports, shaped once."""

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Prefetch,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Round

from projects.models import MONEY, Activity, Note, Project, SalesOrder, SalesOrderItem

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


# --- the search box in the header ----------------------------------------------------------------


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
