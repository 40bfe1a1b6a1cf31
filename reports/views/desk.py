"""My desk: what needs each role now, and the user's unread notifications, at a constant query cost."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, F, IntegerField, Prefetch, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from backorders.models import Backorder
from core.db_router import replica_reads
from core.roles import Role, has_role, is_manager
from invoicing.models import Invoice
from notifications.models import Notification
from projects.models import SALES_ORDER_FLOW, Note, SalesOrder, SalesOrderItem
from projects.selectors import (
    MONEY_FIELD,
    ZERO_MONEY,
    sales_order_items_with_figures,
    sales_order_list,
    sales_orders_with_figures,
)
from purchasing.models import PurchaseOrder
from purchasing.selectors import purchase_orders_flagged

# Each list shows this many rows at most and links to the full list; the desk is for what is urgent.
DESK_ROWS = 50
RECENT = 10
NOT_SHIPPED = [PurchaseOrder.Stage.CREATED, PurchaseOrder.Stage.SUBMITTED, PurchaseOrder.Stage.CONFIRMED]
SALES_DONE = [SalesOrder.Status.INVOICED, SalesOrder.Status.CLOSED]


def _production(user, today) -> dict:
    """Production's work: POs waiting for the supplier to confirm, POs due to ship this week, overdue
    backorders and POs flagged Problem or Follow Up; the rep's own first in each."""
    mine = Case(When(production_rep=user, then=Value(1)), default=Value(0), output_field=IntegerField())
    flagged = purchase_orders_flagged().annotate(mine=mine)
    open_pos = PurchaseOrder.objects.select_related("project__client", "supplier").annotate(mine=mine)
    week_end = today + timedelta(days=6 - today.weekday())
    backorders = (
        Backorder.objects.filter(status=Backorder.Status.OPEN)
        .select_related(
            "purchase_order__project__client", "purchase_order__supplier", "purchase_order_item__sales_order_item"
        )
        .annotate(value=F("quantity") * F("purchase_order_item__sales_order_item__unit_price"))
        # Dates before today sort first, so overdue backorders lead; rows without a date come last.
        .order_by(F("expected_date").asc(nulls_last=True), "id")
    )
    open_backorders = list(backorders[:DESK_ROWS])
    for backorder in open_backorders:
        backorder.is_overdue = backorder.expected_date is not None and backorder.expected_date < today
    return {
        "awaiting_confirmation": list(
            open_pos.filter(stage=PurchaseOrder.Stage.SUBMITTED).order_by("-mine", "created_at", "number")[:DESK_ROWS]
        ),
        "shipping_this_week": list(
            open_pos.filter(stage__in=NOT_SHIPPED, expected_date__lte=week_end).order_by(
                "-mine", "expected_date", "number"
            )[:DESK_ROWS]
        ),
        "open_backorders": open_backorders,
        "flagged_purchase_orders": list(flagged.order_by("-mine", "number")[:DESK_ROWS]),
    }


def _sales(user) -> dict:
    """Sales' work: the rep's own orders not yet invoiced, by stage, with in-hands dates and amounts."""
    orders = (
        sales_orders_with_figures(SalesOrder.objects.filter(project__order_rep=user).exclude(status__in=SALES_DONE))
        .select_related("project__client")
        .order_by(
            Case(*[When(status=status, then=Value(i)) for i, status in enumerate(SALES_ORDER_FLOW)]),
            F("in_hands_date").asc(nulls_last=True),
            "number",
        )
    )
    return {"my_orders": list(orders[:DESK_ROWS])}


def _invoicing() -> dict:
    pinned = Prefetch(
        "project__notes",
        queryset=Note.objects.filter(pinned=True).select_related("author").order_by("-created_at", "-id"),
        to_attr="pinned_notes",
    )
    ready = sales_order_list(filters={"status": SalesOrder.Status.READY_TO_BE_INVOICED}).prefetch_related(pinned)
    unsent = Invoice.objects.filter(status=Invoice.Status.OPEN).select_related("sales_order__project__client")
    return {
        "ready_orders": list(ready.order_by("updated_at", "number")[:DESK_ROWS]),
        "unsent_invoices": list(unsent.order_by("sequence_number")[:DESK_ROWS]),
    }


def _totals() -> dict:
    ready_items = sales_order_items_with_figures(
        SalesOrderItem.objects.filter(sales_order__status=SalesOrder.Status.READY_TO_BE_INVOICED)
    )
    backorders = Backorder.objects.filter(status=Backorder.Status.OPEN).aggregate(
        count=Count("id"),
        value=Coalesce(
            Sum(F("quantity") * F("purchase_order_item__sales_order_item__unit_price"), output_field=MONEY_FIELD),
            ZERO_MONEY,
        ),
    )
    return {
        "ready_count": SalesOrder.objects.filter(status=SalesOrder.Status.READY_TO_BE_INVOICED).count(),
        "ready_sum": ready_items.aggregate(total=Coalesce(Sum("ready_amount"), ZERO_MONEY))["total"],
        "backorder_count": backorders["count"],
        "backorder_value": backorders["value"],
    }


@login_required
@replica_reads
def desk(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    sections = {
        "show_sales": has_role(user, Role.SALES) and not is_manager(user),
        "show_production": has_role(user, Role.PRODUCTION),
        "show_invoicing": has_role(user, Role.INVOICING),
        "show_totals": is_manager(user),
    }
    context = {**sections, "today": today, "desk_rows": DESK_ROWS, "nav_section": "desk"}
    if sections["show_production"]:
        context.update(_production(user, today))
    if sections["show_invoicing"]:
        context.update(_invoicing())
    if sections["show_sales"]:
        context.update(_sales(user))
    if sections["show_totals"]:
        context.update(_totals())
    notifications = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .select_related("project")
        .order_by("-created_at", "-id")[:RECENT]
    )
    context["notifications"] = notifications
    # A note already in the notifications panel is not listed again below (its text once per page).
    shown = {notification.event_key for notification in notifications}
    mentions = (
        Note.objects.filter(mentions=user)
        .exclude(author=user)
        .select_related("project", "author")
        .order_by("-created_at", "-id")[:RECENT]
    )
    context["mentions"] = [note for note in mentions if f"note:{note.pk}" not in shown]
    return render(request, "projects/desk.html", context)
