"""Overdue backorder reminders: a daily digest to the production rep, and to managers past the escalation.

The clock is frozen by handing the service its `now`; the company's zone is set per test, so "today"
is the company's date, never UTC's.
"""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from backorders.models import Backorder, BackorderReminder
from backorders.reminders import backorder_overdue_reminders_send
from notifications.models import Notification
from notifications.services import notification_preference_set
from purchasing.models import PurchaseOrder
from tests.factories import (
    ProjectFactory,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    UserFactory,
)
from tests.notifications.support import wait_until

# Tuesday Mar 10, 2026, 09:00 in Chicago (CDT, UTC-5): the company's day is Mar 10.
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
OVERDUE = Notification.Kind.BACKORDERS_OVERDUE
REMINDERS_TASK = "backorders.tasks.backorder_overdue_reminders_task"


@pytest.fixture(autouse=True)
def company_clock(settings):
    settings.TIME_ZONE = "America/Chicago"
    settings.OVERDUE_ESCALATE_AFTER_DAYS = 3
    settings.SITE_URL = "https://desk.example.com"


def backorder(po_item, *, expected: date, quantity: int = 100, status=Backorder.Status.OPEN) -> Backorder:
    """A backorder whose expected date has come (the services refuse a past date; a supplier's slips later)."""
    return Backorder.objects.create(
        purchase_order=po_item.purchase_order,
        purchase_order_item=po_item,
        quantity=quantity,
        expected_date=expected,
        reason="Short at the supplier",
        status=status,
        raised_by=po_item.purchase_order.project.production_rep,
    )


def days_before(days: int, today: date = TODAY) -> date:
    return today - timedelta(days=days)


def run(now: datetime = NOW, *, capture=None):
    """One reminder run at `now`; with `capture`, its emails are sent as at commit."""
    if capture is None:
        return backorder_overdue_reminders_send(now=now)
    with capture(execute=True):
        return backorder_overdue_reminders_send(now=now)


def digests() -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=OVERDUE).values_list("recipient__username", "event_key"))


def reminded() -> list[tuple[str, str, date, int]]:
    return sorted(
        BackorderReminder.objects.values_list(
            "recipient__username", "backorder__purchase_order__number", "day", "days_overdue"
        )
    )


def emails_to(outbox, user) -> list:
    return [message for message in outbox if message.to == [user.email]]


def test_a_backorder_due_today_is_not_overdue(mug_order, manager, mailoutbox, django_capture_on_commit_callbacks):
    backorder(mug_order.po_mugs, expected=TODAY)
    result = run(capture=django_capture_on_commit_callbacks)
    assert (result.day, result.overdue, result.digests, result.reminders) == (TODAY, 0, 0, 0)
    assert digests() == [] and reminded() == [] and mailoutbox == []


def test_one_day_overdue_reminds_the_production_rep_only(
    mug_order, production_rep, manager, mailoutbox, django_capture_on_commit_callbacks
):
    late = backorder(mug_order.po_mugs, expected=days_before(1), quantity=200)
    result = run(capture=django_capture_on_commit_callbacks)
    assert (result.overdue, result.digests, result.reminders) == (1, 1, 1)
    assert digests() == [("pat", "backorders-overdue:2026-03-10")]
    assert reminded() == [("pat", "PO-1001", TODAY, 1)]
    notification = Notification.objects.get(kind=OVERDUE)
    assert notification.message == "1 overdue backorder on Mar 10, 2026: PO-1001, 1 day late"
    assert notification.url == reverse("backorder-report") + "?overdue=yes"
    assert notification.project == mug_order.order.project
    assert notification.email_state == Notification.EmailState.SENT
    [email] = mailoutbox
    assert email.to == [production_rep.email]
    assert email.subject == "[Backorder Desk] 1 overdue backorder on Mar 10, 2026: PO-1001, 1 day late"
    po_link = "https://desk.example.com" + reverse("purchase-order-detail", args=[mug_order.po.pk])
    assert (
        "PO-1001 (P-1001) · 11 oz mug, 2-colour print · quantity 200 · expected Mar 9, 2026 · 1 day overdue\n"
        f"  {po_link}"
    ) in email.body
    assert f"Open it: https://desk.example.com/notifications/{notification.pk}/open/" in email.body
    assert late.reminders.count() == 1


@pytest.mark.parametrize(
    ("days_late", "who"),
    [(3, ["pat"]), (4, ["max", "pat"])],
    ids=["3 days: the rep only", "4 days: the managers too"],
)
def test_more_than_the_escalation_days_overdue_reminds_the_managers_too(
    mug_order, production_rep, manager, days_late, who, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(username="old-boss", roles=["Managers"], is_active=False)
    backorder(mug_order.po_mugs, expected=days_before(days_late))
    run(capture=django_capture_on_commit_callbacks)
    assert [username for username, _ in digests()] == who
    assert reminded() == [(username, "PO-1001", TODAY, days_late) for username in who]
    assert sorted(address for email in mailoutbox for address in email.to) == sorted(
        f"{u}@desk.example.com" for u in who
    )


def test_resolved_and_cancelled_backorders_are_never_reminded(mug_order, manager, mailoutbox):
    backorder(mug_order.po_mugs, expected=days_before(30), status=Backorder.Status.RESOLVED)
    backorder(mug_order.po_setup, expected=days_before(30), quantity=1, status=Backorder.Status.CANCELLED)
    result = run()
    assert (result.overdue, result.digests) == (0, 0)
    assert digests() == [] and reminded() == []


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(
    mug_order, production_rep, mailoutbox, django_capture_on_commit_callbacks
):
    backorder(mug_order.po_mugs, expected=days_before(1))
    assert run(capture=django_capture_on_commit_callbacks).digests == 1
    # the same day, later (beat run more often, or a second beat): nothing new
    again = run(NOW + timedelta(hours=9), capture=django_capture_on_commit_callbacks)  # 23:00 in Chicago
    assert (again.day, again.overdue, again.digests, again.reminders) == (TODAY, 1, 0, 0)
    assert len(mailoutbox) == 1
    assert reminded() == [("pat", "PO-1001", TODAY, 1)]
    # the next day, one more digest, now two days overdue
    tomorrow = run(NOW + timedelta(days=1), capture=django_capture_on_commit_callbacks)
    assert (tomorrow.day, tomorrow.digests) == (date(2026, 3, 11), 1)
    assert digests() == [("pat", "backorders-overdue:2026-03-10"), ("pat", "backorders-overdue:2026-03-11")]
    assert reminded() == [("pat", "PO-1001", TODAY, 1), ("pat", "PO-1001", date(2026, 3, 11), 2)]
    assert [email.subject for email in mailoutbox] == [
        "[Backorder Desk] 1 overdue backorder on Mar 10, 2026: PO-1001, 1 day late",
        "[Backorder Desk] 1 overdue backorder on Mar 11, 2026: PO-1001, 2 days late",
    ]


def test_one_digest_per_person_lists_all_their_overdue_backorders(
    mug_order, production_rep, manager, mailoutbox, django_capture_on_commit_callbacks
):
    # pat: two backorders on PO-1001 and one on another project's PO-2001; rory: one on PO-3001
    rory = UserFactory(username="rory", roles=["Production"])
    backorder(mug_order.po_mugs, expected=days_before(2), quantity=200)
    backorder(mug_order.po_setup, expected=days_before(6), quantity=1)
    tumblers = po_item(number="PO-2001", rep=production_rep, description="Steel tumbler")
    backorder(tumblers, expected=days_before(1), quantity=40)
    backorder(tumblers, expected=TODAY + timedelta(days=2), quantity=10)  # not overdue
    caps = po_item(number="PO-3001", rep=rory, description="Cap")
    backorder(caps, expected=days_before(5), quantity=25)
    result = run(capture=django_capture_on_commit_callbacks)
    # then three people, one digest each: the reps for theirs, max for the two past the escalation
    assert (result.overdue, result.digests, result.reminders) == (4, 3, 6)
    assert len(mailoutbox) == 3
    [pat_email] = emails_to(mailoutbox, production_rep)
    assert (
        pat_email.subject == "[Backorder Desk] 3 overdue backorders on Mar 10, 2026; the longest, PO-1001, 6 days late"
    )
    listed = [line for line in pat_email.body.splitlines() if " overdue" in line and "·" in line]
    assert listed == [
        "PO-1001 (P-1001) · Setup charge · quantity 1 · expected Mar 4, 2026 · 6 days overdue",
        "PO-1001 (P-1001) · 11 oz mug, 2-colour print · quantity 200 · expected Mar 8, 2026 · 2 days overdue",
        "PO-2001 (P-2001) · Steel tumbler · quantity 40 · expected Mar 9, 2026 · 1 day overdue",
    ]
    [rory_email] = emails_to(mailoutbox, rory)
    assert "PO-3001 (P-3001) · Cap · quantity 25 · expected Mar 5, 2026 · 5 days overdue" in rory_email.body
    assert "PO-1001" not in rory_email.body
    [max_email] = emails_to(mailoutbox, manager)
    assert (
        max_email.subject == "[Backorder Desk] 2 overdue backorders on Mar 10, 2026; the longest, PO-1001, 6 days late"
    )
    assert "Setup charge" in max_email.body and "Cap" in max_email.body
    assert "11 oz mug" not in max_email.body and "Steel tumbler" not in max_email.body
    assert reminded() == [
        ("max", "PO-1001", TODAY, 6),
        ("max", "PO-3001", TODAY, 5),
        ("pat", "PO-1001", TODAY, 2),
        ("pat", "PO-1001", TODAY, 6),
        ("pat", "PO-2001", TODAY, 1),
        ("rory", "PO-3001", TODAY, 5),
    ]


def test_a_person_who_switched_email_off_is_reminded_in_the_app_only(
    mug_order, production_rep, mailoutbox, django_capture_on_commit_callbacks
):
    notification_preference_set(user=production_rep, email_enabled=False)
    backorder(mug_order.po_mugs, expected=days_before(1))
    run(capture=django_capture_on_commit_callbacks)
    notification = Notification.objects.get(kind=OVERDUE, recipient=production_rep)
    assert notification.email_state == Notification.EmailState.SKIPPED
    assert notification.read_at is None
    assert mailoutbox == []
    assert reminded() == [("pat", "PO-1001", TODAY, 1)]


@pytest.mark.parametrize(
    ("zone", "now", "company_day", "overdue"),
    [
        # 22:30 on Mar 10 in Chicago is already Mar 11 in UTC: due Mar 10, it is not late yet
        ("America/Chicago", datetime(2026, 3, 11, 3, 30, tzinfo=UTC), date(2026, 3, 10), 0),
        # 00:30 on Mar 11 in Chicago: now it is
        ("America/Chicago", datetime(2026, 3, 11, 5, 30, tzinfo=UTC), date(2026, 3, 11), 1),
        # 01:00 on Mar 11 in Auckland is still Mar 10 in UTC: due Mar 10, it is late there
        ("Pacific/Auckland", datetime(2026, 3, 10, 12, 0, tzinfo=UTC), date(2026, 3, 11), 1),
    ],
    ids=["Chicago evening", "Chicago after midnight", "Auckland morning"],
)
def test_overdue_follows_the_companys_date_not_utcs(mug_order, settings, zone, now, company_day, overdue):
    settings.TIME_ZONE = zone
    backorder(mug_order.po_mugs, expected=date(2026, 3, 10))
    result = run(now)
    assert (result.day, result.overdue, result.digests) == (company_day, overdue, overdue)
    assert reminded() == ([("pat", "PO-1001", company_day, 1)] if overdue else [])


def test_an_inactive_rep_is_not_reminded(mug_order, production_rep, manager):
    production_rep.is_active = False
    production_rep.save(update_fields=["is_active"])
    backorder(mug_order.po_mugs, expected=days_before(9))
    run()
    assert [username for username, _ in digests()] == ["max"]


def test_a_run_costs_the_same_queries_for_few_and_many(db, django_assert_num_queries):
    managers = 0
    for count, more_managers in ((1, 1), (12, 3)):
        Notification.objects.all().delete()
        Backorder.objects.all().delete()
        for n in range(count):
            # each on its own project and rep, all past the escalation: to each rep and every manager
            backorder(po_item(number=f"PO-{count}-{n}", rep=UserFactory(), description="Mug"), expected=days_before(5))
        for _ in range(more_managers):
            UserFactory(roles=["Managers"])
        managers += more_managers
        # savepoint, overdue rows, managers, reps, digests already written, savepoint + insert + release of the
        # digests, reminder rows, release: nothing per backorder or per person
        with django_assert_num_queries(10):
            result = run()
        assert (result.digests, result.reminders) == (count + managers, count + managers * count)


def po_item(*, number: str, rep, description: str):
    project = ProjectFactory(number=number.replace("PO", "P"), production_rep=rep)
    order = SalesOrderFactory(project=project)
    item = SalesOrderItemFactory(sales_order=order, description=description, quantity=500)
    po = PurchaseOrderFactory(number=number, sales_order=order, stage=PurchaseOrder.Stage.CONFIRMED)
    return PurchaseOrderItemFactory(purchase_order=po, sales_order_item=item, quantity=500)


def test_beat_runs_the_task_daily_at_the_configured_hour_of_the_companys_zone():
    from django.conf import settings

    from backorders.tasks import backorder_overdue_reminders_task
    from config import settings as config_settings
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["remind-overdue-backorders"]
    assert entry["task"] == backorder_overdue_reminders_task.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({settings.OVERDUE_REMINDER_HOUR}, {0})
    # crontabs are read in Celery's zone, which the settings make the company's
    assert app.conf.timezone == config_settings.CELERY_TIMEZONE == config_settings.TIME_ZONE


# Two runs at once ---------------------------------------------------------------------------------


@pytest.mark.services
def test_two_runs_at_once_send_each_digest_once(transactional_db, postgres, mug_order, manager, mailoutbox):
    backorder(mug_order.po_mugs, expected=days_before(5))
    first_holds, first_may_commit = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                results["first"] = backorder_overdue_reminders_send(now=NOW)
                first_holds.set()
                first_may_commit.wait(timeout=30)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            results["second"] = backorder_overdue_reminders_send(now=NOW)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_holds.wait(timeout=30)
    threads[1].start()
    # the second run waits on the first one's digests, as two beats at the same moment would
    assert wait_until(lambda: waiting_on_a_lock() >= 1, timeout=10)
    first_may_commit.set()
    for thread in threads:
        thread.join(timeout=30)
    assert results["first"].digests == 2 and results["second"].digests == 0
    assert [username for username, _ in digests()] == ["max", "pat"]
    assert reminded() == [("max", "PO-1001", TODAY, 5), ("pat", "PO-1001", TODAY, 5)]
    assert sorted(address for email in mailoutbox for address in email.to) == [manager.email, "pat@desk.example.com"]


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


# A real worker and a real beat --------------------------------------------------------------------


@pytest.mark.real_worker
@pytest.mark.services
def test_beat_and_a_worker_send_the_digest_once(
    start_worker, start_beat, smtp_sink, settings, mug_order, production_rep
):
    # the worker and beat keep the company's zone: the day they remind on is the test's
    today = timezone.localdate()
    backorder(mug_order.po_mugs, expected=today - timedelta(days=2), quantity=200)
    backorder(mug_order.po_setup, expected=today - timedelta(days=1), quantity=1)
    worker = start_worker(beat=False, TIME_ZONE=settings.TIME_ZONE)
    beat = start_beat(TIME_ZONE=settings.TIME_ZONE, OVERDUE_REMINDER_EVERY_SECONDS="1")
    assert wait_until(lambda: smtp_sink.count() >= 1, timeout=60), beat.log()[-2000:] + worker.log()[-3000:]
    # beat keeps firing every second; the day's digest has gone, so the worker's next runs send nothing more
    assert worker.runs_more(REMINDERS_TASK, times=3), beat.log()[-2000:] + worker.log()[-3000:]
    assert beat.log().count("backorder_overdue_reminders_task") >= 3, beat.log()[-2000:]
    [email] = smtp_sink.received()
    assert email.recipients == [production_rep.email]
    assert email.subject.startswith("[Backorder Desk] 2 overdue backorders on ")
    assert "PO-1001 (P-1001) · 11 oz mug, 2-colour print · quantity 200 · expected " in email.body
    assert "· 2 days overdue" in email.body and "Setup charge · quantity 1" in email.body
    notification = Notification.objects.get(kind=OVERDUE)
    assert notification.email_state == Notification.EmailState.SENT
    assert reminded() == [("pat", "PO-1001", today, 1), ("pat", "PO-1001", today, 2)]
