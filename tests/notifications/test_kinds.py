"""One kind per event: every event that notifies has a kind of its own, and the inbox and API filter by it."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backorders.client_updates import sales_order_client_ok_to_ship
from backorders.reminders import backorder_overdue_reminders_send
from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import invoice_create
from invoicing.services.sending import invoice_send
from invoicing.services.void import invoice_void
from notifications.models import Notification
from notifications.tasks import notification_email_task
from projects.models import SalesOrder
from projects.services.notes import note_create
from projects.services.sales_orders import sales_order_status_change
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change
from tests.factories import ProjectFactory, goods_ready

INBOX = "/notifications/"
API = "/api/notifications/"
Kind = Notification.Kind


def written_since(last_id: int) -> list[tuple[str, str]]:
    """(recipient, kind) of the notifications written after `last_id`."""
    return sorted(Notification.objects.filter(pk__gt=last_id).values_list("recipient__username", "kind"))


def last_id() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- every event has its own kind ---------------------------------------------------------------


def test_each_event_of_the_backorder_story_notifies_under_a_kind_of_its_own(
    mug_order, production_rep, sales_rep, invoicing_rep, manager, next_week
):
    events: dict[str, list[tuple[str, str]]] = {}

    mark = last_id()
    note_create(project=mug_order.order.project, body="@pat are the mugs on time?", by=sales_rep)
    events["a note mentions someone"] = written_since(mark)

    mark = last_id()
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Short on white mugs")],
        note="@sam 200 mugs are late",
        by=production_rep,
    )
    flagged = written_since(mark)
    events["a backorder is flagged"] = [row for row in flagged if row[0] == "sam"]
    events["an order becomes Ready to be Invoiced"] = [row for row in flagged if row[0] == "ivy"]

    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    mark = last_id()
    invoice_send(invoice=invoice, by=invoicing_rep)
    events["an invoice is emailed to the client"] = written_since(mark)

    mark = last_id()
    invoice_void(invoice=invoice, reason="Billed the wrong quantity", by=manager)
    events["an invoice is voided"] = written_since(mark)

    mark = last_id()
    backorder_overdue_reminders_send(now=timezone.now() + timedelta(days=9))
    events["backorders are overdue"] = [row for row in written_since(mark) if row[0] == "pat"]

    mark = last_id()
    sales_order_client_ok_to_ship(sales_order=mug_order.order)
    events["the client says what is ready may ship"] = [row for row in written_since(mark) if row[0] == "pat"]

    assert events == {
        "a note mentions someone": [("pat", "mention")],
        "a backorder is flagged": [("sam", "backorder_flagged")],
        "an order becomes Ready to be Invoiced": [("ivy", "ready_to_invoice")],
        "an invoice is emailed to the client": [("sam", "invoice_sent")],
        "an invoice is voided": [("ivy", "invoice_voided")],
        "backorders are overdue": [("pat", "backorders_overdue")],
        "the client says what is ready may ship": [("pat", "client_ok_to_ship")],
    }
    # Seven events, seven kinds: no kind stands for two events, and every kind is some event's.
    kinds = [kind for rows in events.values() for _user, kind in rows]
    # A large export that is ready is no event of an order's story (tests/reports/test_export_jobs.py).
    assert sorted(kinds) == sorted(kind for kind in Kind.values if kind != Kind.EXPORT_READY)


def test_a_void_is_not_an_order_becoming_ready(mug_order, invoicing_rep, manager, production_rep):
    # The order is Ready to be Invoiced after the void too, but the invoicing rep hears of the void only.
    goods_ready(mug_order.order.pk)
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep, lines=None)
    mark = last_id()

    invoice_void(invoice=invoice, reason="Duplicate", by=manager)

    assert written_since(mark) == [("ivy", "invoice_voided")]
    # A production rep's move to Ready to be Invoiced is still that kind.
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=SalesOrder.Status.IN_PRODUCTION)
    mark = last_id()
    purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    assert written_since(mark) == [("ivy", "ready_to_invoice")]


def test_the_void_email_names_its_kind(mug_order, invoicing_rep, manager, mailoutbox, settings):
    settings.SITE_URL = "https://desk.example.com"
    goods_ready(mug_order.order.pk)
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    invoice_void(invoice=invoice, reason="Duplicate", by=manager)
    voided = Notification.objects.get(kind=Kind.INVOICE_VOIDED)

    assert notification_email_task.apply(args=[voided.pk]).get() == "sent"

    assert [message.subject for message in mailoutbox] == ["[Backorder Desk] Invoice voided: P-1001"]


def test_the_database_refuses_a_kind_that_is_no_event(db, sales_rep):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError, match="notification_kind_valid"), transaction.atomic():
        Notification.objects.create(
            recipient=sales_rep, kind="gossip", event_key="x:1", project=ProjectFactory(), message="m", url="/"
        )


def test_the_migration_gives_earlier_void_notifications_their_kind(db, invoicing_rep):
    # Written before the kind existed: a void under ready_to_invoice, and a real ready one.
    project = ProjectFactory()
    void = Notification.objects.create(
        recipient=invoicing_rep, kind=Kind.READY_TO_INVOICE, event_key="invoice:12:void", project=project, url="/"
    )
    ready = Notification.objects.create(
        recipient=invoicing_rep, kind=Kind.READY_TO_INVOICE, event_key="so:3:ready:40", project=project, url="/"
    )
    migration = importlib.import_module("notifications.migrations.0004_invoice_voided_kind")

    migration.void_notifications_get_their_kind(apps, None)

    void.refresh_from_db()
    ready.refresh_from_db()
    assert (void.kind, ready.kind) == (Kind.INVOICE_VOIDED, Kind.READY_TO_INVOICE)
    # Backwards, the void shares ready_to_invoice again, as the older CHECK constraint requires.
    migration.void_notifications_share_ready_to_invoice(apps, None)
    void.refresh_from_db()
    assert void.kind == Kind.READY_TO_INVOICE


# --- the inbox filters by kind ------------------------------------------------------------------


@pytest.fixture
def project(db):
    return ProjectFactory(number="P-2001", name="Trade show totes")


def notify_kinds(user, project, kinds: list[str]) -> list[Notification]:
    """One notification per kind, one minute apart, the last the newest."""
    now = timezone.now()
    made = []
    for number, kind in enumerate(kinds):
        notification = Notification.objects.create(
            recipient=user, kind=kind, event_key=f"e:{number}", project=project, message=f"{kind} {number}", url="/"
        )
        Notification.objects.filter(pk=notification.pk).update(created_at=now - timedelta(minutes=100 - number))
        made.append(notification)
    return made


def messages_on(response) -> list[str]:
    return [notification.message for notification in response.context["page"].object_list]


def test_the_inbox_shows_one_kind_and_says_which(client, invoicing_rep, project):
    notify_kinds(
        invoicing_rep, project, [Kind.READY_TO_INVOICE, Kind.INVOICE_VOIDED, Kind.MENTION, Kind.INVOICE_VOIDED]
    )
    client.force_login(invoicing_rep)

    response = client.get(INBOX, {"kind": "invoice_voided"})

    assert response.status_code == 200
    assert messages_on(response) == ["invoice_voided 3", "invoice_voided 1"]
    html = response.content.decode()
    assert '<label for="id_kind">Kind</label>' in html
    assert '<option value="invoice_voided" selected>Invoice voided</option>' in html
    assert "field-error" not in html
    # Every kind is offered, and "All kinds" shows them all again.
    for value, label in Kind.choices:
        assert f'<option value="{value}"' in html and f">{label}</option>" in html
    assert messages_on(client.get(INBOX, {"kind": ""})) == [
        "invoice_voided 3",
        "mention 2",
        "invoice_voided 1",
        "ready_to_invoice 0",
    ]


def test_an_unknown_kind_is_named_next_to_the_filter_and_every_kind_shown(client, invoicing_rep, project):
    notify_kinds(invoicing_rep, project, [Kind.READY_TO_INVOICE, Kind.INVOICE_VOIDED])
    client.force_login(invoicing_rep)

    response = client.get(INBOX, {"kind": "gossip"})

    assert response.status_code == 200
    assert messages_on(response) == ["invoice_voided 1", "ready_to_invoice 0"]
    assert response.context["filter_form"].errors == {"kind": ["There is no kind “gossip”: every kind is shown."]}
    html = response.content.decode()
    field = html[html.index('<label for="id_kind">') :]
    field = field[: field.index("</div>")]
    assert (
        '<p class="field-error" id="id_kind_error" role="alert">There is no kind “gossip”: every kind is shown.</p>'
        in (field)
    )


def test_the_kind_stays_with_the_pages_the_unread_filter_and_marking_read(client, invoicing_rep, project):
    notify_kinds(invoicing_rep, project, [Kind.INVOICE_VOIDED] * 30 + [Kind.MENTION])
    client.force_login(invoicing_rep)

    first = client.get(INBOX, {"kind": "invoice_voided"})
    html = first.content.decode()
    assert 'href="?kind=invoice_voided&amp;page=2">Older</a>' in html
    assert 'href="/notifications/?unread=1&amp;kind=invoice_voided">Show unread only</a>' in html
    second = client.get(INBOX, {"kind": "invoice_voided", "page": "2"})
    assert messages_on(second) == [f"invoice_voided {n}" for n in range(4, -1, -1)]

    target = second.context["page"].object_list[0]
    response = client.post(
        reverse("notification-read", args=[target.pk]), {"page": "2", "unread": "1", "kind": "invoice_voided"}
    )
    assert response["Location"] == "/notifications/?unread=1&kind=invoice_voided&page=2"
    # A kind that is none never goes back into the address.
    other = second.context["page"].object_list[1]
    response = client.post(reverse("notification-read", args=[other.pk]), {"kind": "x&page=9"})
    assert response["Location"] == "/notifications/"


def test_an_empty_kind_says_so(client, invoicing_rep, project):
    notify_kinds(invoicing_rep, project, [Kind.MENTION])
    client.force_login(invoicing_rep)
    response = client.get(INBOX, {"kind": "invoice_voided", "unread": "1"})
    assert '<p data-testid="no-notifications">Nothing unread of the kind “Invoice voided”.</p>' in (
        response.content.decode()
    )


def test_filtering_by_kind_costs_what_the_whole_inbox_costs(client, invoicing_rep, project, django_assert_num_queries):
    notify_kinds(invoicing_rep, project, [Kind.INVOICE_VOIDED, Kind.MENTION] * 10)
    client.force_login(invoicing_rep)
    # session, user, the navigation's roles, unread count and Recent menu, the page count, the page's rows
    with django_assert_num_queries(7):
        client.get(INBOX, {"kind": "invoice_voided"})


# --- the API filters by kind and its schema lists them ------------------------------------------


@pytest.fixture
def api(invoicing_rep) -> APIClient:
    token, _ = Token.objects.get_or_create(user=invoicing_rep)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_tells_a_void_from_an_order_that_became_ready(api, mug_order, invoicing_rep, manager, production_rep):
    purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    invoice_void(invoice=invoice, reason="Duplicate", by=manager)

    every = api.get(API).json()["results"]
    voided = api.get(API, {"kind": "invoice_voided"}).json()["results"]
    ready = api.get(API, {"kind": "ready_to_invoice"}).json()["results"]

    assert sorted(row["kind"] for row in every) == ["invoice_voided", "ready_to_invoice"]
    assert [(row["kind"], row["url"]) for row in voided] == [
        ("invoice_voided", reverse("invoice-detail", args=[invoice.pk]))
    ]
    assert [(row["kind"], row["url"]) for row in ready] == [
        ("ready_to_invoice", reverse("sales-order-detail", args=[mug_order.order.pk]))
    ]


def test_the_api_refuses_an_unknown_kind_naming_the_field(api):
    response = api.get(API, {"kind": "voided"})
    assert response.status_code == 400
    assert response.json() == {"kind": ["Select a valid choice. voided is not one of the available choices."]}


def test_the_schema_lists_every_kind_for_the_filter_and_the_field():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    [parameter] = [p for p in schema["paths"]["/api/notifications/"]["get"]["parameters"] if p["name"] == "kind"]
    assert sorted(parameter["schema"]["enum"]) == sorted(Kind.values)
    assert schema["components"]["schemas"]["NotificationKind"]["enum"] == Kind.values
    assert "invoice_voided" in Kind.values
