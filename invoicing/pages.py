"""What invoicing/ adds to the project and sales order pages (projects.pages)."""

from django.http import HttpRequest

from invoicing.models import Invoice
from projects.models import Project, SalesOrder
from projects.pages import project_overview, sales_order_page


def sales_order_invoices(order: SalesOrder) -> list[Invoice]:
    """The order's invoices by number, each with its place ('2 of 2') among those not void; drafts last."""
    invoices = list(order.invoices.order_by("sequence_number", "pk"))
    uncounted = (Invoice.Status.VOID, Invoice.Status.DRAFT)
    counted = [invoice for invoice in invoices if invoice.status not in uncounted]
    for invoice in invoices:
        invoice.position = counted.index(invoice) + 1 if invoice in counted else None  # type: ignore[attr-defined]
        invoice.position_of = len(counted)  # type: ignore[attr-defined]
    return invoices


@project_overview.provide
def project_invoices(request: HttpRequest, project: Project) -> dict:
    invoices = Invoice.objects.filter(sales_order__project=project).select_related("sales_order")
    return {"invoices": list(invoices.order_by("sequence_number"))}


@sales_order_page.provide
def sales_order_invoices_section(request: HttpRequest, order: SalesOrder) -> dict:
    return {"invoices": sales_order_invoices(order)}
