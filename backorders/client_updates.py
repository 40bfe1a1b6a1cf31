"""Telling the client: status updates proposed by events, sent by the order rep (or at once), and the client's OK.

An event that changes what the client waits for (a backorder flagged, its expected date moved, goods shipped)
calls `client_update_propose` inside its own transaction. The order rep reads the proposal on the sales order,
edits it and sends it; a client whose setting asks for it is emailed at once. The email leaves from the worker,
claimed like an invoice's (pending → sending → sent), so it goes out once.
"""

import logging
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from backorders.client_status import OrderStatus, order_status_for_client
from backorders.models import ClientUpdate
from backorders.status_links import status_link_url
from core import locks
from core.errors import TransitionNotAllowed, ValidationFailed
from core.roles import Role
from core.site import request_base_url
from core.tasks import enqueue
from core.text import sentence
from core.transactions import money_write
from notifications.models import Notification
from notifications.services import notify
from projects.models import CompanySettings, SalesOrder
from projects.services.common import _require_role, activity_record
from purchasing.figures import SHIPPED_OR_LATER
from purchasing.models import PurchaseOrder

logger = logging.getLogger(__name__)

BODY_MAX_LENGTH = 5000

# The sentence that opens an update, by what caused it.
OPENINGS: dict[str, str] = {
    ClientUpdate.Reason.BACKORDER_FLAGGED: "Part of your order is delayed at the maker; the rest is on its way.",
    ClientUpdate.Reason.EXPECTED_DATE_MOVED: "The maker has given a new date for the goods still to come.",
    ClientUpdate.Reason.GOODS_SHIPPED: "Goods of your order have shipped.",
    ClientUpdate.Reason.BY_HAND: "Here is where your order stands today.",
}


def client_update_text(*, status: OrderStatus, reason: str, link: str, company_name: str) -> str:
    """Write the update in the company's voice: what shipped, what is backordered until when, the status link."""
    order = status.order
    client = order.project.client
    yours = f" (your PO {order.client_po_number})" if order.client_po_number else ""
    lines = [f"Dear {client.name},", "", f"An update on your order {order.number}{yours}.", OPENINGS[reason], ""]
    if status.shipped:
        lines.append("Shipped so far:")
        lines += [f"- {item.shipped} × {item.description}" for item in status.shipped]
    if status.backordered:
        lines.append("Backordered:")
        lines += [
            f"- {part.quantity} × {item.description}, expected {part.expected}"
            for item in status.backordered
            for part in item.backorders
        ]
    if status.waiting:
        lines.append("Still to ship, on schedule:")
        lines += [f"- {item.not_shipped} × {item.description}" for item in status.waiting]
    lines += [
        "",
        "Your order's status page shows where everything stands, and the invoices we have sent:",
        link,
    ]
    if status.anything_to_ship and status.anything_shipped:
        lines.append("If what is ready may ship ahead of the rest, you can tell us there in one click.")
    lines += ["", "Kind regards,", company_name]
    return "\n".join(lines)


def _body(order: SalesOrder, *, reason: str, link: str) -> str:
    return client_update_text(
        status=order_status_for_client(order), reason=reason, link=link, company_name=CompanySettings.load().name
    )


def client_update_draft(*, sales_order: SalesOrder) -> str:
    """The text a rep starts from to write an update by hand."""
    return _body(
        sales_order,
        reason=ClientUpdate.Reason.BY_HAND,
        link=status_link_url(sales_order, captured=request_base_url()),
    )


def client_update_propose(*, sales_order: SalesOrder, reason: str) -> ClientUpdate | None:
    """Propose a status update after an event, inside the event's transaction; at most one a day per order.

    A later event the same day rewrites the proposal still waiting for the rep; once that day's update was
    sent or dismissed, nothing more is proposed until the next day. A client who asked for automatic
    updates is emailed at once. Returns the update written or rewritten, or None.
    """
    # Held already by the event's write; two events of one order queue here, so the day's row is one.
    order = locks.lock_sales_order(sales_order).order
    today = timezone.localdate()
    existing = ClientUpdate.objects.filter(sales_order=order, automatic=True, day=today).first()
    if existing is not None:
        if existing.status != ClientUpdate.Status.PROPOSED:
            return None
        existing.reason = reason
        existing.body = _body(order, reason=reason, link=existing.link)
        existing.save(update_fields=["reason", "body", "updated_at"])
        return existing
    link = status_link_url(order, captured=request_base_url())
    update = ClientUpdate.objects.create(
        sales_order=order,
        reason=reason,
        automatic=True,
        day=today,
        body=_body(order, reason=reason, link=link),
        link=link,
    )
    if order.project.client.status_updates_automatic:
        _send(update, order=order, body=update.body, by=None)
    return update


def client_update_after_stage_change(*, purchase_order: PurchaseOrder, previous: str) -> None:
    """Propose an update when a PO's goods ship (it reaches Shipped, or later, from before)."""
    if previous not in SHIPPED_OR_LATER and purchase_order.stage in SHIPPED_OR_LATER:
        client_update_propose(sales_order=purchase_order.sales_order, reason=ClientUpdate.Reason.GOODS_SHIPPED)


def _order_named(*, sales_order: SalesOrder, **_) -> str:
    return f"Sales order {SalesOrder.objects.filter(pk=sales_order.pk).values_list('number', flat=True).get()}"


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationFailed({"body": ["Write the update to send to the client."]})
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationFailed(
            {"body": [f"The update may hold at most {BODY_MAX_LENGTH} characters; it has {len(body)}."]}
        )
    return body


def _send(update: ClientUpdate, *, order: SalesOrder, body: str, by: User | None) -> None:
    client = order.project.client
    # The link in the text is signed afresh, so it lasts its full time from the moment it is sent.
    link = status_link_url(order, captured=request_base_url())
    if update.link and update.link in body:
        body = body.replace(update.link, link)
    update.body = body
    update.link = link
    update.status = ClientUpdate.Status.SENT
    update.sent_at = timezone.now()
    update.sent_by = by
    update.email_to = client.billing_email
    update.email_state = ClientUpdate.EmailState.PENDING
    update.email_claimed_at = None
    update.save()
    activity_record(
        project=order.project,
        subject=order,
        verb="emailed a status update to the client about",
        by=by,
        to_value=update.get_reason_display(),
        detail=f"To {client.billing_email}",
    )
    transaction.on_commit(lambda: _enqueue_client_update_email(update_id=update.pk))


@money_write(_order_named)
def client_update_send(
    *, sales_order: SalesOrder, body: str, by: User, update: ClientUpdate | None = None
) -> ClientUpdate:
    """Email an update to the client: the proposed one (as edited), or one written by hand when none is given."""
    _require_role(by, Role.SALES, action="send updates to clients")
    body = _clean_body(body)
    order = locks.lock_sales_order(sales_order).order
    if update is None:
        update = ClientUpdate.objects.create(
            sales_order=order,
            reason=ClientUpdate.Reason.BY_HAND,
            automatic=False,
            day=timezone.localdate(),
            body=body,
        )
    else:
        update = ClientUpdate.objects.select_for_update().get(pk=update.pk, sales_order=order)
        if update.status != ClientUpdate.Status.PROPOSED:
            raise TransitionNotAllowed(
                f"That update on {order.number} was already {update.get_status_display().lower()}."
            )
    _send(update, order=order, body=body, by=by)
    return update


@money_write(_order_named)
def client_update_dismiss(*, sales_order: SalesOrder, update: ClientUpdate, by: User) -> ClientUpdate:
    """Set a proposed update aside: the client is not emailed, and today's events propose no other."""
    _require_role(by, Role.SALES, action="dismiss updates to clients")
    order = locks.lock_sales_order(sales_order).order
    locked = ClientUpdate.objects.select_for_update().get(pk=update.pk, sales_order=order)
    if locked.status != ClientUpdate.Status.PROPOSED:
        raise TransitionNotAllowed(f"That update on {order.number} was already {locked.get_status_display().lower()}.")
    locked.status = ClientUpdate.Status.DISMISSED
    locked.dismissed_at = timezone.now()
    locked.dismissed_by = by
    locked.save(update_fields=["status", "dismissed_at", "dismissed_by", "updated_at"])
    activity_record(
        project=order.project,
        subject=order,
        verb="dismissed the proposed client update on",
        by=by,
        to_value=locked.get_reason_display(),
    )
    return locked


# --- delivery -------------------------------------------------------------------------------------


def _enqueue_client_update_email(*, update_id: int) -> None:
    """Queue the email of a sent update; if the broker is unreachable it stays pending for the requeue task."""
    try:
        enqueue("backorders.tasks.client_update_email_task", args=(update_id,), retry=False)
    except Exception:  # noqa: BLE001 - the update is committed as sent; its email must wait, not fail the request
        logger.warning("Could not queue the email of client update %s; it stays pending.", update_id, exc_info=True)


def client_update_email_claim(*, update_id: int, claim_ttl_seconds: int) -> bool:
    """Claim a pending update email for sending; False when another worker has it or it went out."""
    now = timezone.now()
    claimable = Q(email_state=ClientUpdate.EmailState.PENDING) | Q(
        email_state=ClientUpdate.EmailState.SENDING, email_claimed_at__lt=now - timedelta(seconds=claim_ttl_seconds)
    )
    claimed = ClientUpdate.objects.filter(claimable, pk=update_id).update(
        email_state=ClientUpdate.EmailState.SENDING, email_claimed_at=now
    )
    return bool(claimed)


def client_update_email_release(*, update_id: int, sent: bool) -> None:
    """Record the outcome of a claimed update email: sent, or pending again to be retried."""
    claimed = ClientUpdate.objects.filter(pk=update_id, email_state=ClientUpdate.EmailState.SENDING)
    if sent:
        claimed.update(email_state=ClientUpdate.EmailState.SENT, email_sent_at=timezone.now())
    else:
        claimed.update(email_state=ClientUpdate.EmailState.PENDING)


def client_updates_to_requeue(*, pending_grace_seconds: float, claim_ttl_seconds: float, batch: int) -> list[int]:
    """The updates whose email was never queued (broker down) or whose worker died holding the claim."""
    now = timezone.now()
    claim_expired = now - timedelta(seconds=claim_ttl_seconds)
    pending = ClientUpdate.objects.filter(
        # A row given back after an error waits for its own retry before the sweep joins in.
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=claim_expired),
        email_state=ClientUpdate.EmailState.PENDING,
        sent_at__lt=now - timedelta(seconds=pending_grace_seconds),
    ).values_list("pk", flat=True)
    stale = ClientUpdate.objects.filter(
        email_state=ClientUpdate.EmailState.SENDING, email_claimed_at__lt=claim_expired
    ).values_list("pk", flat=True)
    return list(pending[:batch]) + list(stale[:batch])


# --- the client's answer --------------------------------------------------------------------------


@money_write(_order_named)
def sales_order_client_ok_to_ship(*, sales_order: SalesOrder) -> bool:
    """Record the client's "OK to ship what is ready now" and tell the production and invoicing reps, once.

    The client answers from its status page, signed out, so nobody is the actor. A second answer changes
    nothing (the first stands); returns whether this one was recorded.
    """
    order = locks.lock_sales_order(sales_order).order
    if order.client_ok_to_ship_at is not None:
        return False
    order.client_ok_to_ship_at = timezone.now()
    order.save(update_fields=["client_ok_to_ship_at", "updated_at"])
    project = order.project
    activity_record(
        project=project,
        subject=order,
        verb="recorded the client's OK to ship what is ready now on",
        by=None,
        detail="Answered on the client's status page",
    )
    notify(
        recipients=[project.production_rep, project.invoicing_rep],
        kind=Notification.Kind.CLIENT_OK_TO_SHIP,
        event_key=f"so:{order.pk}:ok-to-ship",
        project=project,
        message=sentence(f"{project.client.name} says what is ready on {order.number} may ship now"),
        url=reverse("sales-order-detail", args=[order.pk]),
    )
    sales_order.client_ok_to_ship_at = order.client_ok_to_ship_at
    return True
