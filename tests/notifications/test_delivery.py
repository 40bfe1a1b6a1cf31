"""Notification emails on a real Redis with a real Celery worker: each arrives, and only once."""

import time

import pytest
from django.db import transaction
from django.urls import reverse

from notifications.models import Notification
from notifications.tasks import notification_email_task
from projects.models import Note
from projects.services.notes import note_create
from tests.notifications.support import wait_until

pytestmark = [pytest.mark.real_worker, pytest.mark.services]

# After the expected emails a test keeps watching for a duplicate while beat's sweep of pending emails
# (every second here) runs this many more times on the worker: a row it queued again is sent by then.
SWEEP = "notifications.tasks.notification_requeue_pending_task"
QUIET_SWEEPS = 3


def emailed(sink) -> list[str]:
    return sorted(address for message in sink.received() for address in message.recipients)


def test_mention_fan_out_writes_two_notifications_and_sends_two_emails(
    start_worker, smtp_sink, mug_order, production_rep, sales_rep, invoicing_rep
):
    worker = start_worker()
    # given a note by pat naming pat, sam twice and ivy
    note_create(
        project=mug_order.order.project,
        body="@pat @sam @ivy: 300 mugs can go now, @sam please confirm.",
        by=production_rep,
    )
    # then sam and ivy are each notified and emailed once; the author is not
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["ivy", "sam"]
    assert wait_until(lambda: smtp_sink.count() >= 2, timeout=30), worker.log()[-3000:]
    assert worker.runs_more(SWEEP, times=QUIET_SWEEPS), worker.log()[-3000:]
    assert emailed(smtp_sink) == sorted([sales_rep.email, invoicing_rep.email])
    assert set(Notification.objects.values_list("email_state", flat=True)) == {Notification.EmailState.SENT}
    assert all("mentioned you on P-1001" in message.body for message in smtp_sink.received())


def test_redis_down_delays_the_emails_but_loses_none(
    start_worker, broker, smtp_sink, client, mug_order, production_rep, sales_rep, invoicing_rep
):
    worker = start_worker()
    # given Redis has stopped
    broker.stop()
    # when pat posts a note mentioning both reps
    client.force_login(production_rep)
    client.get(reverse("notification-inbox"))  # imports every view, so the timing below is the note's own
    started = time.monotonic()
    response = client.post(
        reverse("note-create", args=[mug_order.order.project.pk]),
        {"body": "@sam @ivy the supplier is short on mugs; 300 can be invoiced now."},
    )
    elapsed = time.monotonic() - started
    # then the request succeeds quickly and both notifications wait, pending
    assert response.status_code == 302
    assert elapsed < 2, f"the request took {elapsed:.2f} s with Redis down"
    assert sorted(Notification.objects.values_list("recipient__username", "email_state")) == [
        ("ivy", "pending"),
        ("sam", "pending"),
    ]
    assert smtp_sink.count() == 0
    # when Redis is back on the same port
    broker.start()
    # then beat's sweep queues both again and each email arrives exactly once within a minute
    assert wait_until(lambda: smtp_sink.count() >= 2, timeout=60), worker.log()[-3000:]
    assert worker.runs_more(SWEEP, times=QUIET_SWEEPS), worker.log()[-3000:]
    assert emailed(smtp_sink) == sorted([sales_rep.email, invoicing_rep.email])
    assert set(Notification.objects.values_list("email_state", flat=True)) == {Notification.EmailState.SENT}


def test_a_worker_killed_before_sending_leaves_the_email_to_the_next_worker(
    start_worker, smtp_sink, mug_order, production_rep, sales_rep
):
    # given the mail server stalls, so the worker holds the claimed task before it sends
    smtp_sink.hold()
    first = start_worker()
    note_create(project=mug_order.order.project, body="@sam look at PO-1001", by=production_rep)
    notification = Notification.objects.get()
    assert wait_until(
        lambda: smtp_sink.held >= 1 and state_of(notification) == Notification.EmailState.SENDING, timeout=30
    ), first.log()[-3000:]
    # when the worker is killed outright
    first.kill()
    smtp_sink.release()
    assert first.process.poll() is not None
    assert smtp_sink.count() == 0
    # then a new worker sends the email once the dead worker's claim has expired, and only once
    second = start_worker()
    assert wait_until(lambda: smtp_sink.count() >= 1, timeout=60), second.log()[-3000:]
    assert second.runs_more(SWEEP, times=QUIET_SWEEPS), second.log()[-3000:]
    assert emailed(smtp_sink) == [sales_rep.email]
    notification.refresh_from_db()
    assert notification.email_state == Notification.EmailState.SENT
    assert notification.email_attempts == 2  # the dead worker's claim, then the one that sent


def state_of(notification: Notification) -> str:
    return Notification.objects.values_list("email_state", flat=True).get(pk=notification.pk)


def test_a_rolled_back_note_leaves_no_notification_and_sends_no_email(
    start_worker, smtp_sink, mug_order, production_rep, sales_rep
):
    worker = start_worker()
    project = mug_order.order.project
    # given a note that mentions sam, written in a transaction that then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        note_create(project=project, body="@sam this note is rolled back", by=production_rep)
        raise RuntimeError("the request failed after the note")
    # then nothing of it remains
    assert Note.objects.count() == 0
    assert Notification.objects.count() == 0
    # and no email follows: a later note's email arrives alone, after anything queued before it
    note_create(project=project, body="@sam this note stands", by=production_rep)
    assert wait_until(lambda: smtp_sink.count() >= 1, timeout=30), worker.log()[-3000:]
    assert worker.runs_more(SWEEP, times=QUIET_SWEEPS), worker.log()[-3000:]
    assert [message.body.splitlines()[0] for message in smtp_sink.received()] == [
        "Pat Producer mentioned you on P-1001 Spring fair mugs: @sam this note stands"
    ]


def mention_of(user, project, key: str) -> Notification:
    # Written without notify(), so nothing queues it but the test.
    return Notification.objects.create(
        recipient=user, kind=Notification.Kind.MENTION, event_key=key, project=project, message=key, url="/"
    )


def test_the_same_task_run_twice_sends_one_email(start_worker, smtp_sink, mug_order, sales_rep, settings):
    worker = start_worker()
    project = mug_order.order.project
    # when the broker delivers the same task twice to the worker
    delivered_twice = mention_of(sales_rep, project, "delivered twice")
    notification_email_task.delay(delivered_twice.pk)
    notification_email_task.delay(delivered_twice.pk)
    assert wait_until(lambda: smtp_sink.count() >= 1, timeout=30), worker.log()[-3000:]
    # and someone runs another notification's task twice by hand
    run_twice = mention_of(sales_rep, project, "run twice by hand")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp_sink.port, 10
    assert notification_email_task.apply(args=[run_twice.pk]).get() == "sent"
    assert notification_email_task.apply(args=[run_twice.pk]).get() == "not claimed (sent)"
    assert worker.runs_more(SWEEP, times=QUIET_SWEEPS), worker.log()[-3000:]
    # then each notification was emailed once
    assert sorted(message.body.splitlines()[0] for message in smtp_sink.received()) == [
        "delivered twice",
        "run twice by hand",
    ]
    for notification in (delivered_twice, run_twice):
        notification.refresh_from_db()
        assert (notification.email_state, notification.email_attempts) == (Notification.EmailState.SENT, 1)
