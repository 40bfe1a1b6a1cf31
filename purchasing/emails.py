"""The email that carries a purchase order to its supplier."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from projects.models import CompanySettings
from purchasing.models import PurchaseOrder
from purchasing.selectors import purchase_order_ship_to

logger = logging.getLogger(__name__)


def purchase_order_email_message(*, purchase_order: PurchaseOrder) -> EmailMessage:
    """Build the email of one PO: plain text listing the lines and the expected date, the PDF attached."""
    from purchasing.pdf import purchase_order_pdf_bytes

    po = purchase_order
    rep = po.production_rep or po.project.production_rep
    company = CompanySettings.load()
    context = {
        "po": po,
        "supplier": po.supplier,
        "items": list(po.items.select_related("sales_order_item")),
        "client": po.project.client,
        "ship_to": purchase_order_ship_to(purchase_order=po),
        "rep": rep,
        "distributor_name": company.name,
        "distributor_address": company.address,
    }
    # The supplier's questions and confirmation go to the person who follows the order's production.
    reply_to = [rep.email] if rep is not None and rep.email else []
    message = EmailMessage(
        subject=f"Purchase order {po.number} from {company.name}",
        body=render_to_string("projects/email/purchase_order.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        # The address the person was told when they asked, even if the supplier's changed since.
        to=[po.email_to or po.supplier.email],
        reply_to=reply_to,
    )
    message.attach(f"{po.number}.pdf", purchase_order_pdf_bytes(po), "application/pdf")
    return message


def purchase_order_email_send(*, purchase_order_id: int) -> bool:
    """Send one PO to its supplier; a vanished PO, or one with no address, is not sent."""
    po = (
        PurchaseOrder.objects.select_related(
            "project__client", "project__production_rep", "sales_order", "supplier", "production_rep"
        )
        .filter(pk=purchase_order_id)
        .first()
    )
    if po is None or not (po.email_to or po.supplier.email):
        logger.info("Purchase order %s is gone or has no address; its email is not sent.", purchase_order_id)
        return False
    purchase_order_email_message(purchase_order=po).send()
    return True
