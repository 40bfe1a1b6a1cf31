"""What backorders/ adds to the project and sales order pages (projects.pages)."""

from django.http import HttpRequest
from django.utils import timezone

from backorders.client_updates import client_update_draft
from backorders.models import Backorder, ClientUpdate
from core.roles import Role, has_role
from projects.models import Project, SalesOrder
from projects.pages import project_overview, sales_order_page


@project_overview.provide
def project_open_backorders(request: HttpRequest, project: Project) -> dict:
    """The project's open backorders, soonest expected first, each marked when overdue."""
    today = timezone.localdate()
    open_backorders = list(
        Backorder.objects.filter(purchase_order__project=project, status=Backorder.Status.OPEN)
        .select_related("purchase_order__supplier", "purchase_order_item__sales_order_item")
        .order_by("expected_date", "id")
    )
    for backorder in open_backorders:
        backorder.is_overdue = backorder.expected_date is not None and backorder.expected_date < today  # type: ignore[attr-defined]
    return {"open_backorders": open_backorders}


@sales_order_page.provide
def sales_order_client_updates(request: HttpRequest, order: SalesOrder) -> dict:
    """The updates for the client: those proposed by events, the last ones sent, and a draft to write one by hand."""
    can_send = has_role(request.user, Role.SALES)
    updates = list(
        ClientUpdate.objects.filter(sales_order=order)
        .exclude(status=ClientUpdate.Status.DISMISSED)
        .select_related("sent_by")
        .order_by("-created_at", "-id")[:6]
    )
    proposed = [update for update in updates if update.status == ClientUpdate.Status.PROPOSED]
    client = order.project.client
    return {
        "client_updates": {
            "proposed": proposed,
            "sent": [update for update in updates if update.status == ClientUpdate.Status.SENT][:5],
            "can_send": can_send,
            # Written only for those who may send it, and only when no proposal waits (that one is the start).
            "draft": client_update_draft(sales_order=order) if can_send and not proposed else "",
            "email": client.billing_email,
            "automatic": client.status_updates_automatic,
        }
    }
