"""Email PO to supplier: the PDF, the request, the task that sends it once, and the PO page's controls."""

import io
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from kombu.exceptions import OperationalError as BrokerDown
from pypdf import PdfReader

from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from projects.models import Activity, SalesOrderItem
from purchasing.emails import purchase_order_email_message
from purchasing.models import PurchaseOrder
from purchasing.pdf import purchase_order_pdf_bytes
from purchasing.services import purchase_order_email_request
from purchasing.tasks import purchase_order_email_requeue_task, purchase_order_email_task
from tests.factories import PurchaseOrderItemFactory, SalesOrderItemFactory, UserFactory

pytestmark = pytest.mark.django_db

EmailState = PurchaseOrder.EmailState
SHIP_BY = date(2031, 5, 1)


def _text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def po(mug_order):
    """PO-1001 to a supplier with an email and a phone: 500 mugs at 2.10 and a setup at 40.00, to ship by May 1."""
    order = mug_order.po
    order.supplier.name = "Harbor Drinkware"
    order.supplier.email = "orders@harbor.example.com"
    order.supplier.phone = "+1 503 555 0199"
    order.supplier.save()
    order.expected_date = SHIP_BY
    order.ship_to = "Expo Center, Hall B\n2060 N Marine Dr\nPortland, OR 97217"
    order.save()
    return PurchaseOrder.objects.select_related("project__client", "supplier", "production_rep").get(pk=order.pk)


def _to_supplier(address: str = "orders@harbor.example.com") -> list:
    return [message for message in mail.outbox if message.to == [address]]


def _request(po, by, capture):
    # The email is queued after the transaction commits; capture runs the queued task then.
    with capture(execute=True):
        return purchase_order_email_request(purchase_order=po, by=by)


# --- the PDF ---------------------------------------------------------------------------------------


def test_po_pdf_names_supplier_ship_to_lines_costs_and_expected_date(po, settings):
    pdf = purchase_order_pdf_bytes(po)

    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    reader, text = _text(pdf)
    flat = _flat(text)
    assert len(reader.pages) == 1
    assert reader.metadata.title == "Purchase order PO-1001"
    # who buys, and the PO's facts
    assert settings.DISTRIBUTOR_NAME in text and "120 Harbor Street" in text
    assert "PURCHASE ORDER" in text and "PO-1001" in text and "P-1001" in text
    assert "Expected date" in text and "May 1, 2031" in text
    assert f"PO date {timezone.localdate(po.created_at):%b} " in flat
    assert "Pat Producer" in text and "pat@desk.example.com" in text
    # the supplier, and where the goods go
    assert "Harbor Drinkware" in text and "orders@harbor.example.com" in text and "+1 503 555 0199" in text
    assert po.project.client.name in text
    assert "Expo Center, Hall B" in text and "2060 N Marine Dr" in text and "Portland, OR 97217" in text
    # the lines at cost: quantity, unit cost, line cost, and the total
    assert "11 oz mug, 2-colour print 500 2.10 1,050.00" in flat
    assert "Setup charge 1 40.00 40.00" in flat
    assert "Total 1,090.00" in flat
    # never the selling prices
    assert "4.25" not in text and "2,125.00" not in text and "65.00" not in text
    assert "Please ship by May 1, 2031." in flat


def test_po_pdf_spells_unicode_names_and_says_when_the_date_is_open(po):
    supplier = po.supplier
    supplier.name = "Müller & Söhne – Werbemittel"
    supplier.save()
    po.expected_date = None
    po.ship_to = "Łódź Straße 5\nKöln ő Œuvre"
    po.save()
    SalesOrderItem.objects.filter(pk=po.items.first().sales_order_item_id).update(description="Tasse “Deluxe” 漢字")

    _, text = _text(purchase_order_pdf_bytes(PurchaseOrder.objects.get(pk=po.pk)))

    # the embedded Unicode fonts print every name as written, the Chinese through the CJK fallback
    assert "Müller & Söhne – Werbemittel" in text
    assert "Łódź Straße 5" in text and "Köln ő Œuvre" in text
    assert "Tasse “Deluxe” 漢字" in text
    assert "To be confirmed" in text and "Please ship by" not in text


def test_po_pdf_ships_to_the_order_or_the_client_when_the_po_names_no_place(po):
    po.ship_to = ""
    po.save()
    po.sales_order.ship_to = "Warehouse 7, Dock 2"
    po.sales_order.save()
    assert "Warehouse 7, Dock 2" in _text(purchase_order_pdf_bytes(PurchaseOrder.objects.get(pk=po.pk)))[1]

    po.sales_order.ship_to = ""
    po.sales_order.save()
    po.project.client.billing_address = "9 Billing Way\nSalem"
    po.project.client.save()
    assert "9 Billing Way" in _text(purchase_order_pdf_bytes(PurchaseOrder.objects.get(pk=po.pk)))[1]


def test_a_long_po_breaks_pages_and_keeps_every_line(po):
    for index in range(60):
        item = SalesOrderItemFactory(
            sales_order=po.sales_order,
            description=f"Product line {index + 1}",
            quantity=3,
            unit_cost=Decimal("1.05"),
            position=10 + index,
        )
        PurchaseOrderItemFactory(purchase_order=po, sales_order_item=item, quantity=3)

    reader, text = _text(purchase_order_pdf_bytes(po))

    assert len(reader.pages) >= 2
    assert "Product line 60" in text
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text
    assert "Description" in reader.pages[1].extract_text()  # headings repeat
    assert "Total 1,279.00" in _flat(text)  # 1,090.00 + 60 × 3.15


# --- asking for the email ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sales_rep", "production_rep", "manager"])
def test_sales_production_and_managers_ask_for_the_email(po, who, request):
    by = request.getfixturevalue(who)

    result = purchase_order_email_request(purchase_order=po, by=by)

    po.refresh_from_db()
    assert result.email_state == po.email_state == EmailState.PENDING
    assert po.email_to == "orders@harbor.example.com"
    assert po.email_requested_at is not None
    activity = Activity.objects.get(verb="asked to email to the supplier")
    assert (activity.actor, activity.detail, activity.subject_label) == (by, "orders@harbor.example.com", "PO-1001")


def test_invoicing_may_not_ask(po, invoicing_rep):
    with pytest.raises(RoleRequired, match=r"^Only Production, Sales or Managers may email purchase orders\.$"):
        purchase_order_email_request(purchase_order=po, by=invoicing_rep)

    po.refresh_from_db()
    assert po.email_state == EmailState.NOT_REQUESTED
    assert not Activity.objects.filter(verb="asked to email to the supplier").exists()


def test_a_supplier_without_email_is_refused_naming_the_field(po, sales_rep):
    po.supplier.email = ""
    po.supplier.save()
    po.stage = PurchaseOrder.Stage.CREATED
    po.save()

    with pytest.raises(ValidationFailed) as refused:
        purchase_order_email_request(purchase_order=po, by=sales_rep)

    assert refused.value.errors == {
        "email": ["Supplier Harbor Drinkware has no email address; add one on the supplier page."]
    }
    po.refresh_from_db()
    assert (po.email_state, po.email_to, po.stage) == (EmailState.NOT_REQUESTED, "", PurchaseOrder.Stage.CREATED)
    assert not Activity.objects.exists()


def test_asking_twice_is_refused_while_the_email_waits_or_goes_out(po, sales_rep):
    purchase_order_email_request(purchase_order=po, by=sales_rep)

    with pytest.raises(TransitionNotAllowed) as refused:
        purchase_order_email_request(purchase_order=po, by=sales_rep)
    assert str(refused.value) == "Purchase order PO-1001 is already waiting to be emailed to orders@harbor.example.com."

    PurchaseOrder.objects.filter(pk=po.pk).update(email_state=EmailState.SENDING, email_claimed_at=timezone.now())
    with pytest.raises(TransitionNotAllowed) as refused:
        purchase_order_email_request(purchase_order=po, by=sales_rep)
    assert str(refused.value) == "Purchase order PO-1001 is being emailed to orders@harbor.example.com right now."
    assert Activity.objects.filter(verb="asked to email to the supplier").count() == 1


def test_a_sent_po_may_be_emailed_again_to_the_supplier_s_new_address(
    po, sales_rep, django_capture_on_commit_callbacks
):
    _request(po, sales_rep, django_capture_on_commit_callbacks)
    po.supplier.email = "new-orders@harbor.example.com"
    po.supplier.save()

    _request(PurchaseOrder.objects.get(pk=po.pk), sales_rep, django_capture_on_commit_callbacks)

    assert len(_to_supplier()) == 1 and len(_to_supplier("new-orders@harbor.example.com")) == 1
    assert Activity.objects.filter(verb="emailed to the supplier").count() == 2


def test_a_created_po_moves_to_submitted_automatically(po, production_rep):
    PurchaseOrder.objects.filter(pk=po.pk).update(stage=PurchaseOrder.Stage.CREATED)
    po.refresh_from_db()

    purchase_order_email_request(purchase_order=po, by=production_rep)

    po.refresh_from_db()
    assert po.stage == PurchaseOrder.Stage.SUBMITTED
    moved = Activity.objects.get(verb="moved stage of")
    assert (moved.actor, moved.from_value, moved.to_value) == (None, "Created", "Submitted")


def test_a_po_past_created_keeps_its_stage(po, production_rep):
    purchase_order_email_request(purchase_order=po, by=production_rep)

    po.refresh_from_db()
    assert po.stage == PurchaseOrder.Stage.CONFIRMED
    assert not Activity.objects.filter(verb="moved stage of").exists()


def test_the_email_is_queued_only_after_commit(po, sales_rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        purchase_order_email_request(purchase_order=po, by=sales_rep)

    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(_to_supplier()) == 1


# --- the email ------------------------------------------------------------------------------------


def test_the_email_carries_the_pdf_lines_and_expected_date(
    po, sales_rep, production_rep, django_capture_on_commit_callbacks
):
    _request(po, sales_rep, django_capture_on_commit_callbacks)

    [message] = _to_supplier()
    assert message.subject == "Purchase order PO-1001 from Northwind Promotional Products"
    assert message.reply_to == [production_rep.email]
    body = message.body
    assert "Hello Harbor Drinkware," in body
    assert "- 500 x 11 oz mug, 2-colour print\n- 1 x Setup charge\n" in body
    assert "Expected date:  May 1, 2031" in body
    assert "Expo Center, Hall B\n2060 N Marine Dr" in body
    assert "Pat Producer\nNorthwind Promotional Products" in body
    [(filename, content, attachment_type)] = message.attachments
    assert (filename, attachment_type) == ("PO-1001.pdf", "application/pdf")
    assert "PO-1001" in _text(content)[1] and "1,090.00" in _text(content)[1]

    po.refresh_from_db()
    assert po.email_state == EmailState.SENT and po.email_sent_at is not None
    sent = Activity.objects.get(verb="emailed to the supplier")
    assert (sent.actor, sent.detail) == (None, "orders@harbor.example.com")


def test_the_text_is_plain_and_replies_go_nowhere_without_a_rep_email(po, production_rep):
    po.supplier.name = "Smith & Sons <Promo>"
    po.supplier.save()
    User.objects.filter(pk=production_rep.pk).update(email="")
    po.expected_date = None
    po.save()
    po.email_to = "orders@harbor.example.com"

    message = purchase_order_email_message(purchase_order=PurchaseOrder.objects.get(pk=po.pk))

    assert "Hello Smith & Sons <Promo>," in message.body
    assert "Expected date:  to be confirmed: please tell us when you can ship" in message.body
    assert message.reply_to == []


# --- the task: once, whatever happens ---------------------------------------------------------------


def test_a_task_run_again_sends_nothing_more(po, sales_rep, django_capture_on_commit_callbacks):
    _request(po, sales_rep, django_capture_on_commit_callbacks)

    assert purchase_order_email_task(po.pk) == "not sent"
    assert purchase_order_email_task(po.pk) == "not sent"
    assert len(_to_supplier()) == 1
    assert Activity.objects.filter(verb="emailed to the supplier").count() == 1


def test_a_task_delivered_while_another_worker_sends_does_nothing(po, sales_rep):
    purchase_order_email_request(purchase_order=po, by=sales_rep)
    # another worker claimed it a moment ago and is talking to the mail server
    PurchaseOrder.objects.filter(pk=po.pk).update(email_state=EmailState.SENDING, email_claimed_at=timezone.now())

    assert purchase_order_email_task(po.pk) == "not sent"
    assert mail.outbox == []


def test_a_claim_abandoned_by_a_dead_worker_is_taken_over(po, sales_rep, settings):
    purchase_order_email_request(purchase_order=po, by=sales_rep)
    long_ago = timezone.now() - timedelta(seconds=settings.NOTIFICATION_CLAIM_TTL_SECONDS + 1)
    PurchaseOrder.objects.filter(pk=po.pk).update(email_state=EmailState.SENDING, email_claimed_at=long_ago)

    assert purchase_order_email_task(po.pk) == "sent"
    assert len(_to_supplier()) == 1


def test_a_mail_server_failure_gives_the_claim_back_and_the_retry_sends_once(po, sales_rep):
    purchase_order_email_request(purchase_order=po, by=sales_rep)
    refuse = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=ConnectionRefusedError
    )

    with refuse, pytest.raises(ConnectionRefusedError):
        purchase_order_email_task(po.pk)

    po.refresh_from_db()
    assert po.email_state == EmailState.PENDING and mail.outbox == []
    assert not Activity.objects.filter(verb="emailed to the supplier").exists()
    assert purchase_order_email_task(po.pk) == "sent"
    assert purchase_order_email_task(po.pk) == "not sent"
    assert len(_to_supplier()) == 1


def test_a_broker_outage_leaves_it_pending_and_the_requeue_task_sends_it(
    po, sales_rep, settings, django_capture_on_commit_callbacks
):
    down = mock.patch.object(purchase_order_email_task, "apply_async", side_effect=BrokerDown("Connection refused"))
    with down:
        _request(po, sales_rep, django_capture_on_commit_callbacks)

    # the request stood; the email waits
    po.refresh_from_db()
    assert po.email_state == EmailState.PENDING and mail.outbox == []
    # a sweep right away leaves it alone: it may still be on its way
    assert purchase_order_email_requeue_task() == 0
    # once the grace has passed, beat's sweep queues it again and it goes out once
    grace = timedelta(seconds=settings.NOTIFICATION_PENDING_GRACE_SECONDS + 1)
    PurchaseOrder.objects.filter(pk=po.pk).update(email_requested_at=timezone.now() - grace)
    assert purchase_order_email_requeue_task() == 1
    assert len(_to_supplier()) == 1
    assert purchase_order_email_requeue_task() == 0
    assert len(_to_supplier()) == 1
    po.refresh_from_db()
    assert po.email_state == EmailState.SENT


def test_the_sweep_waits_for_a_retry_and_takes_over_dead_claims(po, sales_rep, settings):
    purchase_order_email_request(purchase_order=po, by=sales_rep)
    old = timezone.now() - timedelta(seconds=max(settings.NOTIFICATION_PENDING_GRACE_SECONDS, 1) + 600)
    # given back after an error a moment ago: its own retry sends it
    PurchaseOrder.objects.filter(pk=po.pk).update(email_requested_at=old, email_claimed_at=timezone.now())
    assert purchase_order_email_requeue_task() == 0
    # claimed by a worker that died
    PurchaseOrder.objects.filter(pk=po.pk).update(email_state=EmailState.SENDING, email_claimed_at=old)
    assert purchase_order_email_requeue_task() == 1
    assert len(_to_supplier()) == 1


# --- the PO page --------------------------------------------------------------------------------------


def _page(client, po) -> str:
    return client.get(reverse("purchase-order-detail", args=[po.pk])).content.decode()


@pytest.mark.parametrize("who", ["sales_rep", "production_rep", "manager"])
def test_the_page_offers_the_pdf_and_the_email_button(client, po, who, request):
    client.force_login(request.getfixturevalue(who))

    page = _page(client, po)

    assert f'href="{reverse("purchase-order-pdf", args=[po.pk])}"' in page and "Download PDF" in page
    assert f'action="{reverse("purchase-order-email", args=[po.pk])}"' in page and "Email PO to supplier" in page
    assert '<dd data-testid="po-expected-date">May 1, 2031</dd>' in page
    assert '<dd data-testid="po-ship-to">Expo Center, Hall B<br>2060 N Marine Dr<br>Portland, OR 97217</dd>' in page
    assert '<dd data-testid="po-email-state">Not yet</dd>' in page


def test_invoicing_sees_the_pdf_but_no_email_button(client, po, invoicing_rep):
    client.force_login(invoicing_rep)

    page = _page(client, po)

    assert "Download PDF" in page
    assert "Email PO to supplier" not in page


def test_the_pdf_link_opens_the_po_in_the_browser(client, po, invoicing_rep):
    client.force_login(invoicing_rep)

    response = client.get(reverse("purchase-order-pdf", args=[po.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="PO-1001.pdf"'
    assert "Harbor Drinkware" in _text(response.content)[1]


def test_signed_out_the_pdf_and_the_email_send_to_sign_in(client, po):
    for url in (reverse("purchase-order-pdf", args=[po.pk]), reverse("purchase-order-email", args=[po.pk])):
        response = client.post(url) if url.endswith("/email/") else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")
    po.refresh_from_db()
    assert po.email_state == EmailState.NOT_REQUESTED


def test_emailing_from_the_page_says_where_it_goes_and_shows_the_state(
    client, po, sales_rep, django_capture_on_commit_callbacks
):
    client.force_login(sales_rep)
    url = reverse("purchase-order-email", args=[po.pk])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, follow=True)

    page = response.content.decode()
    assert response.redirect_chain == [(reverse("purchase-order-detail", args=[po.pk]), 302)]
    assert "PO-1001 will be emailed to orders@harbor.example.com." in page
    assert '<dd data-testid="po-email-state">Waiting to be sent to orders@harbor.example.com</dd>' in page
    assert "Email PO to supplier" not in page  # no second click while it waits

    for callback in callbacks:
        callback()
    po.refresh_from_db()
    sent_on = timezone.localtime(po.email_sent_at)
    page = _page(client, po)
    expected = f"Sent on {sent_on:%b} {sent_on.day}, {sent_on:%Y %H:%M} to orders@harbor.example.com"
    assert f'<dd data-testid="po-email-state">{expected}</dd>' in page
    assert "Email PO to supplier" in page
    assert len(_to_supplier()) == 1


def test_a_refusal_is_shown_as_a_message_and_changes_nothing(client, po, sales_rep):
    po.supplier.email = ""
    po.supplier.save()
    client.force_login(sales_rep)

    response = client.post(reverse("purchase-order-email", args=[po.pk]), follow=True)

    assert escape("Supplier Harbor Drinkware has no email address; add one on the supplier page.") in (
        response.content.decode()
    )
    po.refresh_from_db()
    assert po.email_state == EmailState.NOT_REQUESTED
    assert mail.outbox == []


def test_a_second_post_while_it_waits_is_refused_with_a_message(client, po, sales_rep):
    purchase_order_email_request(purchase_order=po, by=sales_rep)
    client.force_login(sales_rep)

    response = client.post(reverse("purchase-order-email", args=[po.pk]), follow=True)

    assert "Purchase order PO-1001 is already waiting to be emailed to orders@harbor.example.com." in (
        response.content.decode()
    )
    assert Activity.objects.filter(verb="asked to email to the supplier").count() == 1


@pytest.mark.parametrize("roles", [["Invoicing"], []], ids=["invoicing", "no role"])
def test_others_get_403_and_nothing_changes(client, po, roles):
    client.force_login(UserFactory(roles=roles))

    assert client.post(reverse("purchase-order-email", args=[po.pk])).status_code == 403

    po.refresh_from_db()
    assert po.email_state == EmailState.NOT_REQUESTED


def test_the_email_url_takes_only_post(client, po, sales_rep):
    client.force_login(sales_rep)

    assert client.get(reverse("purchase-order-email", args=[po.pk])).status_code == 405
