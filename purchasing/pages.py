"""What purchasing/ adds to the project and sales order pages (projects.pages), and the supplier page's hook."""

from django.http import HttpRequest

from core.pages import PageHook
from core.roles import Role, has_role
from projects.models import Project, SalesOrder
from projects.pages import project_overview, sales_order_page
from purchasing.models import PurchaseOrder
from purchasing.selectors import purchase_order_list, shipments_of
from purchasing.services import purchase_orders_plan

EmailState = PurchaseOrder.EmailState

# Called with (request, supplier); reports/ adds the supplier's performance.
supplier_page = PageHook("supplier page")


@project_overview.provide
def project_purchase_orders(request: HttpRequest, project: Project) -> dict:
    return {"purchase_orders": list(purchase_order_list().filter(project=project).order_by("number"))}


@sales_order_page.provide
def sales_order_purchase_orders(request: HttpRequest, order: SalesOrder) -> dict:
    """The order's POs, and whether "Create purchase orders" is offered: to Sales, while items have none."""
    can_order = (
        has_role(request.user, Role.SALES)
        and order.status not in (SalesOrder.Status.INVOICED, SalesOrder.Status.CLOSED)
        and bool(purchase_orders_plan(sales_order=order).drafts)
    )
    purchase_orders = list(purchase_order_list().filter(sales_order=order).order_by("number"))
    return {
        "purchase_orders": purchase_orders,
        "can_order": can_order,
        # "Email all": the POs not emailed yet, each with the address it would go to, for the rep to review.
        "purchase_orders_to_email": [po for po in purchase_orders if po.email_state == EmailState.NOT_REQUESTED],
        "can_email_purchase_orders": has_role(request.user, Role.SALES, Role.PRODUCTION),
        # What the suppliers reported shipping on them: carrier, tracking and quantities.
        "shipments": list(shipments_of(purchase_orders=purchase_orders)) if purchase_orders else [],
    }
