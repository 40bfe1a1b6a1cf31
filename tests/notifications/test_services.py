"""Who is notified of what, and how the email task claims, skips, fails and is swept up again."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import invoice_create
from invoicing.services.sending import invoice_send
from invoicing.services.void import invoice_void
from notifications import services
from notifications.models import Notification
from notifications.services import notification_claim_email, notification_enqueue_email, notification_preference_set
from notifications.tasks import notification_email_task, notification_requeue_pending_task, notifications_to_requeue
from projects.models import SalesOrder
from projects.services.sales_orders import sales_order_status_change
from purchasing.models import PurchaseOrder
from tests.factories import UserFactory, goods_ready


def mention(user, project, key="note:1") -> Notification:
    return Notification.objects.create(
        recipient=user,
        kind=Notification.Kind.MENTION,
        event_key=key,
        project=project,
        message="Pat Producer mentioned you on P-1001 Spring fair mugs: look",
        url=reverse("project-detail", args=[project.pk]) + "#note-1",
    )


# Who is notified ---------------------------------------------------------------------------------


def test_emailing_an_invoice_tells_the_order_rep(mug_order, invoicing_rep, sales_rep):
    goods_ready(mug_order.order.pk)
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    invoice_send(invoice=invoice, by=invoicing_rep)
    sent = Notification.objects.get(kind=Notification.Kind.INVOICE_SENT)
    assert sent.recipient == sales_rep
    assert sent.url == reverse("invoice-detail", args=[invoice.pk])
    assert sent.message.startswith(f"Invoice {invoice.number} (")


def test_flagging_a_backorder_without_naming_the_invoicing_rep_still_tells_them_the_order_is_ready(
    mug_order, production_rep, sales_rep, invoicing_rep, next_week
):
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Short on white mugs")],
        note="@sam 200 mugs are late",
        by=production_rep,
    )
    assert sorted(Notification.objects.values_list("recipient__username", "kind")) == [
        ("ivy", "ready_to_invoice"),
        ("sam", "backorder_flagged"),
    ]
    ready = Notification.objects.get(kind=Notification.Kind.READY_TO_INVOICE)
    assert ready.url == reverse("sales-order-detail", args=[mug_order.order.pk])


def test_the_invoicing_rep_is_not_told_of_a_move_they_made_themselves(mug_order, invoicing_rep):
    invoicing_rep.groups.add(Group.objects.get_or_create(name="Production")[0])
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=invoicing_rep
    )
    assert not Notification.objects.exists()


def test_voiding_an_invoice_tells_the_invoicing_rep_the_issuer_and_the_managers_why(
    mug_order, invoicing_rep, manager, sales_rep
):
    # given an invoice issued by a second invoicing rep, and two other managers, one of them gone
    issuer = UserFactory(username="iris", roles=["Invoicing"])
    other_manager = UserFactory(username="mia", roles=["Managers"])
    UserFactory(username="former", roles=["Managers"], is_active=False)
    goods_ready(mug_order.order.pk)
    invoice = invoice_create(sales_order=mug_order.order, by=issuer)
    Notification.objects.all().delete()

    # when Max voids it
    invoice_void(invoice=invoice, reason="Billed to the wrong client", by=manager)

    # then the project's invoicing rep, the issuer and the other active manager hear why, once each
    notified = Notification.objects.order_by("recipient__username")
    assert [(n.recipient.username, n.kind) for n in notified] == [
        ("iris", "invoice_voided"),
        ("ivy", "invoice_voided"),
        ("mia", "invoice_voided"),
    ]
    assert {n.message for n in notified} == {
        f"Invoice {invoice.number} on SO-1001 was voided by Max Manager: Billed to the wrong client. "
        "SO-1001 is Ready to be Invoiced again."
    }
    assert {n.url for n in notified} == {reverse("invoice-detail", args=[invoice.pk])}
    assert {n.event_key for n in notified} == {f"invoice:{invoice.pk}:void"}
    assert other_manager.notifications.count() == 1


def test_the_manager_who_voids_is_not_told_even_as_the_projects_invoicing_rep(mug_order, invoicing_rep, manager):
    project = mug_order.order.project
    project.invoicing_rep = manager
    project.save()
    goods_ready(mug_order.order.pk)
    invoice = invoice_create(sales_order=mug_order.order, by=manager)

    invoice_void(invoice=invoice, reason="Duplicate", by=manager)

    assert not Notification.objects.filter(recipient=manager).exists()


def test_a_production_rep_setting_ready_tells_the_invoicing_rep(mug_order, production_rep, invoicing_rep):
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("ivy", "ready_to_invoice")]


# The email task ----------------------------------------------------------------------------------


def test_the_email_names_the_event_and_links_to_it(mug_order, sales_rep, mailoutbox, settings):
    settings.SITE_URL = "https://desk.example.com"
    notification = mention(sales_rep, mug_order.order.project)
    assert notification_email_task.apply(args=[notification.pk]).get() == "sent"
    [message] = mailoutbox
    assert message.to == [sales_rep.email]
    assert message.subject == "[Backorder Desk] Mention: P-1001"
    # The link opens through the read marker, so following it from the email marks it read too.
    assert f"Open it: https://desk.example.com/notifications/{notification.pk}/open/\n" in message.body
    notification.refresh_from_db()
    assert notification.email_state == Notification.EmailState.SENT
    assert notification.email_sent_at is not None


def test_running_the_task_twice_by_hand_sends_one_email(mug_order, sales_rep, mailoutbox):
    notification = mention(sales_rep, mug_order.order.project)
    assert notification_email_task.apply(args=[notification.pk]).get() == "sent"
    assert notification_email_task.apply(args=[notification.pk]).get() == "not claimed (sent)"
    assert len(mailoutbox) == 1


def test_a_user_who_switched_email_off_is_skipped(mug_order, sales_rep, mailoutbox):
    notification_preference_set(user=sales_rep, email_enabled=False)
    notification = mention(sales_rep, mug_order.order.project)
    assert notification_email_task.apply(args=[notification.pk]).get() == "skipped"
    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.email_state == Notification.EmailState.SKIPPED


def test_a_user_without_an_address_is_skipped(mug_order, sales_rep, mailoutbox):
    sales_rep.email = ""
    sales_rep.save()
    notification = mention(sales_rep, mug_order.order.project)
    assert notification_email_task.apply(args=[notification.pk]).get() == "skipped"
    assert mailoutbox == []


def test_a_live_claim_is_left_alone_and_an_expired_one_taken_over(mug_order, sales_rep):
    notification = mention(sales_rep, mug_order.order.project)
    assert notification_claim_email(notification_id=notification.pk, claim_ttl_seconds=60) is True
    assert notification_claim_email(notification_id=notification.pk, claim_ttl_seconds=60) is False
    Notification.objects.filter(pk=notification.pk).update(email_claimed_at=timezone.now() - timedelta(seconds=61))
    assert notification_claim_email(notification_id=notification.pk, claim_ttl_seconds=60) is True
    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == (Notification.EmailState.SENDING, 2)


def test_a_mail_server_that_keeps_failing_ends_in_failed_on_the_eighth_attempt(mug_order, sales_rep, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_services.RefusingBackend"
    notification = mention(sales_rep, mug_order.order.project)
    Notification.objects.filter(pk=notification.pk).update(email_attempts=7)
    assert notification_email_task(notification.pk) == "failed"
    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == (Notification.EmailState.FAILED, 8)
    assert notification.pk not in notifications_to_requeue().values_list("pk", flat=True)


def test_a_failed_send_gives_the_row_back_for_a_retry(mug_order, sales_rep, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_services.RefusingBackend"
    notification = mention(sales_rep, mug_order.order.project)
    with pytest.raises(ConnectionRefusedError):
        # Called as a plain function, the task raises instead of retrying eagerly.
        notification_email_task(notification.pk)
    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == (Notification.EmailState.PENDING, 1)


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the connection")


# The sweep ---------------------------------------------------------------------------------------


def test_the_sweep_picks_rows_never_queued_and_rows_abandoned_by_a_dead_worker(mug_order, sales_rep, settings):
    settings.NOTIFICATION_PENDING_GRACE_SECONDS = 30
    settings.NOTIFICATION_CLAIM_TTL_SECONDS = 120
    project = mug_order.order.project
    now = timezone.now()
    ago = lambda seconds: now - timedelta(seconds=seconds)  # noqa: E731
    rows = {name: mention(sales_rep, project, key=name) for name in ("fresh", "stuck", "retrying", "busy", "dead")}
    rows["sent"] = mention(sales_rep, project, key="sent")
    updates = {
        "fresh": {"created_at": ago(5)},
        "stuck": {"created_at": ago(60)},
        "retrying": {"created_at": ago(60), "email_claimed_at": ago(20)},
        "busy": {"email_state": "sending", "email_claimed_at": ago(20)},
        "dead": {"email_state": "sending", "email_claimed_at": ago(121)},
        "sent": {"created_at": ago(60), "email_state": "sent"},
    }
    for name, fields in updates.items():
        Notification.objects.filter(pk=rows[name].pk).update(**fields)
    assert sorted(notifications_to_requeue().values_list("event_key", flat=True)) == ["dead", "stuck"]


def test_the_sweep_sends_what_it_picks(mug_order, sales_rep, mailoutbox, settings):
    settings.NOTIFICATION_PENDING_GRACE_SECONDS = 30
    notification = mention(sales_rep, mug_order.order.project)
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert notification_requeue_pending_task.apply().get() == 1
    assert len(mailoutbox) == 1
    assert notification_requeue_pending_task.apply().get() == 0


# Publishing --------------------------------------------------------------------------------------


def test_a_broker_failure_holds_back_the_next_publishes_for_a_moment(monkeypatch, mug_order, sales_rep, settings):
    settings.NOTIFICATION_BROKER_BACKOFF_SECONDS = 60
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notification_email_task, "apply_async", refuse)
    assert notification_enqueue_email(notification_id=1) is False
    assert notification_enqueue_email(notification_id=2) is False
    assert len(calls) == 1
    services.notification_broker_backoff_reset()
    assert notification_enqueue_email(notification_id=3) is False
    assert len(calls) == 2


def test_an_error_that_is_not_the_brokers_neither_fails_the_caller_nor_holds_back_publishing(monkeypatch):
    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise ValueError("a bug in the task")

    monkeypatch.setattr(notification_email_task, "apply_async", broken)
    assert notification_enqueue_email(notification_id=1) is False
    assert notification_enqueue_email(notification_id=2) is False
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_notifications_are_queued_only_after_commit(monkeypatch, mug_order, production_rep):
    from django.db import transaction

    from projects.services.notes import note_create

    queued = []
    monkeypatch.setattr(
        services, "notification_enqueue_email", lambda *, notification_id, **kwargs: queued.append(notification_id)
    )
    with transaction.atomic():
        note_create(project=mug_order.order.project, body="@sam @ivy look", by=production_rep)
        assert queued == []
    assert sorted(queued) == sorted(Notification.objects.values_list("pk", flat=True))
    assert len(queued) == 2
