"""A client update on a real Redis broker with a real Celery worker: proposed by a flagged backorder, sent by
the order rep from the sales order page, and emailed to the client exactly once, with its status link."""

import pytest
from django.urls import reverse

from backorders.models import ClientUpdate
from backorders.services import BackorderRequest, backorder_flag
from backorders.tasks import client_update_email_task
from projects.models import Activity, CompanySettings
from purchasing.models import PurchaseOrder

# The delivery fixtures: our own redis-server, SMTP sink and Celery worker, always cleaned up.
from tests.notifications.conftest import (  # noqa: F401
    broker,
    broker_backoff_reset,
    real_services,
    redis_server,
    smtp_sink,
    start_worker,
)
from tests.notifications.support import wait_until

pytestmark = [pytest.mark.real_worker, pytest.mark.services]

# After the email the test keeps watching for a duplicate while beat's sweep of pending update emails
# runs this many more times on the worker: an update it queued again is emailed by then.
SWEEP = "backorders.tasks.client_update_email_requeue_task"
QUIET_SWEEPS = 3


def test_the_update_the_rep_sends_reaches_the_client_once_though_its_task_is_delivered_three_times(
    start_worker,  # noqa: F811
    smtp_sink,  # noqa: F811
    client,
    mug_order,
    production_rep,
    sales_rep,
    next_week,
):
    company = CompanySettings.load()
    company.name = "Harbor Promotions"
    company.save()
    order = mug_order.order
    billing_email = order.project.client.billing_email
    worker = start_worker()

    # given production flags a backorder, which proposes an update on the sales order
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short on white mugs")],
        note="",
        by=production_rep,
    )
    update = ClientUpdate.objects.get(sales_order=order)
    assert update.status == ClientUpdate.Status.PROPOSED

    # when the order rep edits it on the sales order page and sends it
    client.force_login(sales_rep)
    body = update.body.replace("Kind regards,", "Thank you for your patience. Kind regards,")
    response = client.post(reverse("client-update-send", args=[order.pk]), {"update": update.pk, "body": body})
    assert response.status_code == 302
    # and the broker hands its task over twice more, as a redelivery would
    client_update_email_task.apply_async(args=[update.pk])
    client_update_email_task.apply_async(args=[update.pk])

    # then the worker emails the client once, the rep's words and the status link in it
    # (the reps' notifications of the flag travel the same way, to the reps)
    def to_the_client():
        return [email for email in smtp_sink.received() if billing_email in email.recipients]

    assert wait_until(lambda: to_the_client(), timeout=30), worker.log()[-3000:]
    assert worker.runs_more(SWEEP, times=QUIET_SWEEPS), worker.log()[-3000:]
    [received] = to_the_client()
    assert received.recipients == [billing_email]
    assert received.subject == f"Your order {order.number}: an update from Harbor Promotions"
    assert "Thank you for your patience." in received.body
    update.refresh_from_db()
    assert update.link and update.link in received.body and "/status/" in update.link
    assert "4.25" not in received.body and "Supplier short" not in received.body  # no price, no internal note
    # and the update says so, once
    assert (update.status, update.email_state) == (ClientUpdate.Status.SENT, ClientUpdate.EmailState.SENT)
    assert update.email_sent_at is not None
    assert Activity.objects.filter(verb="emailed a status update to the client about", subject_id=order.pk).count() == 1
