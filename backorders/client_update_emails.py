"""The email that carries a status update to the client's billing contact."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage

from backorders.models import ClientUpdate
from projects.models import CompanySettings

logger = logging.getLogger(__name__)


def client_update_email_message(*, update: ClientUpdate) -> EmailMessage:
    """Build the email of one update: its text as sent, replies to the order rep."""
    order = update.sales_order
    project = order.project
    company = CompanySettings.load()
    reply_to = [project.order_rep.email] if project.order_rep.email else []
    return EmailMessage(
        subject=f"Your order {order.number}: an update from {company.name}",
        body=update.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[update.email_to or project.client.billing_email],
        reply_to=reply_to,
    )


def client_update_email_send(*, update_id: int) -> bool:
    """Send one update to the address it was sent to; a vanished one is not sent."""
    update = (
        ClientUpdate.objects.select_related("sales_order__project__client", "sales_order__project__order_rep")
        .filter(pk=update_id, status=ClientUpdate.Status.SENT)
        .first()
    )
    if update is None:
        logger.info("Client update %s is gone; its email is not sent.", update_id)
        return False
    client_update_email_message(update=update).send()
    return True
