"""Updates to the client: proposed by the events the client waits on, sent by the order rep or at once, once a day."""

from datetime import timedelta

import pytest
from django.urls import reverse

from backorders.client_updates import client_update_send
from backorders.models import ClientUpdate
from backorders.services import BackorderRequest, backorder_expected_date_change, backorder_flag
from backorders.tasks import client_update_email_requeue_task, client_update_email_task
from projects.models import Activity, CompanySettings
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change

pytestmark = pytest.mark.django_db


def flag(mug_order, production_rep, expected):
    return backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, expected, "Supplier short on white mugs")],
        note="",
        by=production_rep,
    )


@pytest.fixture
def company(db):
    company = CompanySettings.load()
    company.name = "Harbor Promotions"
    company.save()
    return company


def test_a_flagged_backorder_proposes_an_update_in_the_company_voice(mug_order, production_rep, next_week, company):
    flag(mug_order, production_rep, next_week)

    update = ClientUpdate.objects.get()
    assert (update.reason, update.status, update.automatic) == ("backorder_flagged", "proposed", True)
    assert update.body.startswith(f"Dear {mug_order.order.project.client.name},")
    assert "Part of your order is delayed" in update.body
    assert "Shipped so far:\n- 300 × 11 oz mug, 2-colour print" in update.body
    assert "- 200 × 11 oz mug, 2-colour print, expected" in update.body
    assert update.body.endswith("Kind regards,\nHarbor Promotions")
    assert update.link in update.body and "/status/" in update.link
    # no price, no internal reason
    assert "4.25" not in update.body and "Supplier short" not in update.body


def test_a_second_event_the_same_day_rewrites_the_proposal_and_the_next_day_proposes_again(
    mug_order, production_rep, next_week, company
):
    backorder = flag(mug_order, production_rep, next_week).backorders[0]
    later = next_week + timedelta(days=14)

    backorder_expected_date_change(backorder=backorder, expected_date=later, by=production_rep)

    update = ClientUpdate.objects.get()
    assert update.reason == "expected_date_moved" and "new date" in update.body
    assert update.body.count("expected") == 1 and str(later.day) in update.body
    # the day's proposal was dismissed: nothing more today; tomorrow's event proposes anew
    ClientUpdate.objects.update(status=ClientUpdate.Status.DISMISSED)
    purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)
    assert ClientUpdate.objects.count() == 1
    ClientUpdate.objects.update(day=update.day - timedelta(days=1))
    backorder_expected_date_change(backorder=backorder, expected_date=later + timedelta(days=1), by=production_rep)
    assert ClientUpdate.objects.filter(status="proposed").count() == 1


def test_goods_shipping_proposes_an_update(mug_order, production_rep, company):
    assert not ClientUpdate.objects.exists()  # confirmed by the supplier, not shipped yet

    purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)

    update = ClientUpdate.objects.get()
    assert update.reason == "goods_shipped"
    assert "Goods of your order have shipped." in update.body and "- 500 × 11 oz mug" in update.body


def test_the_rep_sends_it_from_the_sales_order_once_logged_and_may_send_another_by_hand(
    mug_order, production_rep, sales_rep, next_week, company, client, mailoutbox, django_capture_on_commit_callbacks
):
    flag(mug_order, production_rep, next_week)
    update = ClientUpdate.objects.get()
    client.force_login(sales_rep)
    email = mug_order.order.project.client.billing_email
    page = client.get(mug_order.order.get_absolute_url()).content.decode()
    assert f"Send update to {email}" in page and "Part of your order is delayed" in page

    edited = update.body.replace("Dear", "Hello")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("client-update-send", args=[mug_order.order.pk]), {"update": update.pk, "body": edited}
        )
    assert response.status_code == 302

    update.refresh_from_db()
    assert (update.status, update.sent_by, update.email_state) == ("sent", sales_rep, "sent")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [email] and message.subject == "Your order SO-1001: an update from Harbor Promotions"
    assert message.body.startswith("Hello") and update.link in message.body
    # a second delivery of the task, and the beat sweep, send nothing more
    assert client_update_email_task.apply(args=[update.pk]).get() == "not sent"
    assert client_update_email_requeue_task.apply().get() == 0
    assert len(mailoutbox) == 1
    activity = Activity.objects.get(verb="emailed a status update to the client about")
    assert (activity.actor, activity.detail) == (sales_rep, f"To {email}")

    # the same day, another by hand
    with django_capture_on_commit_callbacks(execute=True):
        client_update_send(sales_order=mug_order.order, body="Hello again.", by=sales_rep)
    assert len(mailoutbox) == 2 and ClientUpdate.objects.filter(automatic=False, status="sent").count() == 1


def test_an_empty_update_is_refused_next_to_the_box(mug_order, production_rep, sales_rep, next_week, client):
    flag(mug_order, production_rep, next_week)
    update = ClientUpdate.objects.get()
    client.force_login(sales_rep)

    response = client.post(reverse("client-update-send", args=[mug_order.order.pk]), {"update": update.pk, "body": " "})

    assert response.status_code == 400
    assert "Write the update to send to the client." in response.content.decode()
    update.refresh_from_db()
    assert update.status == "proposed"


def test_dismiss_sends_nothing(mug_order, production_rep, sales_rep, next_week, client, mailoutbox):
    flag(mug_order, production_rep, next_week)
    update = ClientUpdate.objects.get()
    client.force_login(sales_rep)

    client.post(reverse("client-update-dismiss", args=[update.pk]))

    update.refresh_from_db()
    assert update.status == "dismissed" and update.dismissed_by == sales_rep and not mailoutbox
    # a production rep may not send or dismiss updates to clients
    client.force_login(production_rep)
    assert client.post(reverse("client-update-dismiss", args=[update.pk])).status_code == 403


def test_a_client_with_automatic_updates_is_emailed_at_once_and_once_a_day(
    mug_order, production_rep, next_week, company, mailoutbox, django_capture_on_commit_callbacks
):
    client = mug_order.order.project.client
    client.status_updates_automatic = True
    client.save()

    with django_capture_on_commit_callbacks(execute=True):
        backorder = flag(mug_order, production_rep, next_week).backorders[0]
    with django_capture_on_commit_callbacks(execute=True):
        backorder_expected_date_change(backorder=backorder, expected_date=next_week + timedelta(days=3), by=None)

    update = ClientUpdate.objects.get()
    assert (update.status, update.sent_by, update.email_state) == ("sent", None, "sent")
    # (the invoicing rep's "ready to invoice" email goes out too)
    assert [message.subject for message in mailoutbox if message.to == [client.billing_email]] == [
        "Your order SO-1001: an update from Harbor Promotions"
    ]
    assert Activity.objects.filter(verb="emailed a status update to the client about", actor=None).count() == 1


def test_the_client_form_sets_automatic_updates(mug_order, sales_rep, client):
    target = mug_order.order.project.client
    client.force_login(sales_rep)
    form = client.get(reverse("client-edit", args=[target.pk])).content.decode()
    assert "Send status updates automatically" in form

    response = client.post(
        reverse("client-edit", args=[target.pk]),
        {
            "name": target.name,
            "billing_email": target.billing_email,
            "terms_days": 30,
            "default_tax_rate": "0",
            "status_updates_automatic": "on",
        },
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status_updates_automatic
    assert "Sent automatically" in client.get(reverse("client-detail", args=[target.pk])).content.decode()
