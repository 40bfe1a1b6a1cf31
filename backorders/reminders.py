"""Overdue backorder reminders: each day, one digest to each person who should chase a late supplier.

The production rep of the PO's project is reminded of every open backorder past its expected date;
once one is more than OVERDUE_ESCALATE_AFTER_DAYS days overdue, the managers are reminded of it too.
"Overdue" and "the day" are the company's (TIME_ZONE), not UTC's.

A person gets at most one digest a day, written as a notification under its (event, recipient)
constraint, with a BackorderReminder row per backorder it lists under theirs: a second run the same
day, or two runs at once, remind nobody twice. A backorder that turns overdue for someone after their
digest of the day went out waits for the next day's.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from backorders.models import Backorder, BackorderReminder
from core.roles import Role
from core.site import request_base_url, site_url
from notifications.models import Notification
from notifications.services import Digest, notify_digests

# Rows per INSERT of reminder rows: a company with thousands overdue writes them in a few statements.
REMINDER_BATCH = 1000


@dataclass(frozen=True)
class OverdueLine:
    """One overdue backorder as a digest lists it."""

    backorder_id: int
    purchase_order_id: int
    purchase_order_number: str
    project_id: int
    project_number: str
    item: str
    quantity: int
    expected_date: date
    days_overdue: int
    production_rep_id: int


@dataclass(frozen=True)
class ReminderRun:
    day: date
    overdue: int  # open backorders past their expected date that day
    digests: int  # people sent their digest by this run
    reminders: int  # backorder reminders those digests hold


def overdue_reminder_event_key(day: date) -> str:
    return f"backorders-overdue:{day.isoformat()}"


def overdue_report_url() -> str:
    return reverse("backorder-report") + "?overdue=yes"


def _overdue_lines(*, today: date) -> list[OverdueLine]:
    rows = (
        Backorder.objects.filter(status=Backorder.Status.OPEN, expected_date__lt=today)
        .order_by("expected_date", "id")
        .values_list(
            "pk",
            "purchase_order_id",
            F("purchase_order__number"),
            F("purchase_order__project_id"),
            F("purchase_order__project__number"),
            F("purchase_order_item__sales_order_item__description"),
            "quantity",
            "expected_date",
            F("purchase_order__project__production_rep_id"),
        )
    )
    return [
        OverdueLine(
            pk, po_id, po_number, project_id, project_number, item, quantity, expected, (today - expected).days, rep_id
        )
        for pk, po_id, po_number, project_id, project_number, item, quantity, expected, rep_id in rows
    ]


def _digest_text(*, lines: list[OverdueLine], today: date, base_url: str) -> tuple[str, str]:
    """The message (inbox line and email subject) and the email's list, longest overdue first."""
    first = lines[0]
    late = f"{first.days_overdue} day{'s' if first.days_overdue != 1 else ''}"
    if len(lines) == 1:
        message = f"1 overdue backorder on {date_format(today)}: {first.purchase_order_number}, {late} late"
    else:
        message = (
            f"{len(lines)} overdue backorders on {date_format(today)}; "
            f"the longest, {first.purchase_order_number}, {late} late"
        )
    po_url = base_url + reverse("purchase-order-detail", args=[987654321]).replace("987654321", "{}")
    entries = [
        f"{line.purchase_order_number} ({line.project_number}) · {line.item} · quantity {line.quantity} · "
        f"expected {date_format(line.expected_date)} · "
        f"{line.days_overdue} day{'s' if line.days_overdue != 1 else ''} overdue\n"
        f"  {po_url.format(line.purchase_order_id)}"
        for line in lines
    ]
    detail = "Past their expected date, longest overdue first:\n\n" + "\n".join(entries)
    return message, detail


@transaction.atomic
def backorder_overdue_reminders_send(*, now: datetime | None = None) -> ReminderRun:
    """Send today's digest of overdue backorders to each rep, and to managers past the escalation; once a day."""
    today = timezone.localdate(now or timezone.now())
    escalate_after = settings.OVERDUE_ESCALATE_AFTER_DAYS
    lines = _overdue_lines(today=today)
    if not lines:
        return ReminderRun(day=today, overdue=0, digests=0, reminders=0)
    managers = list(User.objects.filter(is_active=True, groups__name=Role.MANAGERS).distinct().order_by("pk"))
    reps = User.objects.filter(is_active=True).in_bulk({line.production_rep_id for line in lines})
    people = {**reps, **{manager.pk: manager for manager in managers}}
    # Each person's lines in the order found (longest overdue first), each backorder once.
    owed: dict[int, dict[int, OverdueLine]] = defaultdict(dict)
    for line in lines:
        if line.production_rep_id in reps:
            owed[line.production_rep_id][line.backorder_id] = line
        if line.days_overdue > escalate_after:
            for manager in managers:
                owed[manager.pk][line.backorder_id] = line
    base_url = site_url(captured=request_base_url())
    digests = []
    for person_id, theirs in owed.items():
        listed = sorted(theirs.values(), key=lambda line: (line.expected_date, line.backorder_id))
        message, detail = _digest_text(lines=listed, today=today, base_url=base_url)
        digests.append(
            Digest(recipient=people[person_id], project_id=listed[0].project_id, message=message, detail=detail)
        )
    sent = notify_digests(
        kind=Notification.Kind.BACKORDERS_OVERDUE,
        event_key=overdue_reminder_event_key(today),
        url=overdue_report_url(),
        digests=digests,
    )
    reminders = [
        BackorderReminder(
            backorder_id=line.backorder_id, recipient_id=person_id, day=today, days_overdue=line.days_overdue
        )
        for person_id in sorted(notification.recipient_id for notification in sent)
        for line in owed[person_id].values()
    ]
    # The digests above are the claim; the constraint keeps the record true even so.
    BackorderReminder.objects.bulk_create(reminders, batch_size=REMINDER_BATCH, ignore_conflicts=True)
    return ReminderRun(day=today, overdue=len(lines), digests=len(sent), reminders=len(reminders))
