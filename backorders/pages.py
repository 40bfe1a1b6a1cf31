"""What backorders/ adds to the project page (projects.pages)."""

from django.http import HttpRequest
from django.utils import timezone

from backorders.models import Backorder
from projects.models import Project
from projects.pages import project_overview


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
