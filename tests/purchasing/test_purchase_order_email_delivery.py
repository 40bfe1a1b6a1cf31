"""Email PO to supplier on a real Redis broker with a real Celery worker: the email leaves exactly once."""

import pytest
from django.urls import reverse

from projects.models import Activity
from purchasing.models import PurchaseOrder
from purchasing.tasks import purchase_order_email_task

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

# After the email the test keeps watching for a duplicate while beat's sweep of pending PO emails (every
# second here) runs this many more times on the worker: a PO it queued again is emailed by then.
SWEEP = "purchasing.tasks.purchase_order_email_requeue_task"
QUIET_SWEEPS = 3


def test_the_po_email_leaves_once_though_its_task_is_delivered_three_times(
    start_worker,  # noqa: F811
    smtp_sink,  # noqa: F811
    client,
    mug_order,
    sales_rep,
):
    po = mug_order.po
    PurchaseOrder.objects.filter(pk=po.pk).update(stage=PurchaseOrder.Stage.CREATED)
    supplier_email = po.supplier.email
    worker = start_worker()

    # when the sales rep asks for the email on the PO page
    client.force_login(sales_rep)
    response = client.post(reverse("purchase-order-email", args=[po.pk]))
    assert response.status_code == 302
    # and the broker hands its task over twice more, as a redelivery would
    purchase_order_email_task.apply_async(args=[po.pk])
    purchase_order_email_task.apply_async(args=[po.pk])

    # then the worker emails the supplier once, with the PO's subject
    assert wait_until(lambda: smtp_sink.count() >= 1, timeout=30), worker.log()[-3000:]
    assert worker.runs_more(SWEEP, times=QUIET_SWEEPS), worker.log()[-3000:]
    [received] = smtp_sink.received()
    assert received.recipients == [supplier_email]
    assert received.subject == "Purchase order PO-1001 from Northwind Promotional Products"
    assert "- 500 x 11 oz mug, 2-colour print" in received.body
    # and the PO says so, once, and was submitted on the way
    po.refresh_from_db()
    assert po.email_state == PurchaseOrder.EmailState.SENT and po.email_sent_at is not None
    assert po.stage == PurchaseOrder.Stage.SUBMITTED
    assert Activity.objects.filter(verb="emailed to the supplier", subject_id=po.pk).count() == 1
    assert "not sent" in worker.log()  # a duplicate delivery ran and found nothing to claim
