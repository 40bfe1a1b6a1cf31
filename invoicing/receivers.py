"""What invoicing does when the apps below it tell of a change, inside their transaction."""

from invoicing.models import Invoice
from projects.models import Project


def invoices_follow_their_project(*, project: Project, previous_client_id: int, **_) -> None:
    """Move the kept client of the project's invoices to the project's new client."""
    Invoice.objects.filter(sales_order__project=project).update(client_id=project.client_id)
