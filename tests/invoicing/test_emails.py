"""Email to client: HTML and plain text to the billing contact, the PDF attached, the client link inside."""

import io
import re
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from config.settings import email_settings
from invoicing.models import Invoice
from invoicing.services.sending import invoice_send
from invoicing.services.void import invoice_void
from invoicing.tasks import invoice_email_task
from notifications.models import Notification
from projects.models import Activity

pytestmark = pytest.mark.django_db


def _to_client(invoice) -> list:
    """The emails to the invoice's client (the order rep's notification email goes out too)."""
    address = invoice.sales_order.project.client.billing_email
    return [message for message in mail.outbox if message.to == [address]]


def _send(ivy_client, invoice, capture):
    # The email is queued after the request's transaction commits; capture runs it then.
    with capture(execute=True):
        return ivy_client.post(reverse("invoice-send", args=[invoice.pk]), follow=True)


def test_email_to_client_sends_the_invoice_with_pdf_and_link(
    partial_invoice, ivy_client, invoicing_rep, django_capture_on_commit_callbacks
):
    client = partial_invoice.sales_order.project.client

    response = _send(ivy_client, partial_invoice, django_capture_on_commit_callbacks)

    # the page says so and the invoice is Sent to Client
    html = response.content.decode()
    assert f"Invoice INV-000001 is being emailed to {client.billing_email}; it is now Sent to Client." in html
    assert 'data-testid="invoice-status">Sent to Client<' in html
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == Invoice.Status.SENT_TO_CLIENT and partial_invoice.sent_at is not None

    # one email to the billing contact, replies to the invoicing rep
    [message] = _to_client(partial_invoice)
    assert message.reply_to == [invoicing_rep.email]
    assert message.subject == "Invoice INV-000001 from Northwind Promotional Products"

    # plain text and HTML, both with the figures, the partial-balance line and the client link
    text = message.body
    [(html_body, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    link = re.search(r"http://\S+/invoices/c/\S+/", text).group(0)
    assert link in html_body
    for body in (text, html_body):
        assert "INV-000001" in body and "1,450.55" in body and "SO-1001" in body
        assert "has a remaining balance still to be invoiced" in body
    assert "&amp;" not in text and "<" not in text  # plain text is not HTML-escaped

    # the PDF attached is the invoice itself
    [(filename, content, attachment_type)] = message.attachments
    assert (filename, attachment_type) == ("INV-000001.pdf", "application/pdf")
    pdf_text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "INV-000001" in pdf_text and "1,450.55" in pdf_text

    # and the link in the email opens that invoice without signing in
    ivy_client.logout()
    opened = ivy_client.get(urlsplit(link).path)
    assert opened.status_code == 200 and "INV-000001" in opened.content.decode()


def test_sending_is_logged_and_tells_the_order_rep(
    partial_invoice, ivy_client, sales_rep, django_capture_on_commit_callbacks
):
    _send(ivy_client, partial_invoice, django_capture_on_commit_callbacks)

    activity = Activity.objects.get(verb="emailed to the client")
    assert (activity.from_value, activity.to_value) == ("Open", "Sent to Client")
    assert activity.detail == partial_invoice.sales_order.project.client.billing_email
    assert Notification.objects.filter(recipient=sales_rep, kind=Notification.Kind.INVOICE_SENT).count() == 1


def test_a_client_name_with_an_ampersand_reads_plainly_in_the_text_part(partial_invoice, invoicing_rep):
    client = partial_invoice.sales_order.project.client
    client.name = "Smith & Sons <Events>"
    client.save()
    Invoice.objects.filter(pk=partial_invoice.pk).update(email_state=Invoice.EmailState.PENDING)

    invoice_email_task(partial_invoice.pk)

    [message] = mail.outbox
    assert "Hello Smith & Sons <Events>," in message.body
    assert "Hello Smith &amp; Sons &lt;Events&gt;," in message.alternatives[0][0]


def test_an_invoice_voided_before_the_task_runs_is_not_emailed(partial_invoice, manager):
    invoice_void(invoice=partial_invoice, reason="Wrong client", by=manager)

    assert invoice_email_task(partial_invoice.pk) == "not sent"
    assert mail.outbox == []


def test_a_paid_invoice_cannot_be_emailed(
    partial_invoice, invoicing_rep, ivy_client, django_capture_on_commit_callbacks
):
    from invoicing.services.marks import invoice_status_change

    invoice_status_change(invoice=partial_invoice, status=Invoice.Status.PAID, by=invoicing_rep)

    response = _send(ivy_client, partial_invoice, django_capture_on_commit_callbacks)

    assert "Invoice INV-000001 is Paid; it cannot be emailed." in response.content.decode()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_failure_is_reported_and_can_be_retried(partial_invoice, ivy_client):
    # A real commit, so the email is queued (and, with tasks run in the request, sent) inside the request.
    url = reverse("invoice-send", args=[partial_invoice.pk])
    refuse = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=ConnectionRefusedError
    )
    with refuse:
        response = ivy_client.post(url, follow=True)

    html = response.content.decode()
    assert "could not be sent just now. Try Email to client again in a few minutes." in html
    assert "Email to client again" in html
    assert _to_client(partial_invoice) == []

    ivy_client.post(url)
    assert len(_to_client(partial_invoice)) == 1


def test_only_invoicing_and_managers_may_email(partial_invoice, client, sales_rep):

    client.force_login(sales_rep)

    assert client.post(reverse("invoice-send", args=[partial_invoice.pk])).status_code == 403
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == Invoice.Status.OPEN


def test_with_no_email_settings_mail_goes_to_the_console():
    assert email_settings("") == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}


def test_service_queues_the_email_only_after_commit(partial_invoice, invoicing_rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoice_send(invoice=partial_invoice, by=invoicing_rep)

    assert mail.outbox == []  # nothing leaves before the status change is committed
    assert len(callbacks) >= 1
    for callback in callbacks:
        callback()
    assert len(_to_client(partial_invoice)) == 1
